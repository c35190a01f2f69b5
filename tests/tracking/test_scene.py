"""Scenes: determinism, the spec's layout and mix, ids, enter/leave, box-based visibility."""

from __future__ import annotations

import numpy as np
import pytest
from tests.tracking.tracking_helpers import tiny_spec

from synreal.tracking.scene import box_visibility, derive_seed, simulate_scene
from synreal.tracking.spec import SceneSetSpec


def test_same_seed_same_sequence_other_seed_other_sequence() -> None:
    spec = SceneSetSpec(name="d")
    a, b, c = simulate_scene(spec, 11), simulate_scene(spec, 11), simulate_scene(spec, 12)
    np.testing.assert_array_equal(a.ground_truth().to_array(), b.ground_truth().to_array())
    np.testing.assert_array_equal(a.pos, b.pos)
    assert a.render_seed == b.render_seed
    ga, gc = a.ground_truth().to_array(), c.ground_truth().to_array()
    assert ga.shape != gc.shape or not np.array_equal(ga, gc)


def test_sequence_seeds_are_distinct_and_stable() -> None:
    seeds = [derive_seed(0, i) for i in range(100)]
    assert len(set(seeds)) == 100
    assert derive_seed(0, 5) == derive_seed(0, 5) != derive_seed(1, 5)


def test_defaults_are_long_clips_at_real_frame_rates_and_m3act_is_one_setting() -> None:
    rates = {simulate_scene(SceneSetSpec(name="d"), seed).fps for seed in range(12)}
    assert rates <= {30.0, 25.0, 14.0} and 30.0 in rates
    s = simulate_scene(SceneSetSpec(name="d"), 0)
    assert s.n_frames == 300 and s.pos.shape[1] == 300
    m3act = SceneSetSpec.model_validate({"name": "m", "scene": {"fps": 30, "frames": 90}})
    s = simulate_scene(m3act, 0)
    assert (s.fps, s.n_frames) == (30.0, 90)


def test_single_group_scenes_hold_one_group_and_nobody_else() -> None:
    spec = SceneSetSpec.model_validate({"name": "s", "scene": {"layout": "single-group"}})
    for seed in range(5):
        s = simulate_scene(spec, seed)
        assert len(s.groups) == 1
        assert (s.group == 0).all()


def test_multi_group_scenes_follow_the_counts() -> None:
    # A still camera: a walking one can leave lone walkers behind, and they are dropped.
    spec = SceneSetSpec.model_validate(
        {"name": "m", "scene": {"groups": [3, 3], "lone_walkers": [2, 2], "max_people": 40, "entry_rate": 0},
         "camera": {"moving": 0}}
    )  # fmt: skip
    for seed in range(5):
        s = simulate_scene(spec, seed)
        assert len(s.groups) == 3 or s.n_people == 40
        assert (s.group == -1).sum() == 2 or s.n_people == 40


@pytest.mark.parametrize("mix", [{"dance": 1}, {"walk": 1, "run": 1}, {"queue": 1, "talk": 1}])
def test_the_activity_mix_decides_what_groups_do(mix: dict) -> None:
    spec = SceneSetSpec.model_validate({"name": "m", "scene": {"activities": mix, "groups": [2, 4]}})
    seen = {g.activity for seed in range(6) for g in simulate_scene(spec, seed).groups}
    assert seen <= set(mix)
    assert seen  # at least one group per scene


def test_max_people_caps_the_crowd() -> None:
    spec = SceneSetSpec.model_validate(
        {"name": "m", "scene": {"groups": [4, 4], "lone_walkers": [3, 3], "max_people": 7, "entry_rate": 0}}
    )
    assert all(simulate_scene(spec, seed).n_people <= 7 for seed in range(5))


