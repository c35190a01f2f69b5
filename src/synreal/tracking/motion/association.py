"""A learned association score: the probability that a detection continues a track.

A second learner beside the motion model. For every (track, detection) pair the tracker
would consider, a small network reads what the motion model predicts (box and uncertainty),
how the detection sits against it (IoU, IoU of boxes widened by 2 and 4 standard deviations,
offsets in standard deviations and in box heights, size ratios), the detection's score and
the track's age and hits, and outputs the probability that both are the same person. The
tracker then matches on ``1 - probability`` instead of ``1 - IoU``.

It is trained on ground truth: detections are simulated with the ids of the people they
come from, every person is followed by the motion model with perfect association (as the
tracker would follow it when it is right), and each frame's nearby detections are the
candidates, the person's own being the positive. The score belongs to the motion model it
was trained with (its features are that model's predictions).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from synreal.tracking.detections import DetectionSpec, simulated_with_ids
from synreal.tracking.motchallenge import MotSequence
from synreal.tracking.motion.base import MotionModel, to_cxcywh
from synreal.tracking.motion.learned import _sigmoid, _silu

N_PAIR_FEATURES = 14


class AssociationConfig(BaseModel):
    """How the association score is trained.

    Example:
        >>> AssociationConfig().hidden
        32
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    hidden: int = Field(32, ge=4, le=512, description="hidden units of the scoring network")
    steps: int = Field(1500, ge=1, le=1_000_000, description="optimiser steps")
    batch_size: int = Field(1024, ge=1, le=1_000_000)
    lr: float = Field(3e-3, gt=0, le=10)
    radius: float = Field(3.0, gt=0, le=100, description="candidates lie within this many box heights of the prediction")
    max_lost: int = Field(30, ge=0, le=10_000, description="frames at 30 fps a person is followed without detections")
    detection_seeds: int = Field(2, ge=1, le=100, description="detection draws per training sequence")
    detections: DetectionSpec = Field(default_factory=DetectionSpec, description="the simulated detector")


