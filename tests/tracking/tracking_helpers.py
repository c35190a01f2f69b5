"""Helpers of the tracking tests: tiny scene sets and hand-built scenes."""

from __future__ import annotations

import numpy as np

from synreal.tracking.activities import IDLE, GroupMotion
from synreal.tracking.camera import Camera, CameraPath
from synreal.tracking.spec import SceneSetSpec


def tiny_spec(**over: object) -> SceneSetSpec:
    """A scene set small enough to render in well under a second."""
    data: dict = {
        "name": "tiny",
        "sequences": 2,
        "scene": {"frames": 6},
        "camera": {"width": 160, "height": 96},
    }
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return SceneSetSpec.model_validate(data)


def standing(positions: list[tuple[float, float]], frames: int = 2, heading: float = 0.0) -> GroupMotion:
    """People standing still at the given ground positions."""
    n = len(positions)
    pos = np.repeat(np.array(positions, float)[:, None, :], frames, axis=1)
    return GroupMotion(
        pos=pos,
        heading=np.full((n, frames), heading),
        motion=np.full((n, frames), IDLE, np.int8),
        phase=np.zeros((n, frames)),
        move=np.zeros((n, frames), np.int16),
    )


def level_camera(frames: int = 2, cam_height: float = 3.0, pitch: float = 10.0) -> CameraPath:
    """A static camera looking along +y (yaw 0), 640x360, 3 m up by default."""
    cam = Camera(640, 360, cam_height=cam_height, pitch_deg=pitch, fov_deg=60.0, yaw_deg=0.0)
    return CameraPath(cam, n_frames=frames)
