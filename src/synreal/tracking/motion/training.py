"""Training a learned motion model on ground-truth trajectories (synthetic or real).

``train_motion_model`` draws training windows from the sequences' ground truth: a target box,
the track's last observation some frames before it (1 most often, sometimes a gap as after a
miss), and up to ``history`` earlier observations with some randomly dropped (missed
detections). The input boxes are jittered like detections; the target too, so the predicted
variance is that of the next detection, which is what association compares against. Time is
counted in frames or, with ``time_unit: second``, in frames at 25 fps, so sequences of
different frame rates share one scale. Gaps in the ground truth are gaps in time.

Training is bounded by steps, not by data: a fixed number of batches whatever the number of
sequences, so pre-training on thousands of synthetic sequences and fine-tuning on one real
one cost the same. The same function pre-trains and fine-tunes (``init_state``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from synreal.errors import UserInputError
from synreal.tracking.motchallenge import MotSequence
from synreal.tracking.motion.base import to_cxcywh
from synreal.tracking.motion.learned import (
    REF_FPS,
    LearnedConfig,
    LearnedMotion,
    make_inputs,
    targets,
)
from synreal.tracking.motion.network import MotionNet, build_network


class MotionTrainConfig(BaseModel):
    """How a learned motion model is trained (one phase: pre-training or fine-tuning).

    Example:
        >>> MotionTrainConfig(steps=500).model.arch
        'mlp'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: LearnedConfig = Field(default_factory=LearnedConfig, description="the network's shape")
    steps: int = Field(2000, ge=1, le=10_000_000, description="optimiser steps (the cost does not grow with the data)")
    batch_size: int = Field(256, ge=1, le=65_536)
    lr: float = Field(2e-3, gt=0, le=10, description="peak learning rate (one-cycle schedule)")
    weight_decay: float = Field(1e-4, ge=0)
    gap_prob: float = Field(0.3, ge=0, le=1, description="share of windows whose target lies more than one observation ahead")
    max_gap: int = Field(30, ge=1, le=10_000, description="largest such gap, in observations")
    drop_prob: float = Field(0.2, ge=0, lt=1, description="history observations are dropped with up to this probability")
    input_noise: float = Field(0.04, ge=0, le=1, description="box jitter as a fraction of its size (DetectionSpec.box_noise)")
    input_noise_px: float = Field(1.0, ge=0, le=100, description="extra box jitter in pixels (DetectionSpec.box_noise_px)")
    target_noise: bool = Field(True, description="jitter the target too: the predicted variance then covers the next detection's noise")
    input_noise_correlation: float = Field(
        0.5, ge=0, lt=1, description="frame-to-frame correlation of the jitter (DetectionSpec.noise_correlation)"
    )


@dataclass(frozen=True)
class MotionTrainStats:
    """What a training phase reports.

    Attributes:
        steps: optimiser steps taken.
        seconds: wall time.
        tracks: trajectories with at least two boxes that windows were drawn from.
        boxes: boxes in those trajectories.
        loss: mean Gaussian negative log-likelihood over the last tenth of the steps.
        initialised: whether training started from given weights.
    """

    steps: int
    seconds: float
    tracks: int
    boxes: int
    loss: float
    initialised: bool


@dataclass(frozen=True)
class Trajectories:
    """Every training trajectory, concatenated.

    Attributes:
        box: (N, 4) boxes cx, cy, w, h.
        time: (N,) time of each box (frames times the sequence's time unit).
        start: (N,) index of the first row of the row's trajectory.
        n_tracks: number of trajectories.
    """

    box: np.ndarray
    time: np.ndarray
    start: np.ndarray
    n_tracks: int


def trajectories(sequences: Sequence[MotSequence], time_unit: str = "frame") -> Trajectories:
    """Ground-truth trajectories of people (pedestrian class where classes exist, consider flag set).

    Args:
        sequences: sequences with ground truth.
        time_unit: ``frame`` or ``second`` (frames at 25 fps).

    Returns:
        The concatenated trajectories (each at least two boxes, sorted by frame).

    Raises:
        UserInputError: no sequence holds a trajectory of two boxes or more.

    Example:
        >>> from synreal.tracking.motchallenge import MotTable, SeqInfo
        >>> gt = MotTable.from_rows([[1, 1, 0, 0, 10, 20, 1, 1, 1], [3, 1, 2, 0, 10, 20, 1, 1, 1]])
        >>> trajectories([MotSequence(SeqInfo("a", 3), gt=gt)]).time.tolist()  # the gap stays a gap
        [1.0, 3.0]
    """
    boxes, times, starts = [], [], []
    offset, n_tracks = 0, 0
    for seq in sequences:
        gt = seq.gt
        if gt is None or not len(gt):
            continue
        keep = (gt.conf != 0) & (gt.box[:, 2] > 0) & (gt.box[:, 3] > 0)
        if bool((gt.cls >= 0).any()):
            keep &= gt.cls == 1
        g = gt.select(keep)
        order = np.lexsort((g.frame, g.id))
        ids, frames, box = g.id[order], g.frame[order], to_cxcywh(g.box[order])
        first = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        length = np.diff(np.r_[first, len(ids)])
        ok = np.repeat(length >= 2, length)
        first_of_row = np.repeat(first, length)
        unit = 1.0 if time_unit == "frame" else REF_FPS / float(seq.info.frame_rate)
        # re-index starts after dropping single-box tracks
        new_index = np.cumsum(ok) - 1
        boxes.append(box[ok])
        times.append(frames[ok] * unit)
        starts.append(new_index[first_of_row[ok]] + offset)
        offset += int(ok.sum())
        n_tracks += int((length >= 2).sum())
    if not n_tracks:
        raise UserInputError("no trajectory of two boxes or more in the training sequences (is there ground truth?)")
    return Trajectories(box=np.concatenate(boxes), time=np.concatenate(times).astype(float), start=np.concatenate(starts), n_tracks=n_tracks)


