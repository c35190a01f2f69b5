"""The shared training loop: seeded, single-threaded, deterministic."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from synreal.data.base import ImageSet
from synreal.learners.augment import AugmentConfig, augment_batch


class TrainConfig(BaseModel):
    """Optimisation settings of one training phase."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: int = Field(30, ge=1, le=10_000, description="passes over the training data")
    min_steps: int = Field(150, ge=0, description="at least this many updates (small real fractions)")
    max_steps: int | None = Field(None, ge=1, description="at most this many updates (large synthetic sets)")
    batch_size: int = Field(64, ge=1, le=65_536)
    lr: float = Field(3e-3, gt=0, le=10)
    weight_decay: float = Field(1e-4, ge=0)
    label_smoothing: float = Field(0.0, ge=0, lt=1)


@dataclass
class TrainStats:
    """What a training phase reports."""

    steps: int
    seconds: float
    samples: int


def _steps(n: int, cfg: TrainConfig) -> int:
    steps = max(cfg.min_steps, cfg.epochs * max(1, -(-n // cfg.batch_size)))
    return min(steps, cfg.max_steps) if cfg.max_steps else steps


def train(
    model: nn.Module,
    data: ImageSet,
    cfg: TrainConfig,
    seed: int,
    *,
    augment: AugmentConfig | None = None,
) -> TrainStats:
    """Train ``model`` in place on ``data`` with AdamW and a cosine learning-rate schedule.

    Args:
        model: the network (its classifier must have ``len(data.classes)`` outputs).
        data: training images and labels.
        cfg: optimisation settings.
        seed: fixes data order and augmentation draws.
        augment: naive augmentation applied to every batch, or None.

    Returns:
        Steps, seconds and samples seen.

    Example:
        >>> from synreal.learners.cnn import SmallCNN, SmallCNNConfig
        >>> d = ImageSet(np.random.rand(32, 1, 8, 8).astype("f4"), np.arange(32) % 2, ["a", "b"])
        >>> train(SmallCNN(SmallCNNConfig(width=4), (1, 8, 8), 2), d, TrainConfig(epochs=1, min_steps=1), 0).steps
        1
    """
    t0 = time.perf_counter()
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + 17)
    x_all = torch.from_numpy(np.ascontiguousarray(data.images, dtype=np.float32))
    y_all = torch.from_numpy(np.ascontiguousarray(data.labels, dtype=np.int64))
    n = len(y_all)
    steps = _steps(n, cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.15)
    model.train()
    bs = min(cfg.batch_size, n)
    perm = torch.randperm(n, generator=gen)
    pos = 0
    for _ in range(steps):
        if pos + bs > n:
            perm, pos = torch.randperm(n, generator=gen), 0
        idx = perm[pos : pos + bs]
        pos += bs
        xb, yb = x_all[idx], y_all[idx]
        if augment is not None:
            xb = augment_batch(xb, augment, gen)
        loss = F.cross_entropy(model(xb), yb, label_smoothing=cfg.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return TrainStats(steps=steps, seconds=time.perf_counter() - t0, samples=steps * bs)


@torch.no_grad()
def evaluate(model: nn.Module, data: ImageSet, batch_size: int = 1024) -> dict[str, float]:
    """Accuracy (fraction correct, higher is better, chance = 1/classes) and mean test loss."""
    model.eval()
    x = torch.from_numpy(np.ascontiguousarray(data.images, dtype=np.float32))
    y = torch.from_numpy(np.ascontiguousarray(data.labels, dtype=np.int64))
    correct, loss = 0, 0.0
    for i in range(0, len(y), batch_size):
        out = model(x[i : i + batch_size])
        loss += F.cross_entropy(out, y[i : i + batch_size], reduction="sum").item()
        correct += (out.argmax(1) == y[i : i + batch_size]).sum().item()
    return {"accuracy": correct / len(y), "test_loss": loss / len(y)}
