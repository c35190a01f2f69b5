"""The constant-velocity Kalman filter of SORT and ByteTrack, batched over tracks.

It learns nothing: it is the baseline every learned motion model is compared with. The
state is ``cx, cy, a, h`` (a = width / height) and their velocities, with process and
measurement noise proportional to the box height (ByteTrack's ``KalmanFilter``, the same
numbers), or ``cx, cy, w, h`` with noise proportional to width and height (BoT-SORT).

With diagonal noise the 8x8 covariance of these filters never couples two coordinates: it
is four independent 2x2 blocks (a coordinate and its velocity). The filter is written on
those blocks, element-wise over tracks, which gives ByteTrack's numbers without a single
matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from synreal.tracking.motion.base import (
    MOTION_MODELS,
    BoxPrediction,
    MotionConfig,
    MotionModel,
    MotionState,
    to_cxcywh,
    to_ltwh,
)


class KalmanConfig(MotionConfig):
    """Knobs of the Kalman filter (ByteTrack's defaults)."""

    state: Literal["xyah", "xywh"] = Field("xyah", description="box state: centre, aspect, height (ByteTrack) or centre, width, height")
    std_weight_position: float = Field(1 / 20, gt=0, le=10, description="position noise per unit of box size")
    std_weight_velocity: float = Field(1 / 160, gt=0, le=10, description="velocity noise per unit of box size")


@dataclass(frozen=True)
class KalmanState(MotionState):
    """Per track and measured coordinate (n, 4): position, velocity and their 2x2 covariance."""

    pos: np.ndarray
    vel: np.ndarray
    p_pp: np.ndarray
    p_pv: np.ndarray
    p_vv: np.ndarray


@MOTION_MODELS.register("kalman")
class KalmanMotion(MotionModel):
    """Constant-velocity Kalman filter (SORT/ByteTrack); learns nothing.

    Example:
        >>> kf = KalmanMotion()
        >>> s = kf.initiate(np.array([[0.0, 0, 10, 20], [5.0, 5, 10, 20]]), fps=30)
        >>> s, pred = kf.predict(s)
        >>> s = kf.update(s, np.array([0]), np.array([[2.0, 0, 10, 20]]))
        >>> s, pred = kf.predict(s)
        >>> pred.box.shape, bool(pred.box[0, 0] > 2.0)
        ((2, 4), True)
    """

    Config = KalmanConfig
    config: KalmanConfig

    def _measure(self, boxes: np.ndarray) -> np.ndarray:
        """Boxes (n, 4) ltwh -> measurements in the filter's space."""
        z = to_cxcywh(np.asarray(boxes, float))
        if self.config.state == "xyah":
            z[:, 2] = z[:, 2] / np.maximum(z[:, 3], 1e-6)
        return z

    def _noise(self, pos: np.ndarray, weight: float, aspect: float) -> np.ndarray:
        """Noise std (n, 4) proportional to the box size; the aspect ratio (xyah) gets the constant ``aspect``."""
        if self.config.state == "xyah":
            s = pos[:, 3:4] * np.array([weight, weight, 0.0, weight]) + np.array([0.0, 0.0, aspect, 0.0])
        else:
            s = pos[:, [2, 3, 2, 3]] * weight
        return s

    def initiate(self, boxes: np.ndarray, fps: float) -> KalmanState:
        """New tracks at ``boxes``: zero velocity, wide covariance."""
        z = self._measure(np.asarray(boxes, float).reshape(-1, 4))
        c = self.config
        sp = self._noise(z, 2 * c.std_weight_position, 1e-2)
        sv = self._noise(z, 10 * c.std_weight_velocity, 1e-5)
        return KalmanState(pos=z, vel=np.zeros_like(z), p_pp=sp * sp, p_pv=np.zeros_like(z), p_vv=sv * sv)

    def predict(self, state: KalmanState) -> tuple[KalmanState, BoxPrediction]:  # type: ignore[override]
        """One constant-velocity step for every track (noise from the box before the step, as ByteTrack)."""
        c = self.config
        qp = self._noise(state.pos, c.std_weight_position, 1e-2)
        qv = self._noise(state.pos, c.std_weight_velocity, 1e-5)
        new = KalmanState(
            pos=state.pos + state.vel,
            vel=state.vel,
            p_pp=state.p_pp + 2 * state.p_pv + state.p_vv + qp * qp,
            p_pv=state.p_pv + state.p_vv,
            p_vv=state.p_vv + qv * qv,
        )
        return new, self._prediction(new)

    def _innovation_var(self, pos: np.ndarray, p_pp: np.ndarray) -> np.ndarray:
        """Variance (n, 4) of each measured coordinate: state variance plus measurement noise."""
        r = self._noise(pos, self.config.std_weight_position, 1e-1)
        return p_pp + r * r

    def _prediction(self, state: KalmanState) -> BoxPrediction:
        """Mean box and per-coordinate std (centre x, centre y, width, height) in pixels."""
        z = state.pos
        var = self._innovation_var(z, state.p_pp)
        box = z.copy()
        if self.config.state == "xyah":
            a, h = z[:, 2], z[:, 3]
            box[:, 2] = a * h
            var = var.copy()
            var[:, 2] = h * h * var[:, 2] + a * a * var[:, 3]
        return BoxPrediction(box=to_ltwh(box), std=np.sqrt(var))

    def update(self, state: KalmanState, rows: np.ndarray, boxes: np.ndarray) -> KalmanState:  # type: ignore[override]
        """Kalman correction of the tracks ``rows`` with their matched boxes."""
        rows = np.asarray(rows, np.int64)
        if not len(rows):
            return state
        pos, vel, p_pp, p_pv, p_vv = (a.copy() for a in (state.pos, state.vel, state.p_pp, state.p_pv, state.p_vv))
        x, v, pp, pv, vv = pos[rows], vel[rows], p_pp[rows], p_pv[rows], p_vv[rows]
        s = self._innovation_var(x, pp)
        kp, kv = pp / s, pv / s
        innov = self._measure(boxes) - x
        pos[rows] = x + kp * innov
        vel[rows] = v + kv * innov
        p_pp[rows] = pp - kp * pp
        p_pv[rows] = pv - kp * pv
        p_vv[rows] = vv - kv * pv
        return KalmanState(pos=pos, vel=vel, p_pp=p_pp, p_pv=p_pv, p_vv=p_vv)
