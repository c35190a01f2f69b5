"""A pinhole camera looking down at the ground plane: static, orbiting, panning, shaking or walking.

World coordinates are metres: ``x``, ``y`` span the ground plane and ``z`` points up. The
camera stands at ``(x, y, height)``; ``yaw`` is the compass direction of its optical axis
(0 = +y, 90 = +x) and ``pitch`` tilts it down. Image ``u`` grows to the right, ``v`` down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Camera:
    """One pose of a pinhole camera.

    Attributes:
        width: image width in pixels.
        height: image height in pixels.
        cam_height: metres above the ground.
        pitch_deg: downward tilt of the optical axis (0 = horizontal).
        fov_deg: horizontal field of view.
        yaw_deg: direction of the optical axis on the ground (0 = +y, 90 = +x).
        x: ground position.
        y: ground position.

    Example:
        >>> cam = Camera(640, 360, cam_height=4.0, pitch_deg=20.0, fov_deg=60.0)
        >>> u, v, depth = cam.project(np.array([[0.0, 10.0, 0.0]]))
        >>> bool(v[0] > 180)  # a ground point ahead appears below the image centre
        True
    """

    width: int = 640
    height: int = 360
    cam_height: float = 4.0
    pitch_deg: float = 20.0
    fov_deg: float = 60.0
    yaw_deg: float = 0.0
    x: float = 0.0
    y: float = 0.0

    @property
    def focal(self) -> float:
        """Focal length in pixels."""
        return (self.width / 2) / math.tan(math.radians(self.fov_deg) / 2)

    @property
    def vfov_deg(self) -> float:
        """Vertical field of view."""
        return math.degrees(2 * math.atan((self.height / 2) / self.focal))

    @property
    def center(self) -> np.ndarray:
        """Camera centre (x, y, z)."""
        return np.array([self.x, self.y, self.cam_height])

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit vectors of image right, image down and the optical axis, in world coordinates."""
        yaw, pitch = math.radians(self.yaw_deg), math.radians(self.pitch_deg)
        fwd = np.array([math.sin(yaw), math.cos(yaw), 0.0])
        up = np.array([0.0, 0.0, 1.0])
        right = np.array([math.cos(yaw), -math.sin(yaw), 0.0])
        axis = math.cos(pitch) * fwd - math.sin(pitch) * up
        down = -(math.sin(pitch) * fwd + math.cos(pitch) * up)
        return right, down, axis

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Project world points (..., 3) to pixels.

        Returns:
            (u, v, depth): pixel coordinates and the distance along the optical axis
            (depth <= 0 means behind the camera).
        """
        right, down, axis = self.axes()
        d = np.asarray(points, dtype=np.float64) - self.center
        depth = d @ axis
        safe = np.where(depth > 1e-6, depth, 1e-6)
        f = self.focal
        return self.width / 2 + f * (d @ right) / safe, self.height / 2 + f * (d @ down) / safe, depth

    def ground_point(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The ground point (..., 2) seen at pixel (u, v); NaN above the horizon."""
        right, down, axis = self.axes()
        f = self.focal
        u = np.asarray(u, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        ray = axis + ((u - self.width / 2) / f)[..., None] * right + ((v - self.height / 2) / f)[..., None] * down
        dz = ray[..., 2]
        t = np.where(dz < -1e-9, -self.cam_height / np.where(dz < -1e-9, dz, -1.0), np.nan)
        return self.center[:2] + t[..., None] * ray[..., :2]

    def horizon_v(self) -> float:
        """Image row of the horizon (negative when it lies above the image)."""
        return self.height / 2 - self.focal * math.tan(math.radians(self.pitch_deg))

    def look_at_point(self) -> np.ndarray:
        """Where the optical axis meets the ground (or a point 10 m ahead when it does not)."""
        pitch = math.radians(self.pitch_deg)
        dist = self.cam_height / math.tan(pitch) if pitch > math.radians(1) else 10.0
        yaw = math.radians(self.yaw_deg)
        return np.array([self.x + dist * math.sin(yaw), self.y + dist * math.cos(yaw)])

    def orbited(self, center: np.ndarray, angle_deg: float) -> "Camera":
        """This camera moved ``angle_deg`` around a vertical axis through ``center``."""
        a = math.radians(angle_deg)
        dx, dy = self.x - center[0], self.y - center[1]
        # Rotating position and heading together keeps the camera aimed at the same point.
        nx = center[0] + dx * math.cos(a) + dy * math.sin(a)
        ny = center[1] - dx * math.sin(a) + dy * math.cos(a)
        return replace(self, x=float(nx), y=float(ny), yaw_deg=(self.yaw_deg + angle_deg) % 360.0)


@dataclass(frozen=True)
class CameraMotion:
    """Per-frame offsets of a moving camera, added to its (possibly orbiting) pose.

    Attributes:
        dx, dy: (T,) ground displacement in metres (a walking or driving camera).
        dz: (T,) height change in metres (the bob of a walking operator).
        dyaw, dpitch: (T,) rotation in degrees (pans, following the action, shake).

    Example:
        >>> m = CameraMotion.still(3)
        >>> m.dyaw.tolist()
        [0.0, 0.0, 0.0]
    """

    dx: np.ndarray
    dy: np.ndarray
    dz: np.ndarray
    dyaw: np.ndarray
    dpitch: np.ndarray

    @classmethod
    def still(cls, n_frames: int) -> "CameraMotion":
        """No motion over ``n_frames`` frames."""
        z = np.zeros(n_frames)
        return cls(z, z.copy(), z.copy(), z.copy(), z.copy())

    def __len__(self) -> int:
        return len(self.dx)

    @property
    def is_still(self) -> bool:
        """True when every offset is zero."""
        return not any(np.any(a != 0) for a in (self.dx, self.dy, self.dz, self.dyaw, self.dpitch))


@dataclass(frozen=True)
class CameraPath:
    """The camera of every frame: a fixed pose, an orbit around the look-at point, and
    optional per-frame offsets (pan, shake, a walking camera).

    Example:
        >>> path = CameraPath(Camera(), n_frames=90, fps=30.0, orbit_deg_per_s=2.0)
        >>> round(path.at(89).yaw_deg - path.at(0).yaw_deg, 3)
        5.933
    """

    start: Camera
    n_frames: int
    fps: float = 30.0
    orbit_deg_per_s: float = 0.0
    motion: CameraMotion | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.motion is not None and len(self.motion) != self.n_frames:
            raise ValueError(f"camera motion has {len(self.motion)} frames, the path {self.n_frames}")

    @property
    def static(self) -> bool:
        """True when the camera does not move."""
        return self.orbit_deg_per_s == 0.0 and (self.motion is None or self.motion.is_still)

    @cached_property
    def _poses(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per-frame x, y, height, yaw and pitch (degrees), each (T,)."""
        T, s = self.n_frames, self.start
        t = np.arange(T)
        x, y, yaw = np.full(T, s.x), np.full(T, s.y), np.full(T, s.yaw_deg)
        if self.orbit_deg_per_s != 0.0:
            c = s.look_at_point()
            a = np.radians(self.orbit_deg_per_s * t / self.fps)
            dx, dy = s.x - c[0], s.y - c[1]
            x = c[0] + dx * np.cos(a) + dy * np.sin(a)
            y = c[1] - dx * np.sin(a) + dy * np.cos(a)
            yaw = yaw + np.degrees(a)
        z, pitch = np.full(T, s.cam_height), np.full(T, s.pitch_deg)
        m = self.motion
        if m is not None:
            x, y, z = x + m.dx, y + m.dy, np.maximum(z + m.dz, 0.3)
            yaw, pitch = yaw + m.dyaw, np.clip(pitch + m.dpitch, -60.0, 89.0)
        return x, y, z, yaw % 360.0, pitch

    def at(self, frame: int) -> Camera:
        """The camera at a 0-based frame index."""
        if self.static:
            return self.start
        x, y, z, yaw, pitch = (float(a[frame]) for a in self._poses)
        return replace(self.start, x=x, y=y, cam_height=z, yaw_deg=yaw, pitch_deg=pitch)

    def centers(self) -> np.ndarray:
        """Camera centre of every frame, (T, 3)."""
        x, y, z, _, _ = self._poses
        return np.stack([x, y, z], -1)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Project points shaped (P, T, ..., 3) with the camera of each frame T."""
        if self.static:
            return self.start.project(points)
        pts = np.asarray(points, dtype=np.float64)
        right, down, axis = self.axes()
        extra = (1,) * (pts.ndim - 3)
        shape = (1, self.n_frames) + extra + (3,)
        d = pts - self.centers().reshape(shape)
        depth = (d * axis.reshape(shape)).sum(-1)
        safe = np.where(depth > 1e-6, depth, 1e-6)
        f, s = self.start.focal, self.start
        u = s.width / 2 + f * (d * right.reshape(shape)).sum(-1) / safe
        v = s.height / 2 + f * (d * down.reshape(shape)).sum(-1) / safe
        return u, v, depth

    def project_people(self, pos: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Project the feet and the top of the head of people standing at ``pos``.

        The same numbers as ``project`` on the two points, with the algebra done on (P, T)
        arrays rather than on 3-vectors (the hot path of trajectory generation).

        Args:
            pos: (P, T, 2) ground positions.
            height: (P,) body heights in metres.

        Returns:
            u, v, depth, each (P, T, 2): index 0 the feet, 1 the top of the head.
        """
        s = self.start
        right, down, axis, c = self.frame_geometry()
        dx = pos[..., 0] - c[:, 0]
        dy = pos[..., 1] - c[:, 1]
        cz = -c[:, 2]
        h = height[:, None]
        d_feet = dx * axis[:, 0] + dy * axis[:, 1] + cz * axis[:, 2]
        d_head = d_feet + h * axis[:, 2]
        nu = dx * right[:, 0] + dy * right[:, 1] + cz * right[:, 2]
        nu_head = nu + h * right[:, 2]
        nv = dx * down[:, 0] + dy * down[:, 1] + cz * down[:, 2]
        nv_head = nv + h * down[:, 2]
        f = s.focal
        sf = np.where(d_feet > 1e-6, d_feet, 1e-6)
        sh = np.where(d_head > 1e-6, d_head, 1e-6)
        u = np.stack([s.width / 2 + f * nu / sf, s.width / 2 + f * nu_head / sh], -1)
        v = np.stack([s.height / 2 + f * nv / sf, s.height / 2 + f * nv_head / sh], -1)
        return u, v, np.stack([d_feet, d_head], -1)

    def frame_geometry(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Image right, image down, optical axis and camera centre, each (T, 3), or (1, 3)
        for a static camera (one row for every frame)."""
        if self.static:
            right, down, axis = (a[None] for a in self.start.axes())
            return right, down, axis, self.start.center[None]
        right, down, axis = self.axes()
        return right, down, axis, self.centers()

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Image right, image down and optical axis per frame, each (T, 3)."""
        if self.static:
            ax = self.start.axes()
            return tuple(np.repeat(a[None], self.n_frames, axis=0) for a in ax)  # type: ignore[return-value]
        _, _, _, yaw, pitch = self._poses
        yw, pt = np.radians(yaw), np.radians(pitch)
        zeros = np.zeros_like(yw)
        fwd = np.stack([np.sin(yw), np.cos(yw), zeros], -1)
        up = np.array([0.0, 0.0, 1.0])
        right = np.stack([np.cos(yw), -np.sin(yw), zeros], -1)
        axis = np.cos(pt)[:, None] * fwd - np.sin(pt)[:, None] * up
        down = -(np.sin(pt)[:, None] * fwd + np.cos(pt)[:, None] * up)
        return right, down, axis


def _wobble(rng: np.random.Generator, t: np.ndarray, freq: float, k: int = 3) -> np.ndarray:
    """Smooth random signal with unit RMS: ``k`` sinusoids around ``freq`` Hz."""
    f = freq * rng.uniform(0.5, 2.0, k)
    ph = rng.uniform(0, 2 * np.pi, k)
    return np.sqrt(2.0 / k) * np.sin(2 * np.pi * f[:, None] * t[None] + ph[:, None]).sum(0)


def random_motion(
    n_frames: int,
    fps: float,
    rng: np.random.Generator,
    *,
    pan: float = 0.0,
    shake: float = 0.0,
    walk: float = 0.0,
    yaw_deg: float = 0.0,
) -> CameraMotion:
    """Offsets of a hand-held, panning or walking camera.

    Args:
        n_frames: frames of the clip.
        fps: its frame rate.
        rng: the sequence's generator.
        pan: RMS pan rate in degrees per second (slow sweeps back and forth).
        shake: RMS rotation jitter in degrees (hand-held shake, 0.5-3 Hz).
        walk: forward speed of the operator in metres per second (adds a step bob).
        yaw_deg: the camera's initial compass direction (the walking direction).

    Returns:
        The per-frame offsets.

    Example:
        >>> m = random_motion(60, 30.0, np.random.default_rng(0), pan=5.0)
        >>> bool(np.abs(np.diff(m.dyaw)).max() > 0) and bool(np.all(m.dx == 0))
        True
    """
    t = np.arange(n_frames) / fps
    z = np.zeros(n_frames)
    dyaw, dpitch, dx, dy, dz = z.copy(), z.copy(), z.copy(), z.copy(), z.copy()
    if pan > 0:
        rate = pan * _wobble(rng, t, 0.08)
        dyaw += np.cumsum(rate) / fps
        dyaw -= dyaw[0]
    if shake > 0:
        dyaw += shake * _wobble(rng, t, 1.2, 4)
        dpitch += 0.7 * shake * _wobble(rng, t, 1.2, 4)
    if walk > 0:
        heading = np.radians(yaw_deg) + np.radians(8.0) * _wobble(rng, t, 0.05)
        step = walk / fps
        dx += np.cumsum(np.sin(heading) * step)
        dy += np.cumsum(np.cos(heading) * step)
        dx -= dx[0]
        dy -= dy[0]
        cadence = rng.uniform(1.7, 2.0)  # steps per second
        bob = np.sin(2 * np.pi * cadence * t + rng.uniform(0, 2 * np.pi))
        dz += 0.025 * bob
        dpitch += 0.4 * bob
    return CameraMotion(dx, dy, dz, dyaw, dpitch)


def follow_yaw(camera: Camera, targets: np.ndarray, fps: float, *, strength: float = 1.0, lag_s: float = 0.6) -> np.ndarray:
    """Yaw offsets (degrees, (T,)) of an operator who pans to keep ``targets`` centred.

    Args:
        camera: the camera's start pose.
        targets: (T, 2) ground points to follow (the centre of the action).
        fps: frame rate.
        strength: 1 keeps the target centred, 0 never pans.
        lag_s: time constant of the operator's reaction, seconds.

    Returns:
        The offsets from the start yaw.

    Example:
        >>> cam = Camera(yaw_deg=0.0)
        >>> pts = np.array([[0.0, 10.0]] * 30 + [[10.0, 10.0]] * 60)
        >>> round(float(follow_yaw(cam, pts, 30.0, lag_s=0.1)[-1]), 1)
        45.0
    """
    az = np.degrees(np.arctan2(targets[:, 0] - camera.x, targets[:, 1] - camera.y))
    az = np.degrees(np.unwrap(np.radians(az)))
    if not len(az):
        return az
    first = (az[0] - camera.yaw_deg + 180.0) % 360.0 - 180.0
    want = strength * (first + az - az[0])
    a = 1.0 - np.exp(-1.0 / max(lag_s * fps, 1e-6))
    out = np.empty_like(want)
    acc = want[0]
    # First-order lag: a camera operator reacts, then catches up.
    for i, w in enumerate(want):
        acc += a * (w - acc)
        out[i] = acc
    return out