def _jitter(box: np.ndarray, e: np.ndarray, cfg: MotionTrainConfig) -> np.ndarray:
    """Detection-like noise on cx, cy, w, h boxes (..., 4) given standard normal draws ``e`` (..., 4)."""
    w, h = box[..., 2], box[..., 3]
    px = cfg.input_noise_px
    return np.stack(
        [
            box[..., 0] + e[..., 0] * (cfg.input_noise * w + px),
            box[..., 1] + e[..., 1] * (cfg.input_noise * h + px),
            w * np.exp(e[..., 2] * (cfg.input_noise + px / np.maximum(w, 1))),
            h * np.exp(e[..., 3] * (cfg.input_noise + px / np.maximum(h, 1))),
        ],
        -1,
    )


def _correlated(prev: np.ndarray, lag: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Standard normal draws (n, 4) correlated with ``prev`` by ``rho ** lag`` (AR(1) over ``lag`` frames)."""
    r = (rho ** np.maximum(lag, 0.0))[:, None]
    return r * prev + np.sqrt(1 - r * r) * rng.normal(0.0, 1.0, prev.shape)


def sample_windows(
    traj: Trajectories, n: int, cfg: MotionTrainConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A batch of training windows: history boxes, their times, validity, horizon and target box (cx, cy, w, h).

    Args:
        traj: the trajectories.
        n: windows.
        cfg: the window sampling and noise knobs.
        rng: the random generator.

    Returns:
        ``hist`` (n, K, 4), ``dt`` (n, K), ``valid`` (n, K), ``horizon`` (n,), ``target`` (n, 4).

    Example:
        >>> from synreal.tracking.motion.toy import toy_sequences
        >>> w = sample_windows(trajectories(toy_sequences(1, frames=20)), 4, MotionTrainConfig(), np.random.default_rng(0))
        >>> w[0].shape, bool(w[2][:, -1].all())
        ((4, 10, 4), True)
    """
    k = cfg.model.history
    pos = np.arange(len(traj.box)) - traj.start
    candidates = np.flatnonzero(pos >= 1)
    j = candidates[rng.integers(0, len(candidates), n)]
    long = rng.random(n) < cfg.gap_prob
    gap = np.where(long, rng.integers(1, cfg.max_gap + 1, n), 1)
    gap = np.minimum(gap, pos[j])
    last = j - gap
    width = 2 * k
    cand = last[:, None] - np.arange(width)[None, :]  # newest first
    ok = cand >= traj.start[j][:, None]
    drop = rng.random((n, width)) < rng.uniform(0, cfg.drop_prob, n)[:, None]
    drop[:, 0] = False
    kept = ok & ~drop
    rank = np.cumsum(kept, axis=1) - 1
    take = kept & (rank < k)
    hist = np.zeros((n, k, 4))
    dt = np.zeros((n, k))
    valid = np.zeros((n, k), bool)
    bi, ci = np.nonzero(take)
    slot = k - 1 - rank[bi, ci]
    rows = cand[bi, ci]
    hist[bi, slot] = traj.box[rows]
    dt[bi, slot] = traj.time[rows] - traj.time[last[bi]]
    valid[bi, slot] = True
    horizon = traj.time[j] - traj.time[last]
    # Jitter as the detector's: AR(1) over time, one noise level per window.
    scale = rng.uniform(0.5, 1.5, n)[:, None]
    rho = cfg.input_noise_correlation
    e = np.zeros((n, k, 4))
    prev, prev_t = rng.normal(0.0, 1.0, (n, 4)), np.full(n, -1e9)
    for i in range(k):
        cur = _correlated(prev, dt[:, i] - prev_t, rho, rng)
        e[:, i] = np.where(valid[:, i, None], cur, 0.0)
        prev = np.where(valid[:, i, None], cur, prev)
        prev_t = np.where(valid[:, i], dt[:, i], prev_t)
    hist = np.where(valid[..., None], _jitter(hist, e * scale[:, None], cfg), hist)
    target = traj.box[j]
    if cfg.target_noise:
        target = _jitter(target, _correlated(prev, horizon, rho, rng) * scale, cfg)
    return hist, dt, valid, horizon, target


def _batch(traj: Trajectories, cfg: MotionTrainConfig, rng: np.random.Generator) -> tuple[torch.Tensor, ...]:
    """One batch as tensors: seq, glob, base, target (output units)."""
    hist, dt, valid, horizon, target = sample_windows(traj, cfg.batch_size, cfg, rng)
    seq, glob, base = make_inputs(hist, dt, valid, horizon)
    y = targets(hist[:, -1], target).astype(np.float32)
    return tuple(torch.from_numpy(a) for a in (seq, glob, base, y))


def gaussian_nll(mean: torch.Tensor, logvar: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean Gaussian negative log-likelihood (without the constant) per coordinate.

    Example:
        >>> float(gaussian_nll(torch.zeros(1, 4), torch.zeros(1, 4), torch.ones(1, 4)))
        0.5
    """
    return 0.5 * (logvar + (y - mean) ** 2 * torch.exp(-logvar)).mean()


def _load_init(net: MotionNet, init_state: LearnedMotion | Mapping[str, Any]) -> None:
    """Copy the given weights into ``net``; a shape mismatch is a user error."""
    sd = init_state.state_dict() if isinstance(init_state, LearnedMotion) else init_state
    try:
        net.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in sd.items()})
    except RuntimeError as exc:
        raise UserInputError(
            "init_state does not fit the configured network (arch, history and hidden must match the pre-trained one): "
            + str(exc).splitlines()[0]
        ) from None


def train_motion_model(
    sequences: Sequence[MotSequence],
    config: MotionTrainConfig | None = None,
    seed: int = 0,
    init_state: LearnedMotion | Mapping[str, Any] | None = None,
    *,
    progress: bool = False,
) -> tuple[LearnedMotion, MotionTrainStats]:
    """Train (or fine-tune) a learned motion model on the sequences' ground-truth trajectories.

    Deterministic per seed: single-threaded torch, windows drawn from ``seed``, the
    initialisation drawn from ``seed`` unless ``init_state`` gives the weights.

    Args:
        sequences: training sequences with ground truth (real or synthetic, any frame rate).
        config: steps, batch, learning rate, window sampling and the network's shape.
        seed: the run's seed.
        init_state: pre-trained weights to start from (a ``LearnedMotion`` or its
            ``state_dict()``): fine-tuning.
        progress: show a progress bar.

    Returns:
        The trained model (ready for ``run_tracker``) and what training reports.

    Raises:
        UserInputError: no usable trajectory, or ``init_state`` of another network shape.

    Example:
        >>> from synreal.tracking.motchallenge import MotTable, SeqInfo
        >>> gt = MotTable.from_rows([[f, 1, 10 + 2 * f, 50, 20, 50, 1, 1, 1] for f in range(1, 31)])
        >>> cfg = MotionTrainConfig(steps=5, batch_size=8, model={"hidden": 8})
        >>> model, stats = train_motion_model([MotSequence(SeqInfo("a", 30), gt=gt)], cfg, seed=0)
        >>> stats.steps, stats.tracks
        (5, 1)
    """
    cfg = config or MotionTrainConfig()
    t0 = time.perf_counter()
    traj = trajectories(sequences, cfg.model.time_unit)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        net = build_network(cfg.model, seed)
        if init_state is not None:
            _load_init(net, init_state)
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x6D6F74]))
        opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.steps, pct_start=0.1)
        net.train()
        losses = []
        bar = _progress(progress, cfg.steps)
        for _ in range(cfg.steps):
            seq, glob, base, y = _batch(traj, cfg, rng)
            mean, logvar = net(seq, glob, base)
            loss = gaussian_nll(mean, logvar, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            if bar is not None:
                bar[0].advance(bar[1])
        if bar is not None:
            bar[0].stop()
        if not np.isfinite(losses).all():
            raise FloatingPointError("motion model training diverged (non-finite loss)")
    finally:
        torch.set_num_threads(threads)
    tail = max(1, cfg.steps // 10)
    model = LearnedMotion(cfg.model, net.state_dict())
    stats = MotionTrainStats(
        steps=cfg.steps,
        seconds=time.perf_counter() - t0,
        tracks=traj.n_tracks,
        boxes=len(traj.box),
        loss=float(np.mean(losses[-tail:])),
        initialised=init_state is not None,
    )
    return model, stats


def _progress(show: bool, total: int) -> tuple[Any, Any] | None:
    """A started rich progress bar and its task, or None."""
    if not show:
        return None
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.start()
    return bar, bar.add_task("training motion model", total=total)
