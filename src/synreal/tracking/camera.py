"""A pinhole camera looking down at the ground plane, static or slowly orbiting.

World coordinates are metres: ``x``, ``y`` span the ground plane and ``z`` points up. The
camera stands at ``(x, y, height)``; ``yaw`` is the compass direction of its optical axis
(0 = +y, 90 = +x) and ``pitch`` tilts it down. Image ``u`` grows to the right, ``v`` down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

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
class CameraPath:
    """The camera of every frame: a fixed pose, or an orbit around the look-at point.

    Example:
        >>> path = CameraPath(Camera(), n_frames=90, fps=30.0, orbit_deg_per_s=2.0)
        >>> round(path.at(89).yaw_deg - path.at(0).yaw_deg, 3)
        5.933
    """

    start: Camera
    n_frames: int
    fps: float = 30.0
    orbit_deg_per_s: float = 0.0

    @property
    def static(self) -> bool:
        """True when the camera does not move."""
        return self.orbit_deg_per_s == 0.0

    def at(self, frame: int) -> Camera:
        """The camera at a 0-based frame index."""
        if self.static:
            return self.start
        return self.start.orbited(self.start.look_at_point(), self.orbit_deg_per_s * frame / self.fps)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Project points shaped (P, T, ..., 3) with the camera of each frame T."""
        if self.static:
            return self.start.project(points)
        pts = np.asarray(points, dtype=np.float64)
        u, v, d = (np.empty(pts.shape[:-1]) for _ in range(3))
        for t in range(pts.shape[1]):
            u[:, t], v[:, t], d[:, t] = self.at(t).project(pts[:, t])
        return u, v, d

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Image right, image down and optical axis per frame, each (T, 3)."""
        cams = [self.at(t) for t in range(1 if self.static else self.n_frames)]
        ax = [np.stack(a) for a in zip(*(c.axes() for c in cams))]
        if self.static:
            ax = [np.repeat(a, self.n_frames, axis=0) for a in ax]
        return ax[0], ax[1], ax[2]
