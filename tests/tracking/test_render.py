"""Rendering: determinism, boxes that enclose the drawn figure, visibility measured on pixels."""

from __future__ import annotations

import numpy as np
import pytest
from tests.tracking.tracking_helpers import level_camera, standing, tiny_spec

from synreal.tracking.render import SceneRenderer, render_scene
from synreal.tracking.scene import scene_from_tracks, simulate_scene
from synreal.tracking.spec import RenderSpec


def test_rendering_is_deterministic() -> None:
    spec = tiny_spec()
    a = [np.asarray(im) for _, im in render_scene(simulate_scene(spec, 4), spec.render)]
    b = [np.asarray(im) for _, im in render_scene(simulate_scene(spec, 4), spec.render)]
    assert len(a) == 6 and a[0].shape == (96, 160, 3)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_boxes_enclose_the_drawn_figure_tightly() -> None:
    spec = tiny_spec(camera={"width": 320, "height": 180}, scene={"frames": 8})
    for seed in range(3):
        scene = simulate_scene(spec, seed)
        r = SceneRenderer(scene, spec.render)
        for p, t in list(zip(*np.nonzero(scene.labelled)))[:40]:
            mask = r.silhouette(p, t)
            if not mask.any():
                continue
            ys, xs = np.nonzero(mask)
            x, y, w, h = scene.boxes[p, t]
            # PIL rounds stroke widths, so allow a pixel and a half around the box.
            assert xs.min() >= np.floor(x) - 1.5 and xs.max() <= x + w + 1.5
            assert ys.min() >= np.floor(y) - 1.5 and ys.max() <= y + h + 1.5
            # Tight: the figure reaches near every side that lies inside the image.
            if x > 2 and x + w < 318 and y > 2 and y + h < 178 and h > 30:
                assert xs.min() - x < 0.1 * w + 2 and (x + w) - xs.max() < 0.1 * w + 2
                assert ys.min() - y < 0.05 * h + 2 and (y + h) - ys.max() < 0.05 * h + 2


def _pair(offset: float):  # type: ignore[no-untyped-def]
    """Person 0 at 10 m straight ahead; person 1 at 6 m, ``offset`` metres to the side.

    The camera is at eye level, so the nearer person covers the other one's whole height.
    """
    people = standing([(0.0, 10.0), (offset, 6.0)], heading=-np.pi / 2)  # both face the camera
    return scene_from_tracks(people, level_camera(cam_height=1.6, pitch=3.0), render_seed=3)


def test_visibility_falls_when_someone_stands_in_front() -> None:
    spec = RenderSpec()
    hidden, clear = _pair(0.15), _pair(3.0)
    vis_hidden = SceneRenderer(hidden, spec).frame(0)[1]
    vis_clear = SceneRenderer(clear, spec).frame(0)[1]
    assert vis_clear[0] == 1.0 and vis_clear[1] == 1.0
    assert vis_hidden[0] < 0.5
    assert vis_hidden[1] == 1.0  # the front person is whole
    # The box-based estimate agrees on the direction.
    assert hidden.visibility[0, 0] < clear.visibility[0, 0]


def test_measured_visibility_equals_the_silhouette_count() -> None:
    scene = _pair(0.35)
    r = SceneRenderer(scene, RenderSpec())
    vis = r.frame(0)[1]
    back, front = r.silhouette(0, 0), r.silhouette(1, 0)
    assert vis[0] == pytest.approx((back & ~front).sum() / back.sum())
    assert 0.0 < vis[0] < 1.0


def test_visibility_falls_as_a_person_leaves_the_image() -> None:
    xs = [2.0, 2.8, 3.3, 3.7, 4.1]  # metres to the right at 6 m: from inside to half out
    scene = scene_from_tracks(standing([(x, 6.0) for x in xs]), level_camera(), min_in_frame=0.0)
    vis = SceneRenderer(scene, RenderSpec()).frame(0)[1]
    right = scene.boxes[:, 0, 0] + scene.boxes[:, 0, 2]
    assert right[0] < 640 and right[-1] > 640
    inside = right < 638
    # People side by side do not hide each other here: only the border cuts.
    assert (vis[inside] == 1.0).all()
    assert (vis[~inside] < 1.0).all()
    assert np.all(np.diff(vis) <= 1e-12)


def test_rendered_visibility_replaces_the_box_estimate() -> None:
    spec = tiny_spec()
    scene = simulate_scene(spec, 2)
    before = scene.visibility.copy()
    for _ in render_scene(scene, spec.render):
        pass
    lab = scene.labelled
    assert lab.any()
    assert ((scene.visibility[lab] >= 0) & (scene.visibility[lab] <= 1)).all()
    assert not np.array_equal(before[lab], scene.visibility[lab])
