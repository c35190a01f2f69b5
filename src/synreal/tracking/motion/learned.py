"""A learned motion model: a small network reads a track's last boxes and predicts the next
box and its uncertainty.

Input, per track: the last ``history`` observed boxes (fewer for young tracks), each
relative to the most recent one and divided by its height, with its time before the frame to
predict and the velocity since the previous observation (times in frames, or in frames at
25 fps with ``time_unit: second``). Output: a Gaussian over the next box's centre offset
(in box heights) and log-size change; its mean is a learned correction of a constant-velocity
extrapolation, so an untrained network already extrapolates linearly. Frames a track is not
seen simply lengthen the horizon: gaps need no special case.

The network is plain torch (an ``MLP`` on the history, or a ``GRU`` over it; ``network.py``,
imported when a model is built); tracking runs a numpy copy of its forward pass batched over all live tracks, which is several times faster
than torch for a few dozen tracks a frame (torch's per-call overhead dominates at this size).
Train it with ``synreal.tracking.motion.train_motion_model``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from synreal.tracking.motion.base import (
    MOTION_MODELS,
    BoxPrediction,
    MotionModel,
    MotionState,
    to_cxcywh,
    to_ltwh,
)
from synreal.tracking.motion.learned_config import (
    LOGVAR_RANGE,
    LearnedConfig,
)

if TYPE_CHECKING:
    import torch

#: Time features are in units of this many frames (keeps them near 1).
T_SCALE = 10.0
#: ``time_unit: second`` counts time in frames at this rate.
REF_FPS = 25.0
#: Horizons beyond this many time units are read as this (a track lost that long is dropped anyway).
MAX_HORIZON = 90.0
#: Observations the constant-velocity base looks back over.
_BASE_SPAN = 4
@dataclass(frozen=True)
class LearnedState(MotionState):
    """Per track: the last observed boxes (cx, cy, w, h), their times, and the time since the last."""

    hist: np.ndarray  # (n, K, 4), most recent last
    dt: np.ndarray  # (n, K) time of each observation relative to the most recent (<= 0)
    valid: np.ndarray  # (n, K) bool, right-aligned
    age: np.ndarray  # (n,) frames since the most recent observation
    unit: np.ndarray  # (n,) time units per frame


def make_inputs(
    hist: np.ndarray, dt: np.ndarray, valid: np.ndarray, horizon: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Network inputs of a batch of tracks (the same code serves training and tracking).

    Args:
        hist: (n, K, 4) observed boxes cx, cy, w, h, most recent last (its entry must be valid).
        dt: (n, K) time of each observation relative to the most recent one (<= 0).
        valid: (n, K) which entries hold an observation.
        horizon: (n,) time from the most recent observation to the box to predict (> 0).

    Returns:
        ``seq`` (n, K, N_FEATURES), ``glob`` (n, N_GLOBAL) and ``base`` (n, 4): the
        constant-velocity extrapolation in the output's units, all float32.

    Example:
        >>> hist = np.array([[[0.0, 0, 10, 20], [2.0, 0, 10, 20]]])  # moved 2 px = 0.1 heights per frame
        >>> seq, glob, base = make_inputs(hist, np.array([[-1.0, 0.0]]), np.ones((1, 2), bool), np.array([1.0]))
        >>> seq.shape, (np.round(base.astype(float), 3) + 0.0).tolist()
        ((1, 2, 10), [[0.1, 0.0, 0.0, 0.0]])
    """
    n, k, _ = hist.shape
    horizon = np.minimum(horizon, MAX_HORIZON)
    last = hist[:, -1, :]
    hist = np.where(valid[..., None], hist, last[:, None, :])
    h = last[:, None, 3:4]
    rel = np.concatenate([(hist[..., :2] - last[:, None, :2]) / h, np.log(hist[..., 2:] / last[:, None, 2:])], -1)
    both = valid[:, 1:] & valid[:, :-1]
    step = np.where(both, dt[:, 1:] - dt[:, :-1], 1.0)
    vel = np.zeros_like(rel)
    vel[:, 1:] = np.where(both[..., None], (rel[:, 1:] - rel[:, :-1]) / np.maximum(step, 0.1)[..., None] * T_SCALE, 0.0)
    t_rel = (dt - horizon[:, None]) / T_SCALE
    v = valid[..., None].astype(float)
    seq = np.concatenate([rel * v, t_rel[..., None] * v, vel, v], -1)
    # Constant-velocity base: from the oldest valid entry within the last few to the newest.
    tail = valid[:, k - _BASE_SPAN :] if k >= _BASE_SPAN else valid
    j = (k - tail.shape[1]) + np.argmax(tail, axis=1)
    span = -dt[np.arange(n), j]
    rate = np.where(span[:, None] > 0, -rel[np.arange(n), j] / np.maximum(span, 1e-6)[:, None], 0.0)
    base = rate * horizon[:, None]
    glob = np.stack([horizon / T_SCALE, np.log(last[:, 2] / last[:, 3]), valid.sum(1) / k], -1)
    return seq.astype(np.float32), glob.astype(np.float32), base.astype(np.float32)