def test_ids_are_numbered_by_first_appearance() -> None:
    s = simulate_scene(SceneSetSpec(name="i"), 3)
    gt = s.ground_truth()
    ids = np.unique(gt.id)
    np.testing.assert_array_equal(ids, np.arange(1, len(ids) + 1))
    first = [gt.frame[gt.id == i].min() for i in ids]
    assert first == sorted(first)
    # One row per id and frame, frames within the clip.
    assert len(set(zip(gt.frame.tolist(), gt.id.tolist()))) == len(gt)
    assert gt.frame.min() >= 1 and gt.frame.max() <= s.n_frames


def test_people_enter_and_leave_the_view() -> None:
    spec = SceneSetSpec.model_validate({"name": "w", "scene": {"activities": {"walk": 1, "run": 1}}})
    entering = leaving = 0
    for seed in range(6):
        s = simulate_scene(spec, seed)
        gt = s.ground_truth()
        for i in np.unique(gt.id):
            f = gt.frame[gt.id == i]
            entering += f.min() > 1
            leaving += f.max() < s.n_frames
    assert entering > 0 and leaving > 0


def test_labelled_boxes_are_mostly_inside_the_image() -> None:
    spec = tiny_spec(render={"min_in_frame": 0.5})
    s = simulate_scene(spec, 1)
    gt = s.ground_truth()
    x0, y0, w, h = gt.box.T
    iw = np.clip(np.minimum(x0 + w, 160) - np.maximum(x0, 0), 0, None)
    ih = np.clip(np.minimum(y0 + h, 96) - np.maximum(y0, 0), 0, None)
    assert (iw * ih / (w * h) >= 0.5 - 1e-9).all()


def test_box_visibility_of_a_person_half_behind_another(jit: str) -> None:
    # Back box 10 x 20 at depth 10; a nearer box covers its right half.
    box = np.array([[[0.0, 0.0, 10.0, 20.0]], [[5.0, 0.0, 10.0, 20.0]]])
    depth = np.array([[10.0], [5.0]])
    vis = box_visibility(box, depth, 100, 100)
    assert vis[0, 0] == pytest.approx(1 - (5 * 20) / (10 * 20))
    assert vis[1, 0] == 1.0
    # Swap depths: now the other one is hidden by the same overlap.
    vis = box_visibility(box, depth[::-1], 100, 100)
    assert vis[1, 0] == pytest.approx(1 - (5 * 20) / (10 * 20)) and vis[0, 0] == 1.0


def test_box_visibility_counts_the_part_outside_the_image_as_hidden(jit: str) -> None:
    box = np.array([[[-8.0, 10.0, 16.0, 30.0]]])  # half its width left of the image
    assert box_visibility(box, np.array([[4.0]]), 100, 100)[0, 0] == pytest.approx(0.5)


def test_box_visibility_behind_three_overlapping_boxes_is_exact(jit: str) -> None:
    # A 10 x 10 box; nearer: its left half, its top-right quarter, and a 6 x 6 box across
    # both, which adds only x 5..8, y 5..8 to what the other two hide.
    box = np.array([[[0.0, 0, 10, 10]], [[0.0, 0, 5, 10]], [[5.0, 0, 5, 5]], [[2.0, 2, 6, 6]]])
    depth = np.array([[10.0], [5.0], [5.0], [5.0]])
    vis = box_visibility(box, depth, 100, 100)
    assert vis[0, 0] == pytest.approx(1 - (50 + 25 + 3 * 3) / 100)


def test_box_visibility_behind_many_boxes_is_close(jit: str) -> None:
    # Seven nearer boxes, each a 1-wide vertical strip of a 10 x 10 box: 7/10 hidden; the
    # 8 x 8 grid of points used behind five or more boxes gets within 1/8.
    strips = [[[float(x), 0, 1, 10]] for x in range(7)]
    box = np.array([[[0.0, 0, 10, 10]], *strips])
    depth = np.array([[10.0]] + [[5.0]] * 7)
    assert box_visibility(box, depth, 100, 100)[0, 0] == pytest.approx(3 / 10, abs=1 / 8)
