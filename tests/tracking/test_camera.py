"""The pinhole camera and the figure placement it drives."""

from __future__ import annotations

import numpy as np
import pytest
from tests.tracking.tracking_helpers import level_camera, standing

from synreal.tracking.camera import Camera, CameraPath
from synreal.tracking.scene import scene_from_tracks


def test_look_at_point_projects_to_the_image_centre() -> None:
    cam = Camera(640, 360, cam_height=4.0, pitch_deg=25.0, fov_deg=60.0, yaw_deg=37.0, x=2.0, y=-1.0)
    g = cam.look_at_point()
    u, v, depth = cam.project(np.array([[g[0], g[1], 0.0]]))
    assert u[0] == pytest.approx(320.0, abs=1e-9)
    assert v[0] == pytest.approx(180.0, abs=1e-9)
    # Depth along the axis equals the straight distance to a point on the axis.
    assert depth[0] == pytest.approx(np.linalg.norm(cam.center - np.array([g[0], g[1], 0.0])))


def test_ground_point_inverts_projection() -> None:
    cam = Camera(640, 360, cam_height=5.0, pitch_deg=20.0, fov_deg=70.0, yaw_deg=120.0)
    rng = np.random.default_rng(0)
    u = rng.uniform(0, 640, 50)
    v = rng.uniform(cam.horizon_v() + 5, 360, 50)
    g = cam.ground_point(u, v)
    pu, pv, _ = cam.project(np.column_stack([g, np.zeros(50)]))
    np.testing.assert_allclose(pu, u, atol=1e-6)
    np.testing.assert_allclose(pv, v, atol=1e-6)
    assert np.isnan(cam.ground_point(np.array(320.0), np.array(cam.horizon_v() - 5))).all()


def test_horizon_row_follows_pitch() -> None:
    # f = 320 / tan(30 deg); the horizon sits f * tan(pitch) above the centre row.
    cam = Camera(640, 360, pitch_deg=10.0, fov_deg=60.0)
    f = 320 / np.tan(np.radians(30))
    assert cam.horizon_v() == pytest.approx(180 - f * np.tan(np.radians(10)))


def test_orbit_keeps_aim_and_distance() -> None:
    start = Camera(cam_height=4.0, pitch_deg=20.0, yaw_deg=10.0, x=1.0, y=2.0)
    path = CameraPath(start, n_frames=60, fps=30.0, orbit_deg_per_s=15.0)
    target = start.look_at_point()
    for t in (0, 20, 59):
        cam = path.at(t)
        np.testing.assert_allclose(cam.look_at_point(), target, atol=1e-9)
        assert np.hypot(cam.x - target[0], cam.y - target[1]) == pytest.approx(np.hypot(1 - target[0], 2 - target[1]))
    assert path.at(59).yaw_deg - path.at(0).yaw_deg == pytest.approx(15.0 * 59 / 30)


def test_a_person_further_away_is_smaller() -> None:
    depths = [5.0, 8.0, 12.0, 18.0]
    scene = scene_from_tracks(standing([(0.0, d) for d in depths]), level_camera())
    heights = scene.boxes[:, 0, 3]
    assert np.all(np.diff(heights) < 0)
    # Pinhole: size ~ 1 / distance (the camera is pitched, so only approximately).
    ratio = heights[0] / heights[-1]
    assert ratio == pytest.approx(depths[-1] / depths[0], rel=0.15)
    # Feet stand on the projected ground point.
    cam = level_camera().start
    _, v_foot, _ = cam.project(np.array([[0.0, d, 0.0] for d in depths]))
    bottoms = scene.boxes[:, 0, 1] + scene.boxes[:, 0, 3]
    np.testing.assert_allclose(bottoms, v_foot, atol=0.06 * heights.max())


def test_a_taller_person_has_a_taller_box() -> None:
    scene = scene_from_tracks(standing([(-1.0, 8.0), (1.0, 8.0)]), level_camera(), height=np.array([1.5, 1.9]))
    h = scene.boxes[:, 0, 3]
    assert h[1] / h[0] == pytest.approx(1.9 / 1.5, rel=0.05)