def _box_iou(a: np.ndarray, b: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """IoU (n, m) of ltwh boxes ``a`` (n) and ``b`` (m), both widened by the (n, 2) margin of the ``a`` row."""
    mx, my = margin[:, 0:1], margin[:, 1:2]
    iw = np.minimum(a[:, 0:1] + a[:, 2:3], b[None, :, 0] + b[None, :, 2]) - np.maximum(a[:, 0:1], b[None, :, 0]) + 2 * mx
    ih = np.minimum(a[:, 1:2] + a[:, 3:4], b[None, :, 1] + b[None, :, 3]) - np.maximum(a[:, 1:2], b[None, :, 1]) + 2 * my
    inter = np.maximum(iw, 0) * np.maximum(ih, 0)
    area_a = (a[:, 2:3] + 2 * mx) * (a[:, 3:4] + 2 * my)
    area_b = (b[None, :, 2] + 2 * mx) * (b[None, :, 3] + 2 * my)
    return inter / np.maximum(area_a + area_b - inter, 1e-9)


def _near(pred_box: np.ndarray, det_box: np.ndarray, radius: float) -> np.ndarray:
    """(n, m) pairs whose centres are within ``radius`` predicted box heights on both axes."""
    p, d = to_cxcywh(pred_box), to_cxcywh(det_box)
    return (np.abs(d[None, :, :2] - p[:, None, :2]) < radius * p[:, None, 3:4]).all(-1)


def pair_features(
    pred_box: np.ndarray, pred_std: np.ndarray, det_box: np.ndarray, det_score: np.ndarray, age: np.ndarray, hits: np.ndarray
) -> np.ndarray:
    """Features (n, m, N_PAIR_FEATURES) of every (track, detection) pair, float32.

    Args:
        pred_box: (n, 4) predicted boxes (ltwh).
        pred_std: (n, 4) their std (cx, cy, w, h).
        det_box: (m, 4) detections (ltwh).
        det_score: (m,) detection scores.
        age: (n,) frames since each track was last matched.
        hits: (n,) consecutive hits of each track.

    Returns:
        The features.

    Example:
        >>> x = pair_features(np.array([[0.0, 0, 10, 20]]), np.ones((1, 4)), np.array([[0.0, 0, 10, 20]]),
        ...                   np.array([0.9]), np.array([1]), np.array([3]))
        >>> x.shape, float(x[0, 0, 0])  # the first feature is the IoU
        ((1, 1, 14), 1.0)
    """
    n, m = len(pred_box), len(det_box)
    p, d = to_cxcywh(pred_box), to_cxcywh(det_box)
    std = np.maximum(pred_std, 1e-3)
    h = p[:, None, 3]
    zero = np.zeros((n, 2))
    off = d[None, :, :2] - p[:, None, :2]
    f = [
        _box_iou(pred_box, det_box, zero),
        _box_iou(pred_box, det_box, 2 * std[:, :2]),
        _box_iou(pred_box, det_box, 4 * std[:, :2]),
        np.log1p(np.abs(off[..., 0]) / std[:, None, 0]),
        np.log1p(np.abs(off[..., 1]) / std[:, None, 1]),
        np.abs(off[..., 0]) / h,
        np.abs(off[..., 1]) / h,
        np.log(d[None, :, 2] / np.maximum(p[:, None, 2], 1e-6)),
        np.log(d[None, :, 3] / np.maximum(p[:, None, 3], 1e-6)),
        np.broadcast_to(np.log(std[:, None, 0] / p[:, None, 3]), (n, m)),
        np.broadcast_to(np.log(std[:, None, 1] / p[:, None, 3]), (n, m)),
        np.broadcast_to(det_score[None, :], (n, m)),
        np.broadcast_to(np.minimum(age, 100)[:, None] / 10.0, (n, m)),
        np.broadcast_to(np.minimum(hits, 10)[:, None] / 10.0, (n, m)),
    ]
    return np.stack(f, -1).astype(np.float32)


class AssociationScorer:
    """Probability that a detection continues a track (numpy forward of a small MLP).

    Args:
        hidden: hidden units.
        params: weights of ``nn.Sequential(Linear, SiLU, Linear, SiLU, Linear)`` by state-dict
            name (``0.weight`` ...); None: an untrained network (every probability 0.5).
        radius: pairs further apart than this many box heights (never seen in training) score 0.

    Example:
        >>> s = AssociationScorer(8)
        >>> p = s.score(np.array([[0.0, 0, 10, 20]]), np.ones((1, 4)), np.array([[1.0, 0, 10, 20]]), np.array([0.9]),
        ...             np.array([1]), np.array([3]))
        >>> p.shape, float(p[0, 0])
        ((1, 1), 0.5)
    """

    def __init__(self, hidden: int = 32, params: dict[str, np.ndarray] | None = None, radius: float = 3.0) -> None:
        self.hidden, self.radius = hidden, radius
        if params is None:
            params = {
                "0.weight": np.zeros((hidden, N_PAIR_FEATURES)), "0.bias": np.zeros(hidden),
                "2.weight": np.zeros((hidden, hidden)), "2.bias": np.zeros(hidden),
                "4.weight": np.zeros((1, hidden)), "4.bias": np.zeros(1),
            }  # fmt: skip
        self.params = {k: np.asarray(v, np.float32) for k, v in params.items()}

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Raw scores of feature rows (..., N_PAIR_FEATURES)."""
        p = self.params
        z = _silu(x @ p["0.weight"].T + p["0.bias"])
        z = _silu(z @ p["2.weight"].T + p["2.bias"])
        return (z @ p["4.weight"].T + p["4.bias"])[..., 0]

    def score(
        self, pred_box: np.ndarray, pred_std: np.ndarray, det_box: np.ndarray, det_score: np.ndarray, age: np.ndarray, hits: np.ndarray
    ) -> np.ndarray:
        """Match probability (n, m) of each track (predicted box, std, frames since seen, hits) and detection."""
        if not len(pred_box) or not len(det_box):
            return np.zeros((len(pred_box), len(det_box)))
        p = _sigmoid(self.logits(pair_features(pred_box, pred_std, det_box, det_score, age, hits)).astype(float))
        return np.where(_near(pred_box, det_box, self.radius), p, 0.0)


@dataclass(frozen=True)
class AssociationStats:
    """What training the association score reports: pairs, positives, seconds, final loss and accuracy."""

    pairs: int
    positives: int
    seconds: float
    loss: float
    accuracy: float


def association_pairs(
    sequences: Sequence[MotSequence], motion: MotionModel, config: AssociationConfig, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training pairs: features (N, F) and labels (N,) from following every person with ``motion``.

    Args:
        sequences: sequences with ground truth.
        motion: the motion model whose predictions make the features.
        config: radius, detection draws and the simulated detector.
        seed: seeds the simulated detections.

    Returns:
        (features, labels): 1 where the detection comes from the followed person.

    Example:
        >>> from synreal.tracking.motion import KalmanMotion
        >>> from synreal.tracking.motion.toy import toy_sequences
        >>> x, y = association_pairs(toy_sequences(1, frames=10, people=3), KalmanMotion(), AssociationConfig(), 0)
        >>> x.shape[1], bool(y.max() == 1)
        (14, True)
    """
    feats, labels = [], []
    for seq in sequences:
        if seq.gt is None:
            continue
        max_lost = round(config.max_lost * seq.info.frame_rate / 30.0)
        for k in range(config.detection_seeds):
            det, ids = simulated_with_ids(seq, config.detections, seed * 1000 + k)
            bounds = np.searchsorted(det.frame, np.arange(1, seq.info.seq_length + 2))
            state = motion.initiate(np.zeros((0, 4)), seq.info.frame_rate)
            who = np.zeros(0, np.int64)
            last = np.zeros(0, np.int64)
            hits = np.zeros(0, np.int64)
            for f in range(1, seq.info.seq_length + 1):
                rows = np.arange(bounds[f - 1], bounds[f])
                box, score, did = det.box[rows], det.conf[rows], ids[rows]
                if len(who):
                    state, pred = motion.predict(state)
                    near = _near(pred.box, box, config.radius)
                    if near.any():
                        x = pair_features(pred.box, pred.std, box, score, f - last, hits)
                        t, d = np.nonzero(near)
                        feats.append(x[t, d])
                        labels.append(who[t] == did[d])
                    seen = np.flatnonzero(np.isin(who, did))
                    if len(seen):
                        pos = {int(i): j for j, i in enumerate(did)}
                        drow = np.array([pos[int(who[t])] for t in seen])
                        state = motion.update(state, seen, box[drow])
                        hits[seen] = np.where(last[seen] == f - 1, hits[seen] + 1, 1)
                        last[seen] = f
                new = np.flatnonzero((did >= 0) & ~np.isin(did, who))
                if len(new):
                    state = state.concat(motion.initiate(box[new], seq.info.frame_rate))
                    who = np.concatenate([who, did[new]])
                    last = np.concatenate([last, np.full(len(new), f)])
                    hits = np.concatenate([hits, np.ones(len(new), np.int64)])
                alive = f - last <= max_lost
                if not alive.all():
                    state, who, last, hits = state.take(alive), who[alive], last[alive], hits[alive]
    if not feats:
        raise ValueError("no candidate pairs: are there people in the training sequences?")
    return np.concatenate(feats), np.concatenate(labels).astype(np.float32)


def train_association(
    sequences: Sequence[MotSequence], motion: MotionModel, config: AssociationConfig | None = None, seed: int = 0
) -> tuple[AssociationScorer, AssociationStats]:
    """Train the association score for ``motion`` on the sequences' ground truth.

    Args:
        sequences: training sequences with ground truth.
        motion: the motion model the tracker will use (its predictions are the features).
        config: training knobs.
        seed: seeds the simulated detections, the initialisation and the batches.

    Returns:
        The scorer (pass it to ``run_tracker(..., association=...)``) and what training reports.

    Example:
        >>> from synreal.tracking.motion import KalmanMotion
        >>> from synreal.tracking.motion.toy import toy_sequences
        >>> s, st = train_association(toy_sequences(1, frames=20, people=4), KalmanMotion(), AssociationConfig(steps=5))
        >>> st.positives > 0
        True
    """
    import torch
    from torch import nn

    cfg = config or AssociationConfig()
    t0 = time.perf_counter()
    x_all, y_all = association_pairs(sequences, motion, cfg, seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            net = nn.Sequential(
                nn.Linear(N_PAIR_FEATURES, cfg.hidden), nn.SiLU(), nn.Linear(cfg.hidden, cfg.hidden), nn.SiLU(), nn.Linear(cfg.hidden, 1)
            )
        x_t, y_t = torch.from_numpy(x_all), torch.from_numpy(y_all)
        gen = torch.Generator().manual_seed(int(seed) * 7919 + 3)
        opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.steps, pct_start=0.1)
        losses = []
        for _ in range(cfg.steps):
            idx = torch.randint(0, len(x_t), (cfg.batch_size,), generator=gen)
            loss = nn.functional.binary_cross_entropy_with_logits(net(x_t[idx])[:, 0], y_t[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
    finally:
        torch.set_num_threads(threads)
    scorer = AssociationScorer(cfg.hidden, {k: v.detach().numpy() for k, v in net.state_dict().items()}, cfg.radius)
    acc = float(((scorer.logits(x_all) > 0) == (y_all > 0.5)).mean())
    tail = max(1, cfg.steps // 10)
    stats = AssociationStats(len(y_all), int(y_all.sum()), time.perf_counter() - t0, float(np.mean(losses[-tail:])), acc)
    return scorer, stats
