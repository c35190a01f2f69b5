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

from synreal.tracking import kernels
from synreal.tracking.activities import DANCE, IDLE, READY, RUN, TALK, WALK
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
        body_x, body_y: (N, 15) float32 joint offsets of the posed person-frames (those
            that can reach the image) in units of their pixel scale; ``jx``/``jy`` turn
            them into pixels when a renderer asks (trajectories never need them).
        origin: (N, 2) the feet in pixels; gain: (N, 2) the horizontal and vertical
            pixels per body height.
        index: (P, T) row of the posed arrays for each person and frame, -1 where not posed.
        scale: (P, T) pixels per metre across the image.
        scale_v: (P, T) pixels per metre up the image.
        height: (P,) body heights in metres.
        build: (P,) width factors.
        depth: (P, T) distance along the optical axis (larger = further).
        left_near: (P, T) True when the person's left side faces the camera.
        box: (P, T, 4) full-body boxes ``left, top, width, height``.
    """

    body_x: np.ndarray
    body_y: np.ndarray
    origin: np.ndarray
    gain: np.ndarray
    index: np.ndarray
    scale: np.ndarray
    scale_v: np.ndarray
    height: np.ndarray
    build: np.ndarray
    depth: np.ndarray
    left_near: np.ndarray
    box: np.ndarray

    @property
    def jx(self) -> np.ndarray:
        """(N, 15) joint x in pixels."""
        return self.origin[:, 0:1] + self.gain[:, 0:1] * self.body_x

    @property
    def jy(self) -> np.ndarray:
        """(N, 15) joint y in pixels."""
        return self.origin[:, 1:2] - self.gain[:, 1:2] * self.body_y

    @property
    def posed(self) -> np.ndarray:
        """(N, 15, 2) joints of the posed person-frames."""
        return np.stack([self.jx, self.jy], -1).astype(np.float64)

    def joints_of(self, p: int, t: int) -> np.ndarray:
        """(15, 2) joints of person ``p`` in frame ``t`` (all at the feet when not posed)."""
        k = int(self.index[p, t])
        if k >= 0:
            x = self.origin[k, 0] + self.gain[k, 0] * self.body_x[k]
            y = self.origin[k, 1] - self.gain[k, 1] * self.body_y[k]
            return np.stack([x, y], -1).astype(np.float64)
        x, y, w, h = self.box[p, t]
        return np.tile([x + w / 2, y + h], (N_JOINTS, 1))

    @property
    def joints(self) -> np.ndarray:
        """(P, T, 15, 2) joints of everyone (a dense copy; people not posed stand at their feet)."""
        b = self.box
        out = np.repeat(np.stack([b[..., 0] + b[..., 2] / 2, b[..., 1] + b[..., 3]], -1)[:, :, None], N_JOINTS, axis=2)
        pi, ti = np.nonzero(self.index >= 0)
        k = self.index[pi, ti]
        out[pi, ti, :, 0] = self.jx[k]
        out[pi, ti, :, 1] = self.jy[k]
        return out


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
    # The athlete's ready stance: feet apart, knees bent, leaning in, arms out.
    ready = (motion == IDLE) & (move == READY)
    put(ready, thL=0.35, thR=0.35, knL=0.75, knR=0.75, gaL=0.14, gaR=0.14, lean=0.3, uaL=0.5, uaR=0.5,
        elL=0.9, elR=0.9, abL=0.3, abR=0.3, fabL=0.2, fabR=0.2, shift=0.02 * s)  # fmt: skip
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


#: Phase steps per motion cycle at which poses are tabulated (poses are looked up, not
#: recomputed, for every person and frame).
PHASE_STEPS = 64


def _joint_shift() -> np.ndarray:
    """(15,) shift of each joint along the body's left axis per unit of build above 1.

    A wider build moves the shoulders (and the arm hanging from each) and the hips (and
    the leg below each) sideways; every joint is linear in the build, so tabulated poses
    of build 1 plus ``(build - 1) * shift`` are exact.
    """
    d = np.zeros(N_JOINTS)
    for side, joints, w in ((1.0, (SH_L, EL_L, HA_L), SHOULDER_W), (-1.0, (SH_R, EL_R, HA_R), SHOULDER_W),
                            (1.0, (HIP_L, KN_L, FT_L), HIP_W), (-1.0, (HIP_R, KN_R, FT_R), HIP_W)):  # fmt: skip
        d[list(joints)] = side * w
    return d


_SHIFT = _joint_shift()


_TABLE: dict[str, np.ndarray] = {}
_TABLE_MOVES = 8  # moves and gestures 0..7 are tabulated; higher indices are posed directly


def _pose_table() -> np.ndarray:
    """Joints of build 1 for every motion kind, move and phase step: (5, 8, PHASE_STEPS, 15, 3)."""
    if "joints" not in _TABLE:
        m, mv, st = np.meshgrid(np.arange(5), np.arange(_TABLE_MOVES), np.arange(PHASE_STEPS), indexing="ij")
        J = body_joints(m.reshape(1, -1), (st / PHASE_STEPS).reshape(1, -1), mv.reshape(1, -1), np.ones(1))[0]
        _TABLE["joints"] = J.reshape(5, _TABLE_MOVES, PHASE_STEPS, N_JOINTS, 3)
    return _TABLE["joints"]


def _phase_step(phase: np.ndarray) -> np.ndarray:
    """The tabulated phase step (0..PHASE_STEPS-1) nearest to each phase."""
    return np.rint((phase - np.floor(phase)) * PHASE_STEPS).astype(np.int64) % PHASE_STEPS


def tabulated_joints(motion: np.ndarray, phase: np.ndarray, move: np.ndarray, build: np.ndarray) -> np.ndarray:
    """``body_joints`` for flat arrays (N,), with the phase rounded to 1/PHASE_STEPS of a cycle.

    Poses are looked up in a table computed once per process (motion kinds 0-4, moves
    0-7); anything outside it is posed directly.

    Example:
        >>> m, ph, mv = np.array([1, 1], np.int8), np.array([0.25, 1.25]), np.zeros(2, np.int16)
        >>> j = tabulated_joints(m, ph, mv, np.ones(2))
        >>> bool(np.allclose(j[0], j[1]))  # one cycle apart, one pose
        True
    """
    J = _unit_joints(motion, phase, move).astype(np.float64)
    J[..., 1] += (build - 1.0)[:, None] * _SHIFT[None]
    return J


def _joints32() -> np.ndarray:
    """The pose table in float32, computed once per process."""
    if "joints32" not in _TABLE:
        _TABLE["joints32"] = _pose_table().astype(np.float32)
    return _TABLE["joints32"]


def _unit_joints(motion: np.ndarray, phase: np.ndarray, move: np.ndarray) -> np.ndarray:
    """Joints of build 1, (N, 15, 3) float32, from the table where it has them."""
    step = _phase_step(phase)
    inside = (motion >= 0) & (motion < 5) & (move >= 0) & (move < _TABLE_MOVES)
    if inside.all():
        return _joints32()[motion, move, step]
    return body_joints(motion[None], (step / PHASE_STEPS)[None], move[None], np.ones(1))[0].astype(np.float32)


def _rough_reach(u: np.ndarray, v: np.ndarray, depth: np.ndarray, height: np.ndarray, focal: float, width: int, im_h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From projected feet and heads (P, T, 2): scale, vertical scale and whether a rough box
    that holds every pose (arms up, kicks, wide stances) touches the image."""
    scale = focal / np.maximum((depth[..., 0] + depth[..., 1]) / 2, 0.1)  # depth is affine: the middle's is the mean
    scale_v = np.maximum(v[..., 0] - v[..., 1], 0.0) / height[:, None]
    hp = height[:, None] * np.maximum(scale, scale_v)
    near = (depth[..., 0] > 0.3) & (depth[..., 1] + depth[..., 0] > 0.6)
    cand = (
        near & (u[..., 0] + 0.8 * hp > 0) & (u[..., 0] - 0.8 * hp < width)
        & (v[..., 0] + 0.15 * hp > 0) & (v[..., 1] - 0.45 * hp < im_h)
    )  # fmt: skip
    return scale, scale_v, cand


