"""The shared training loop: seeded and deterministic on CPU; on a GPU, mixed precision.

``device: auto`` trains on a CUDA GPU when torch sees one, else on the CPU. On the CPU the
loop is single-threaded and bit-for-bit reproducible. On a GPU the forward and backward
passes run under ``torch.autocast`` in bfloat16 (float16 with a gradient scaler on GPUs
without bfloat16); data order and augmentation draws stay those of the CPU run (they come
from the same seeded CPU generator), but the arithmetic differs, so GPU and CPU results
agree statistically, not bit for bit.

Inputs are the ``inputs`` of an ``ImageSet`` or ``FeatureSet``. Images read from a
memory-mapped cache are gathered batch by batch, so training never holds the whole set.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from synreal.data.base import ImageSet, LabelledSet
from synreal.errors import UserInputError
from synreal.learners.augment import AugmentConfig, augment_batch
from synreal.learners.configs import TrainConfig


@dataclass
class TrainStats:
    """What a training phase reports."""

    steps: int
    seconds: float
    samples: int
    device: str = "cpu"


def resolve_device(setting: str) -> torch.device:
    """The torch device for a ``TrainConfig.device`` setting.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
    """
    if setting == "cpu":
        return torch.device("cpu")
    if setting == "cuda":
        if not torch.cuda.is_available():
            raise UserInputError(
                "training.device is 'cuda' but torch sees no CUDA GPU (a CPU build of torch, or no driver)",
                key="training.device",
                hint="use device: auto or cpu",
            )
        return torch.device("cuda")
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    raise ValueError(f"unknown device setting {setting!r}")


def autocast(device: torch.device) -> tuple[Any, Any]:
    """(autocast context, grad scaler or None) for mixed precision on ``device``; no-ops on the CPU."""
    if device.type != "cuda":
        return contextlib.nullcontext(), None
    if torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16), None
    return torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda")


def training_steps(n: int, cfg: TrainConfig) -> int:
    """Updates one training on ``n`` items makes: ``epochs`` passes, at least ``min_steps``, at most ``max_steps``.

    Example:
        >>> training_steps(1000, TrainConfig(epochs=2, min_steps=10, batch_size=100))
        20
    """
    steps = max(cfg.min_steps, cfg.epochs * max(1, -(-n // cfg.batch_size)))
    return min(steps, cfg.max_steps) if cfg.max_steps else steps


def _inputs_tensor(data: LabelledSet) -> torch.Tensor | None:
    """All inputs as one CPU tensor, or None when they are read from disk batch by batch."""
    if isinstance(data.inputs, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(data.inputs, dtype=np.float32))
    return None


def train(
    model: nn.Module,
    data: LabelledSet,
    cfg: TrainConfig,
    seed: int,
    *,
    augment: AugmentConfig | None = None,
) -> TrainStats:
    """Train ``model`` in place on ``data`` with AdamW and a one-cycle learning-rate schedule.

    A model with ``own_fit = True`` (the linear probe's L-BFGS) trains itself through its
    ``fit(data, cfg, seed)`` instead.

    Args:
        model: the network (its classifier must have ``len(data.classes)`` outputs).
        data: training images or features, and labels.
        cfg: optimisation settings, the device among them.
        seed: fixes data order and augmentation draws.
        augment: naive augmentation applied to every batch of images, or None.

    Returns:
        Steps, seconds, samples seen and the device used. The model is left on that device.

    Example:
        >>> from synreal.learners.cnn import SmallCNN, SmallCNNConfig
        >>> d = ImageSet(np.random.rand(32, 1, 8, 8).astype("f4"), np.arange(32) % 2, ["a", "b"])
        >>> train(SmallCNN(SmallCNNConfig(width=4), (1, 8, 8), 2), d, TrainConfig(epochs=1, min_steps=1, device="cpu"), 0).steps
        1
    """
    if augment is not None and not isinstance(data, ImageSet):
        raise UserInputError(
            "naive augmentation (affine, jitter) applies to images, but this training set holds features",
            key="conditions",
            hint="a study over embeddings has no real+aug baseline",
        )
    device = resolve_device(cfg.device)
    if model.own_fit:
        return model.fit(data, cfg, seed, device=device)  # type: ignore[operator]
    t0 = time.perf_counter()
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + 17)
    x_all = _inputs_tensor(data)
    y_all = torch.from_numpy(np.ascontiguousarray(data.labels, dtype=np.int64))
    n = len(y_all)
    steps = training_steps(n, cfg)
    on_gpu = device.type != "cpu"
    if on_gpu:
        model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.15)
    cast, scaler = autocast(device)
    model.train()
    bs = min(cfg.batch_size, n)
    perm = torch.randperm(n, generator=gen)
    pos = 0
    for _ in range(steps):
        if pos + bs > n:
            perm, pos = torch.randperm(n, generator=gen), 0
        idx = perm[pos : pos + bs]
        pos += bs
        xb = x_all[idx] if x_all is not None else torch.from_numpy(data.inputs[idx.numpy()])
        yb = y_all[idx]
        if augment is not None:
            # on the CPU with the seeded generator, so every device sees the same draws
            xb = augment_batch(xb, augment, gen)
        if on_gpu:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            with cast:
                loss = F.cross_entropy(model(xb), yb, label_smoothing=cfg.label_smoothing)
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
            sched.step()
            continue
        loss = F.cross_entropy(model(xb), yb, label_smoothing=cfg.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return TrainStats(steps=steps, seconds=time.perf_counter() - t0, samples=steps * bs, device=str(device))


def _model_device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


@torch.no_grad()
def evaluate(model: nn.Module, data: LabelledSet, batch_size: int = 1024) -> dict[str, float]:
    """Accuracy (fraction correct, higher is better, chance = 1/classes) and mean test loss.

    Runs on the device the model is on (mixed precision on a GPU); reads mapped images
    batch by batch.
    """
    model.eval()
    device = _model_device(model)
    x = _inputs_tensor(data)
    y = torch.from_numpy(np.ascontiguousarray(data.labels, dtype=np.int64))
    cast, _ = autocast(device)
    correct, loss = 0, 0.0
    for i in range(0, len(y), batch_size):
        xb = x[i : i + batch_size] if x is not None else torch.from_numpy(data.inputs[i : i + batch_size])
        yb = y[i : i + batch_size]
        if device.type != "cpu":
            xb, yb = xb.to(device), yb.to(device)
            with cast:
                out = model(xb).float()
        else:
            out = model(xb)
        loss += F.cross_entropy(out, yb, reduction="sum").item()
        correct += (out.argmax(1) == yb).sum().item()
    return {"accuracy": correct / len(y), "test_loss": loss / len(y)}
