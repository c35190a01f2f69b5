"""The articulated 2D figure: joint angles from the motion, joints in pixels, full-body boxes.

A person is a stick figure with volume (head, torso, two-segment arms and legs) posed by
its motion kind (idle sway, walk cycle, run cycle with longer stride and bent elbows,
dance moves, talking gestures) and drawn as a billboard standing on its ground point.
Its vertical scale comes from projecting the feet and the top of the head through the
camera, its horizontal scale from the depth, so a person further away is smaller. The box
is the extent of every drawn part, computed here so that the trajectories-only mode and
the renderer agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synreal.tracking.activities import DANCE, IDLE, RUN, TALK, WALK
from synreal.tracking.camera import CameraPath

# Joint indices.
HEAD, NECK, PELVIS = 0, 1, 2
SH_L, EL_L, HA_L, SH_R, EL_R, HA_R = 3, 4, 5, 6, 7, 8
HIP_L, KN_L, FT_L, HIP_R, KN_R, FT_R = 9, 10, 11, 12, 13, 14
N_JOINTS = 15

# Proportions as fractions of body height.
HIP_H, TORSO, NECK_LEN, HEAD_R = 0.52, 0.285, 0.10, 0.075
THIGH, SHIN, UPPER_ARM, FOREARM = 0.255, 0.255, 0.165, 0.175
SHOULDER_W, HIP_W = 0.105, 0.055
LEG_W, ARM_W, TORSO_DEPTH = 0.075, 0.05, 0.06


@dataclass
class Figures:
    """Posed figures of all people over all frames, in pixels.

    Attributes:
        joints: (P, T, 15, 2) joint positions.
        scale: (P, T) pixels per metre across the image.
        scale_v: (P, T) pixels per metre up the image.
        height: (P,) body heights in metres.
        build: (P,) width factors.
        depth: (P, T) distance along the optical axis (larger = further).
        left_near: (P, T) True when the person's left side faces the camera.
        box: (P, T, 4) full-body boxes ``left, top, width, height``.
    """

    joints: np.ndarray
    scale: np.ndarray
    scale_v: np.ndarray
    height: np.ndarray
    build: np.ndarray
    depth: np.ndarray
    left_near: np.ndarray
    box: np.ndarray


def _pose_params(motion: np.ndarray, phase: np.ndarray, move: np.ndarray) -> dict[str, np.ndarray]:
    """Joint angles (radians) and body offsets (fractions of height), each shaped like ``motion``."""
    shape = motion.shape
    z = np.zeros(shape)
    p = {k: z.copy() for k in ("thL", "thR", "knL", "knR", "gaL", "gaR", "uaL", "uaR", "elL", "elR",
                                "abL", "abR", "fabL", "fabR", "lean", "bounce", "shift")}  # fmt: skip
    ph = 2 * np.pi * (phase - np.floor(phase))
    s, c = np.sin(ph), np.cos(ph)

    def put(mask: np.ndarray, **vals: np.ndarray | float) -> None:
        for k, v in vals.items():
            p[k][mask] = v[mask] if isinstance(v, np.ndarray) else v

    # Idle (also the base of talking): weight shift and hanging arms.
    still = (motion == IDLE) | (motion == TALK)
    put(still, shift=0.012 * s, knL=0.05, knR=0.05, gaL=0.05, gaR=0.05, uaL=0.05, uaR=0.05,
        elL=0.15, elR=0.15, abL=0.1, abR=0.1, fabL=0.1, fabR=0.1)  # fmt: skip
    hips = still & (((motion == IDLE) & (move == 1)) | ((motion == TALK) & (move == 3)))
    put(hips, abL=0.7, fabL=-0.9, uaL=-0.1, elL=0.3)
    put(hips & (motion == IDLE), abR=0.7, fabR=-0.9, uaR=-0.1, elR=0.3)
    folded = (motion == IDLE) & (move == 2)
    put(folded, uaL=0.15, uaR=0.15, elL=1.9, elR=1.9, fabL=-0.5, fabR=-0.5)
    s2 = np.sin(2 * ph)
    talk_r = (motion == TALK) & ((move == 1) | (move == 2))
    put(talk_r, uaR=0.5 + 0.25 * s2, elR=1.0 + 0.3 * np.sin(2 * ph + 1.0))
    talk_b = (motion == TALK) & (move == 2)
    put(talk_b, uaL=0.45 - 0.25 * s2, elL=1.0 + 0.3 * np.cos(2 * ph))

    # Walk: legs swing in opposition, arms counter-swing, a small double bounce.
    m = motion == WALK
    put(m, thL=0.38 * s, thR=-0.38 * s, knL=0.1 + 0.55 * np.maximum(0, np.sin(ph + 1.0)),
        knR=0.1 + 0.55 * np.maximum(0, np.sin(ph + 1.0 + np.pi)), uaL=-0.3 * s, uaR=0.3 * s,
        elL=0.25, elR=0.25, abL=0.08, abR=0.08, fabL=0.08, fabR=0.08, lean=0.04,
        bounce=0.012 * (1 - np.cos(2 * ph)) / 2, gaL=0.03, gaR=0.03)  # fmt: skip
    # Run: longer stride, high knees, bent elbows, forward lean, flight phase.
    m = motion == RUN
    put(m, thL=0.65 * s, thR=-0.65 * s, knL=0.3 + 1.1 * np.maximum(0, np.sin(ph + 1.2)),
        knR=0.3 + 1.1 * np.maximum(0, np.sin(ph + 1.2 + np.pi)), uaL=-0.6 * s, uaR=0.6 * s,
        elL=1.4, elR=1.4, abL=0.12, abR=0.12, fabL=0.12, fabR=0.12, lean=0.18,
        bounce=0.03 * np.abs(s), gaL=0.03, gaR=0.03)  # fmt: skip

    # Dance moves (phase: one cycle = two beats).
    d = motion == DANCE
    put(d, knL=0.1, knR=0.1, gaL=0.06, gaR=0.06, elL=0.2, elR=0.2, abL=0.2, abR=0.2, fabL=0.2, fabR=0.2)
    k = 0.15 + 0.15 * (1 + np.sin(2 * ph)) / 2
    mm = d & (move == 0)  # arms_wave
    put(mm, abL=2.4 + 0.35 * s, abR=2.4 - 0.35 * s, fabL=2.4 + 0.35 * s + 0.3 * np.sin(ph + 1),
        fabR=2.4 - 0.35 * s - 0.3 * np.sin(ph + 1), shift=0.03 * s, knL=k, knR=k)  # fmt: skip
    jj = (1 - c) / 2
    mm = d & (move == 1)  # jumping_jack
    put(mm, abL=0.2 + 2.5 * jj, abR=0.2 + 2.5 * jj, fabL=0.2 + 2.5 * jj, fabR=0.2 + 2.5 * jj,
        gaL=0.05 + 0.28 * jj, gaR=0.05 + 0.28 * jj, bounce=0.04 * np.abs(s))  # fmt: skip
    mm = d & (move == 2)  # side_step
    put(mm, shift=0.12 * s, gaL=0.05 + 0.2 * np.maximum(0, s), gaR=0.05 + 0.2 * np.maximum(0, -s),
        uaL=0.3, uaR=0.3, elL=1.5, elR=1.5, abL=0.5 + 0.3 * s, abR=0.5 - 0.3 * s, fabL=0.3, fabR=0.3)  # fmt: skip
    mm = d & (move == 3)  # pump
    put(mm, abR=2.7, fabR=2.7 + 0.4 * s2, uaR=0.1, abL=0.7, fabL=-0.9, uaL=-0.1, elL=0.3,
        knL=0.2 + 0.2 * (1 + s2) / 2, knR=0.2 + 0.2 * (1 + s2) / 2)  # fmt: skip
    mm = d & (move == 4)  # twist
    put(mm, knL=0.35, knR=0.35, uaL=0.3 + 0.8 * s, uaR=0.3 - 0.8 * s, elL=1.2, elR=1.2, shift=0.04 * s2)
    mm = d & (move == 5)  # kick
    put(mm, thL=1.0 * np.maximum(0, s), thR=1.0 * np.maximum(0, -s), abL=1.2, abR=1.2, fabL=1.2, fabR=1.2)
    mm = d & (move == 6)  # clap
    ab = 0.25 + 0.25 * (1 + s2) / 2
    put(mm, uaL=1.2 + 0.2 * s2, uaR=1.2 + 0.2 * s2, elL=0.3, elR=0.3, abL=ab, abR=ab, fabL=ab - 0.4, fabR=ab - 0.4)
    return p


def _limb_into(out: np.ndarray, start: np.ndarray, length: float, pitch: np.ndarray, abd: np.ndarray, side: float) -> None:
    """out = start + length * direction of a limb at pitch/abduction (forward, left, up)."""
    ca = np.cos(abd)
    out[..., 0] = start[..., 0] + length * np.sin(pitch) * ca
    out[..., 1] = start[..., 1] + (length * side) * np.sin(abd)
    out[..., 2] = start[..., 2] - length * np.cos(pitch) * ca


def body_joints(motion: np.ndarray, phase: np.ndarray, move: np.ndarray, build: np.ndarray) -> np.ndarray:
    """Joints in the body frame (forward, left, up) in units of body height, (P, T, 15, 3)."""
    p = _pose_params(motion, phase, move)
    shape = motion.shape
    b = np.broadcast_to(build[:, None], shape) if build.ndim == 1 else build
    J = np.zeros(shape + (N_JOINTS, 3))
    pelvis = J[..., PELVIS, :]
    pelvis[..., 1] = p["shift"]
    pelvis[..., 2] = HIP_H + p["bounce"]
    sl, cl = np.sin(p["lean"]), np.cos(p["lean"])
    neck = J[..., NECK, :]
    neck[..., 0] = pelvis[..., 0] + TORSO * sl
    neck[..., 1] = pelvis[..., 1]
    neck[..., 2] = pelvis[..., 2] + TORSO * cl
    J[..., HEAD, 0] = neck[..., 0] + NECK_LEN * sl
    J[..., HEAD, 1] = neck[..., 1]
    J[..., HEAD, 2] = neck[..., 2] + NECK_LEN * cl
    for side, sh, el, ha, hip, kn, ft, sfx in (
        (1.0, SH_L, EL_L, HA_L, HIP_L, KN_L, FT_L, "L"),
        (-1.0, SH_R, EL_R, HA_R, HIP_R, KN_R, FT_R, "R"),
    ):
        J[..., sh, 0] = neck[..., 0] - 0.02 * sl
        J[..., sh, 1] = neck[..., 1] + side * SHOULDER_W * b
        J[..., sh, 2] = neck[..., 2] - 0.02 * cl
        _limb_into(J[..., el, :], J[..., sh, :], UPPER_ARM, p["ua" + sfx], p["ab" + sfx], side)
        _limb_into(J[..., ha, :], J[..., el, :], FOREARM, p["ua" + sfx] + p["el" + sfx], p["fab" + sfx], side)
        J[..., hip, 0] = pelvis[..., 0]
        J[..., hip, 1] = pelvis[..., 1] + side * HIP_W * b
        J[..., hip, 2] = pelvis[..., 2]
        _limb_into(J[..., kn, :], J[..., hip, :], THIGH, p["th" + sfx], p["ga" + sfx], side)
        _limb_into(J[..., ft, :], J[..., kn, :], SHIN, p["th" + sfx] - p["kn" + sfx], p["ga" + sfx], side)
    return J


#: Half-width of the drawn part at each joint, as a fraction of body height (for boxes).
_JOINT_HALF = np.array([HEAD_R, ARM_W / 2, LEG_W / 2, ARM_W / 2, ARM_W / 2, ARM_W / 2, ARM_W / 2, ARM_W / 2,
                        ARM_W / 2, LEG_W / 2, LEG_W / 2, LEG_W / 2, LEG_W / 2, LEG_W / 2, LEG_W / 2])  # fmt: skip


def pose_figures(
    pos: np.ndarray,
    heading: np.ndarray,
    motion: np.ndarray,
    phase: np.ndarray,
    move: np.ndarray,
    height: np.ndarray,
    build: np.ndarray,
    camera: CameraPath,
) -> Figures:
    """Pose everyone in every frame and place the figures in the image.

    Args:
        pos: (P, T, 2) ground positions in metres.
        heading: (P, T) facing directions (radians, 0 = +x).
        motion, phase, move: (P, T) motion labels from the activities.
        height: (P,) body heights in metres.
        build: (P,) width factors (1 = average).
        camera: the camera of each frame.

    Returns:
        The posed figures with their full-body boxes.

    Example:
        >>> from synreal.tracking.camera import Camera
        >>> path = CameraPath(Camera(), 1)
        >>> z = np.zeros((2, 1))
        >>> f = pose_figures(np.array([[[0, 8.0]], [[0, 16.0]]]), z, z.astype(int), z, z.astype(int),
        ...                  np.array([1.75, 1.75]), np.ones(2), path)
        >>> bool(f.box[0, 0, 3] > f.box[1, 0, 3])  # the nearer person is taller
        True
    """
    P, T = motion.shape
    ground = np.concatenate([pos, np.zeros((P, T, 1))], -1)
    top = ground.copy()
    top[..., 2] = height[:, None]
    mid = ground.copy()
    mid[..., 2] = height[:, None] / 2
    pts = np.stack([ground, top, mid], axis=2)  # (P, T, 3, 3)
    u, v, depth = camera.project(pts)
    cam = camera.start
    scale = cam.focal / np.maximum(depth[..., 2], 0.1)
    scale_v = np.maximum(v[..., 0] - v[..., 1], 0.0) / height[:, None]
    right, _down, axis = camera.axes()  # (T, 3)
    fwd = np.stack([np.cos(heading), np.sin(heading)], -1)
    left = np.stack([-np.sin(heading), np.cos(heading)], -1)
    sx = (fwd * right[None, :, :2]).sum(-1)
    lx = (left * right[None, :, :2]).sum(-1)
    left_near = (left * axis[None, :, :2]).sum(-1) < 0

    body = body_joints(motion, phase, move, build) * height[:, None, None, None]
    jx = u[..., 0, None] + scale[..., None] * (body[..., 0] * sx[..., None] + body[..., 1] * lx[..., None])
    jy = v[..., 0, None] - scale_v[..., None] * body[..., 2]
    joints = np.stack([jx, jy], -1)

    half = _JOINT_HALF[None, None, :] * height[:, None, None] * scale[..., None]
    half_v = half.copy()
    half_v[..., HEAD] = HEAD_R * 1.15 * height[:, None] * scale_v
    x0 = (jx - half).min(-1)
    x1 = (jx + half).max(-1)
    y0 = (jy - half_v).min(-1)
    y1 = (jy + half_v).max(-1)
    box = np.stack([x0, y0, x1 - x0, y1 - y0], -1)
    return Figures(joints=joints, scale=scale, scale_v=scale_v, height=height, build=build,
                   depth=depth[..., 0], left_near=left_near, box=box)  # fmt: skip