def _project(camera: CameraPath, pos: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, ...]:
    """Feet and heads projected (u, v, depth, each (P, T, 2)), the scales, whether each
    person-frame can reach the image, and a rough box that lies outside it when it cannot."""
    cam = camera.start
    if kernels.jit_enabled():
        return kernels.project_people(pos, height, camera.frame_geometry(), cam.focal, cam.width, cam.height)
    u, v, depth = camera.project_people(pos, height)
    scale, scale_v, cand = _rough_reach(u, v, depth, height, cam.focal, cam.width, cam.height)
    hp = height[:, None] * np.maximum(scale, scale_v)
    rough = np.stack([u[..., 0] - 0.2 * hp, v[..., 1], 0.4 * hp, v[..., 0] - v[..., 1]], -1)
    return u, v, depth, scale, scale_v, cand, rough


def reachable(camera: CameraPath, pos: np.ndarray, height: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """(P,) True for people who come near enough the image, in some frame, to be drawn.

    Example:
        >>> from synreal.tracking.camera import Camera
        >>> path = CameraPath(Camera(), 1)
        >>> reachable(path, np.array([[[0.0, 10.0]], [[0.0, -10.0]]]), np.array([1.8, 1.8])).tolist()
        [True, False]
    """
    cand = _project(camera, pos, height)[5]
    if present is not None:
        cand &= present
    return cand.any(1)


def pose_figures(
    pos: np.ndarray,
    heading: np.ndarray,
    motion: np.ndarray,
    phase: np.ndarray,
    move: np.ndarray,
    height: np.ndarray,
    build: np.ndarray,
    camera: CameraPath,
    present: np.ndarray | None = None,
) -> Figures:
    """Pose everyone in every frame and place the figures in the image.

    Only person-frames that can reach the image are posed; the others (far outside the
    view, behind the camera, or not present) keep a rough box from the projected feet and
    head that lies outside the image too.

    Args:
        pos: (P, T, 2) ground positions in metres.
        heading: (P, T) facing directions (radians, 0 = +x).
        motion, phase, move: (P, T) motion labels from the activities.
        height: (P,) body heights in metres.
        build: (P,) width factors (1 = average).
        camera: the camera of each frame.
        present: (P, T) False where a person is not in the scene (None: always present).

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
    u, v, depth, scale, scale_v, cand, box = _project(camera, pos, height)
    right, _down, axis = camera.axes()  # (T, 3)
    if present is not None:
        cand &= present
    pi, ti = np.nonzero(cand)
    index = np.full((P, T), -1, np.int32)
    left_near = np.zeros((P, T), bool)
    posed = None
    if len(pi) and kernels.jit_enabled():
        posed = kernels.pose(_joints32(), PHASE_STEPS, pi, ti, motion, move, phase, heading, right, axis, scale, scale_v,
                             u, v, height, build, _SHIFT, _JOINT_HALF, HEAD, HEAD_R * 1.15, left_near, box, index)  # fmt: skip
    if posed is None:
        posed = _pose(pi, ti, motion, move, phase, heading, right, axis, scale, scale_v, u, v, height, build, left_near, box, index)
    body_x, body_y, origin, gain = posed
    return Figures(body_x=body_x, body_y=body_y, origin=origin, gain=gain, index=index, scale=scale, scale_v=scale_v, height=height, build=build,
                   depth=depth[..., 0], left_near=left_near, box=box)  # fmt: skip


def _pose(
    pi: np.ndarray, ti: np.ndarray, motion: np.ndarray, move: np.ndarray, phase: np.ndarray, heading: np.ndarray,
    right: np.ndarray, axis: np.ndarray, scale: np.ndarray, scale_v: np.ndarray, u: np.ndarray, v: np.ndarray,
    height: np.ndarray, build: np.ndarray, left_near: np.ndarray, box: np.ndarray, index: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Pose the person-frames ``(pi, ti)`` (the numpy path; ``kernels.pose`` is the same
    arithmetic compiled): their joints in units of their pixel scale, and their boxes,
    sides and rows written into ``box``, ``left_near`` and ``index``.

    Returns:
        body_x, body_y (N, 15), origin and gain (N, 2), all float32.
    """
    n = len(pi)
    index[pi, ti] = np.arange(n)
    if not n:
        return (np.zeros((0, N_JOINTS), np.float32), np.zeros((0, N_JOINTS), np.float32), np.zeros((0, 2), np.float32),
                np.zeros((0, 2), np.float32))  # fmt: skip
    hd = heading[pi, ti]
    ch, sh = np.cos(hd), np.sin(hd)
    rx, ry, ax_, ay = right[ti, 0], right[ti, 1], axis[ti, 0], axis[ti, 1]
    # Image-right component of the body's forward and left axes; which side faces the camera.
    sx = (ch * rx + sh * ry).astype(np.float32)[:, None]
    lx = (-sh * rx + ch * ry).astype(np.float32)[:, None]
    left_near[pi, ti] = -sh * ax_ + ch * ay < 0
    Hm = height[pi]
    # float32 from here on, and in units of body height: the (N, 15) arrays are the bulk of
    # the work, and the box needs only their extremes.
    sH = (scale[pi, ti] * Hm).astype(np.float32)
    svH = (scale_v[pi, ti] * Hm).astype(np.float32)
    u0, v0 = u[pi, ti, 0].astype(np.float32), v[pi, ti, 0].astype(np.float32)
    J = _unit_joints(motion[pi, ti], phase[pi, ti], move[pi, ti])
    lat = J[..., 1] + (build[pi] - 1.0).astype(np.float32)[:, None] * _SHIFT.astype(np.float32)[None]
    body_x = J[..., 0] * sx + lat * lx
    body_y = J[..., 2]
    half = _JOINT_HALF.astype(np.float32)
    # Vertical half-extent in pixels: the limbs' own widths scale across the image, the
    # head's up the image.
    up = body_y * svH[:, None] + half[None] * sH[:, None]
    up[:, HEAD] = body_y[:, HEAD] * svH + (HEAD_R * 1.15) * svH
    down = body_y * svH[:, None] - half[None] * sH[:, None]
    down[:, HEAD] = body_y[:, HEAD] * svH - (HEAD_R * 1.15) * svH
    x0 = u0 + sH * (body_x - half).min(-1)
    x1 = u0 + sH * (body_x + half).max(-1)
    y0 = v0 - up.max(-1)
    y1 = v0 - down.min(-1)
    box[pi, ti] = np.stack([x0, y0, x1 - x0, y1 - y0], -1)
    return body_x, body_y, np.stack([u0, v0], -1), np.stack([sH, svH], -1)