def targets(last: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The output's units: centre offset in heights of ``last`` and log-size change (both cx, cy, w, h).

    Example:
        >>> targets(np.array([[0.0, 0, 10, 20]]), np.array([[2.0, 0, 10, 20]])).tolist()
        [[0.1, 0.0, 0.0, 0.0]]
    """
    return np.concatenate([(box[:, :2] - last[:, :2]) / last[:, 3:4], np.log(box[:, 2:] / last[:, 2:])], -1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 0.5 * (1 + np.tanh(0.5 * x))


def _silu(x: np.ndarray) -> np.ndarray:
    """x * sigmoid(x)."""
    return x * _sigmoid(x)


def numpy_forward(p: Mapping[str, np.ndarray], config: LearnedConfig, seq: np.ndarray, glob: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``network.MotionNet.forward`` in numpy (weights ``p`` from its state dict).

    Args:
        p: the network's weights by state-dict name, as float32 arrays.
        config: the network's shape.
        seq: (n, K, N_FEATURES) from ``make_inputs``.
        glob: (n, N_GLOBAL).
        base: (n, 4).

    Returns:
        (mean, log-variance), each (n, 4), in the units of ``targets``.

    Example:
        >>> m = LearnedMotion(LearnedConfig(hidden=8, history=2))
        >>> x = make_inputs(np.array([[[0.0, 0, 10, 20], [2.0, 0, 10, 20]]]), np.array([[-1.0, 0.0]]),
        ...                 np.ones((1, 2), bool), np.array([1.0]))
        >>> mean, logvar = numpy_forward(m._params, m.config, *x)
        >>> (np.round(mean.astype(float), 3) + 0.0).tolist(), logvar.tolist()  # untrained: constant velocity, unit variance
        ([[0.1, 0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0]])
    """
    if config.arch == "gru":
        hsz = config.hidden
        xi = seq @ p["rnn.weight_ih_l0"].T + p["rnn.bias_ih_l0"]  # (n, K, 3H), gates r, z, n
        w_hh, b_hh = p["rnn.weight_hh_l0"].T, p["rnn.bias_hh_l0"]
        h = np.zeros((len(seq), hsz), np.float32)
        for t in range(seq.shape[1]):
            gh = h @ w_hh + b_hh
            x = xi[:, t]
            r = _sigmoid(x[:, :hsz] + gh[:, :hsz])
            z = _sigmoid(x[:, hsz : 2 * hsz] + gh[:, hsz : 2 * hsz])
            nn_ = np.tanh(x[:, 2 * hsz :] + r * gh[:, 2 * hsz :])
            h = (1 - z) * nn_ + z * h
        feat = np.concatenate([h, glob], -1)
    else:
        flat = np.concatenate([seq.reshape(len(seq), -1), glob], -1)
        feat = _silu(flat @ p["body.0.weight"].T + p["body.0.bias"])
    hid = _silu(feat @ p["head.0.weight"].T + p["head.0.bias"])
    out = hid @ p["head.2.weight"].T + p["head.2.bias"]
    mean = (1 + out[:, :4]) * base + out[:, 4:8]
    return mean, np.clip(out[:, 8:], *LOGVAR_RANGE)


@MOTION_MODELS.register("learned")
class LearnedMotion(MotionModel):
    """Small network over a track's last boxes: next box and its uncertainty (train with ``train_motion_model``).

    Args:
        config: the network's shape.
        state_dict: trained weights (``network.MotionNet`` names, tensors or arrays); None: an
            untrained network, which extrapolates at constant velocity.
        seed: initialises the untrained network.

    Example:
        >>> m = LearnedMotion(LearnedConfig(hidden=8))
        >>> s = m.initiate(np.array([[0.0, 0, 10, 20]]), fps=25)
        >>> s, _ = m.predict(s)
        >>> s = m.update(s, np.array([0]), np.array([[2.0, 0, 10, 20]]))
        >>> s, pred = m.predict(s)
        >>> np.round(pred.box[0], 3).tolist()  # the untrained network: constant velocity
        [4.0, 0.0, 10.0, 20.0]
    """

    Config = LearnedConfig
    config: LearnedConfig
    trainable = True

    def __init__(self, config: LearnedConfig | None = None, state_dict: Mapping[str, Any] | None = None, seed: int = 0) -> None:
        import torch

        from synreal.tracking.motion.network import build_network

        super().__init__(config)
        net = build_network(self.config, seed)
        if state_dict is not None:
            net.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state_dict.items()})
        self.network = net.eval()
        self._params = {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The network's weights (load with ``LearnedMotion(config, state_dict)``)."""
        return {k: v.detach().clone() for k, v in self.network.state_dict().items()}

    def n_parameters(self) -> int:
        """Number of trainable weights."""
        return sum(p.numel() for p in self.network.parameters())

    def initiate(self, boxes: np.ndarray, fps: float) -> LearnedState:
        """New tracks whose only observation is ``boxes``."""
        boxes = np.asarray(boxes, float).reshape(-1, 4)
        n, k = len(boxes), self.config.history
        hist = np.zeros((n, k, 4))
        hist[:, -1] = to_cxcywh(boxes)
        valid = np.zeros((n, k), bool)
        valid[:, -1] = True
        unit = 1.0 if self.config.time_unit == "frame" else REF_FPS / float(fps)
        return LearnedState(hist=hist, dt=np.zeros((n, k)), valid=valid, age=np.zeros(n), unit=np.full(n, unit))

    def predict(self, state: LearnedState) -> tuple[LearnedState, BoxPrediction]:  # type: ignore[override]
        """Next-frame box of every track (one more frame since its last observation)."""
        state = LearnedState(hist=state.hist, dt=state.dt, valid=state.valid, age=state.age + 1, unit=state.unit)
        if not len(state):
            return state, BoxPrediction(box=np.zeros((0, 4)), std=np.zeros((0, 4)))
        mean, logvar = numpy_forward(self._params, self.config, *make_inputs(state.hist, state.dt, state.valid, state.age * state.unit))
        return state, self._to_boxes(state.hist[:, -1], mean.astype(float), logvar.astype(float))

    @staticmethod
    def _to_boxes(last: np.ndarray, mean: np.ndarray, logvar: np.ndarray) -> BoxPrediction:
        """Output units (relative to ``last``) -> pixel boxes and per-coordinate std."""
        h = last[:, 3:4]
        cxcy = last[:, :2] + mean[:, :2] * h
        wh = last[:, 2:] * np.exp(np.clip(mean[:, 2:], -3.0, 3.0))
        sd = np.exp(0.5 * logvar)
        std = np.concatenate([sd[:, :2] * h, sd[:, 2:] * wh], -1)
        return BoxPrediction(box=to_ltwh(np.concatenate([cxcy, wh], -1)), std=std)

    def update(self, state: LearnedState, rows: np.ndarray, boxes: np.ndarray) -> LearnedState:  # type: ignore[override]
        """Append the matched boxes to their tracks' histories."""
        rows = np.asarray(rows, np.int64)
        if not len(rows):
            return state
        hist, dt, valid, age = state.hist.copy(), state.dt.copy(), state.valid.copy(), state.age.copy()
        shift = (age[rows] * state.unit[rows])[:, None]
        hist[rows, :-1] = hist[rows, 1:]
        hist[rows, -1] = to_cxcywh(np.asarray(boxes, float))
        dt[rows, :-1] = dt[rows, 1:] - shift
        dt[rows, -1] = 0.0
        valid[rows, :-1] = valid[rows, 1:]
        valid[rows, -1] = True
        age[rows] = 0
        return LearnedState(hist=hist, dt=dt, valid=valid, age=age, unit=state.unit)
