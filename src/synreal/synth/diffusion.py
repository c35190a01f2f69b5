"""A class-conditional diffusion generator trained on the upstream pool, and the SDEdit probe.

The retrieval baseline asks what a generator adds beyond the real images it was trained on.
This module trains that generator: a small U-Net (``synreal.synth.unet``) learns to denoise
the pool's images given their class label, with a cosine noise schedule, velocity (or noise)
prediction, EMA weights and classifier-free guidance (labels are dropped for a fraction of
training steps so that one network is both conditional and unconditional).

* ``train_diffusion(pool, config, seed)`` trains (or reuses a cached) ``DiffusionGenerator``;
* ``DiffusionGenerator.sample`` draws labelled images with DDIM or DDPM;
* ``DiffusionGenerator.perturb`` is the SDEdit probe: noise real images to strength ``gamma``
  and let the generator denoise them;
* ``PoolDiffusion`` is the same, registered as the synthetic source ``pool-diffusion``.

Pixels are mapped from [0, 1] to [-1, 1] for the diffusion and back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import pickle
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.synth.base import SOURCES, SourceConfig, SyntheticSource
from synreal.synth.unet import UNet

log = logging.getLogger(__name__)

CHECKPOINT_FORMAT = "synreal-diffusion"
CHECKPOINT_VERSION = 1


class DiffusionConfig(SourceConfig):
    """Knobs of the pool-trained diffusion generator (unknown keys are errors).

    The defaults train on ~700 8x8 digits in well under a minute on one CPU core and sample
    1,000 images in a few seconds; raise ``channels`` and ``train_steps`` for larger images.
    """

    channels: int = Field(16, ge=4, le=256, description="U-Net channels at full resolution (doubled below)")
    blocks: int = Field(1, ge=1, le=4, description="residual blocks per U-Net level")
    attention: bool = Field(True, description="self-attention at the U-Net's coarsest level")
    timesteps: int = Field(1000, ge=10, le=10_000, description="diffusion steps T of the cosine schedule")
    prediction: Literal["v", "eps"] = Field("v", description="network target: velocity or noise")
    train_steps: int = Field(400, ge=1, le=1_000_000, description="optimiser updates")
    batch_size: int = Field(128, ge=1, le=65_536, description="images per update (drawn with replacement)")
    lr: float = Field(2e-3, gt=0, le=1, description="peak AdamW learning rate (warm-up, then cosine decay)")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay")
    label_drop: float = Field(0.15, ge=0, lt=1, description="fraction of training labels replaced by 'no label'")
    ema_decay: float = Field(0.995, ge=0, lt=1, description="decay of the weight average used for sampling")
    guidance: float = Field(1.0, ge=0, le=20, description="classifier-free guidance scale (1 = none, 0 = unconditional)")
    sampler: Literal["ddim", "ddpm"] = Field("ddim", description="ddim: deterministic; ddpm: ancestral")
    ddim_steps: int = Field(20, ge=1, le=10_000, description="denoising steps of the DDIM sampler")
    ddpm_steps: int | None = Field(None, ge=1, le=10_000, description="steps of the DDPM sampler (default: all T)")
    sample_batch: int = Field(1000, ge=1, le=100_000, description="images denoised at once when sampling")


def cosine_alpha_bar(timesteps: int, s: float = 0.008) -> torch.Tensor:
    """Cumulative signal fraction alpha_bar[t] for t = 0..T-1 of the cosine schedule (Nichol & Dhariwal).

    Args:
        timesteps: T.
        s: small offset so that alpha_bar[0] is just below 1.

    Returns:
        float64 tensor (T,), decreasing from ~1 to ~0.

    Example:
        >>> ab = cosine_alpha_bar(1000)
        >>> bool(ab[0] > 0.999 and ab[-1] < 1e-3)
        True
    """
    steps = torch.arange(timesteps + 1, dtype=torch.float64)
    f = torch.cos((steps / timesteps + s) / (1 + s) * math.pi / 2) ** 2
    # Per-step betas are clipped (as in the paper) so the last step does not divide by zero.
    betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    return torch.cumprod(1 - betas, dim=0)


def _timestep_grid(t_start: int, steps: int) -> list[int]:
    """``steps`` evenly spaced timesteps from ``t_start`` down ("trailing": the last jump lands on x0)."""
    steps = max(1, min(steps, t_start + 1))
    return [t_start - (i * (t_start + 1)) // steps for i in range(steps)]


def _to_unit(x: torch.Tensor) -> np.ndarray:
    """[-1, 1] tensor -> float32 [0, 1] array."""
    return np.ascontiguousarray(((x.clamp(-1, 1) + 1) / 2).contiguous().numpy(), dtype=np.float32)


class DiffusionGenerator:
    """A trained class-conditional diffusion model over one pool's classes and image shape.

    Made by ``train_diffusion`` or ``DiffusionGenerator.load``; holds the EMA weights.

    Attributes:
        config: the ``DiffusionConfig``: the knobs it was trained with and the sampling knobs
            (``SAMPLING_KNOBS``) that ``sample`` and ``perturb`` use by default.
        classes: the pool's class names; labels passed to ``sample`` index them.
        image_shape: (C, H, W) of its images.
        pool_fingerprint: ``ImageSet.fingerprint()`` of the training pool.
        seed: the training seed.
        info: how it came to be: ``reused`` (from cache), ``cache_path``, ``train_seconds``,
            ``steps_per_second``, ``final_loss``, ``note``.
    """

    def __init__(
        self,
        model: UNet,
        config: DiffusionConfig,
        classes: list[str],
        image_shape: tuple[int, int, int],
        pool_fingerprint: str,
        seed: int,
        info: dict[str, Any] | None = None,
    ) -> None:
        # Channels-last convolutions sample ~1.5x faster on CPU at these sizes (training is not faster).
        self.model = model.eval().to(memory_format=torch.channels_last)
        self.config = config
        self.classes = list(classes)
        self.image_shape = tuple(image_shape)
        self.pool_fingerprint = pool_fingerprint
        self.seed = seed
        self.info: dict[str, Any] = dict(info or {})
        self._alpha_bar = cosine_alpha_bar(config.timesteps)

    # ------------------------------------------------------------------ sampling

    def sample(
        self,
        labels: Sequence[int] | np.ndarray | None = None,
        *,
        n_per_class: int | None = None,
        seed: int = 0,
        guidance: float | None = None,
        steps: int | None = None,
        sampler: Literal["ddim", "ddpm"] | None = None,
    ) -> ImageSet:
        """Generate images of the given classes.

        Args:
            labels: one class index (into ``classes``) per image to generate; or
            n_per_class: this many images of every class, in class order.
            seed: the noise seed; the same seed gives the same images.
            guidance: classifier-free guidance scale (default ``config.guidance``).
            steps: denoising steps (default ``config.ddim_steps`` or ``config.ddpm_steps``).
            sampler: ``"ddim"`` or ``"ddpm"`` (default ``config.sampler``).

        Returns:
            An ImageSet with ``classes`` = the generator's classes, images in [0, 1].

        Example:
            >>> gen = train_diffusion(pool, DiffusionConfig(), seed=0)  # doctest: +SKIP
            >>> gen.sample(n_per_class=100, seed=1).images.shape  # doctest: +SKIP
            (1000, 1, 8, 8)
        """
        y = self._labels(labels, n_per_class)
        sampler = sampler or self.config.sampler
        if sampler not in ("ddim", "ddpm"):
            raise UserInputError(f"unknown sampler {sampler!r}; expected 'ddim' or 'ddpm'", key="sampler")
        if steps is None:
            steps = self.config.ddim_steps if sampler == "ddim" else (self.config.ddpm_steps or self.config.timesteps)
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise UserInputError(f"steps must be a positive integer, found {steps!r}", key="steps")
        _check_guidance(guidance)
        gen = torch.Generator().manual_seed(int(seed))
        out = []
        for start in range(0, len(y), self.config.sample_batch):
            yb = y[start : start + self.config.sample_batch]
            x = torch.randn((len(yb), *self.image_shape), generator=gen)
            out.append(self._denoise(x, yb, self.config.timesteps - 1, steps, sampler, guidance, gen))
        images = np.concatenate(out) if out else np.zeros((0, *self.image_shape), np.float32)
        meta = {"source": "pool-diffusion", "pool_fingerprint": self.pool_fingerprint, "sampler": sampler, "steps": steps,
                "guidance": self.config.guidance if guidance is None else guidance, "seed": seed}  # fmt: skip
        return ImageSet(images, y.numpy().astype(np.int64), list(self.classes), meta)

    def perturb(self, images: ImageSet, gamma: float, seed: int, *, guidance: float | None = None) -> ImageSet:
        """The SDEdit probe: noise real images to strength ``gamma`` and denoise them with their labels.

        ``gamma = 0`` returns the images unchanged; ``gamma = 1`` starts from (all but)
        pure noise, i.e. plain generation of the same labels. In between, the result keeps
        the image's layout and takes on the generator's texture and artefacts. The number of
        DDIM steps is ``ceil(gamma * config.ddim_steps)``.

        Args:
            images: real labelled images of this generator's image shape; their class names
                must be among the generator's (order may differ; labels are matched by name).
            gamma: noise strength in [0, 1] (the starting timestep is ``gamma * (T - 1)``).
            seed: the noise seed.
            guidance: classifier-free guidance scale (default ``config.guidance``).

        Returns:
            An ImageSet with the same labels and classes, images in [0, 1].

        Example:
            >>> gen.perturb(pool.subset(np.arange(10)), gamma=0.3, seed=0).images.shape  # doctest: +SKIP
            (10, 1, 8, 8)
        """
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0.0 <= float(gamma) <= 1.0:
            raise UserInputError(f"gamma must be a number in [0, 1], found {gamma!r}", key="gamma")
        y = self._own_labels(images, "images to perturb")
        _check_guidance(guidance)
        meta = {**images.meta, "perturbed_by": "pool-diffusion", "gamma": float(gamma), "seed": seed,
                "pool_fingerprint": self.pool_fingerprint}  # fmt: skip
        if gamma == 0:
            return ImageSet(images.images.astype(np.float32, copy=True), images.labels.copy(), list(images.classes), meta)
        t0 = int(round(float(gamma) * (self.config.timesteps - 1)))
        steps = max(1, math.ceil(float(gamma) * self.config.ddim_steps))
        ab = float(self._alpha_bar[t0])
        gen = torch.Generator().manual_seed(int(seed))
        x0 = torch.from_numpy(np.ascontiguousarray(images.images, np.float32)) * 2 - 1
        out = []
        for start in range(0, len(y), self.config.sample_batch):
            xb = x0[start : start + self.config.sample_batch]
            noise = torch.randn(xb.shape, generator=gen)
            xt = math.sqrt(ab) * xb + math.sqrt(1 - ab) * noise
            out.append(self._denoise(xt, y[start : start + len(xb)], t0, steps, "ddim", guidance, gen))
        result = np.concatenate(out) if out else np.zeros((0, *self.image_shape), np.float32)
        return ImageSet(result, images.labels.copy(), list(images.classes), meta)

    @torch.no_grad()
    def _denoise(
        self, x: torch.Tensor, y: torch.Tensor, t_start: int, steps: int, sampler: str, guidance: float | None, gen: torch.Generator
    ) -> np.ndarray:
        """Run the sampler from ``x`` at ``t_start`` to t = 0; DDPM is DDIM with eta = 1."""
        w = self.config.guidance if guidance is None else float(guidance)
        eta = 1.0 if sampler == "ddpm" else 0.0
        ab_all = self._alpha_bar
        grid = _timestep_grid(t_start, steps)
        for i, t in enumerate(grid):
            ab = float(ab_all[t])
            ab_prev = float(ab_all[grid[i + 1]]) if i + 1 < len(grid) else 1.0
            pred = self._guided(x, t, y, w)
            if self.config.prediction == "v":
                x0 = math.sqrt(ab) * x - math.sqrt(1 - ab) * pred
            else:
                x0 = (x - math.sqrt(1 - ab) * pred) / math.sqrt(ab)
            # Clipping x0 to the data range keeps small models from drifting off it.
            x0 = x0.clamp(-1, 1)
            eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
            sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
            x = math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps
            if sigma > 0:
                x = x + sigma * torch.randn(x.shape, generator=gen)
        return _to_unit(x)

    def _guided(self, x: torch.Tensor, t: int, y: torch.Tensor, w: float) -> torch.Tensor:
        """Classifier-free guided prediction: uncond + w * (cond - uncond); one pass when w is 0 or 1."""
        n = len(x)
        x = x.contiguous(memory_format=torch.channels_last)
        tt = torch.full((n,), t * 1000.0 / self.config.timesteps)
        null = torch.full_like(y, len(self.classes))
        if w == 1.0:
            return self.model(x, tt, y)
        if w == 0.0:
            return self.model(x, tt, null)
        both = self.model(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([y, null]))
        cond, uncond = both[:n], both[n:]
        return uncond + w * (cond - uncond)

    def _labels(self, labels: Sequence[int] | np.ndarray | None, n_per_class: int | None) -> torch.Tensor:
        """Validated class indices from exactly one of ``labels`` and ``n_per_class``."""
        if (labels is None) == (n_per_class is None):
            raise UserInputError("give exactly one of labels and n_per_class", key="labels")
        if n_per_class is not None:
            if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)) or n_per_class < 0:
                raise UserInputError(f"n_per_class must be a non-negative integer, found {n_per_class!r}", key="n_per_class")
            return torch.arange(len(self.classes)).repeat_interleave(int(n_per_class))
        arr = np.asarray(labels)
        if arr.size and (arr.ndim != 1 or arr.dtype.kind not in "iu"):
            raise UserInputError(f"labels must be a 1-D sequence of integers, found dtype {arr.dtype} shape {arr.shape}", key="labels")
        arr = arr.astype(np.int64).reshape(-1)
        if arr.size and (arr.min() < 0 or arr.max() >= len(self.classes)):
            raise UserInputError(
                f"labels run {arr.min()}..{arr.max()} but the generator knows {len(self.classes)} classes {self.classes}",
                key="labels",
            )
        return torch.from_numpy(arr)

    def _own_labels(self, images: ImageSet, what: str) -> torch.Tensor:
        """``images``' labels as indices into the generator's classes (matched by name); checks the shape."""
        unknown = [c for c in images.classes if c not in self.classes]
        if unknown:
            raise UserInputError(
                f"{what} have classes {unknown} that the generator was not trained on (its classes: {self.classes})",
                key="classes",
            )
        if tuple(images.shape) != self.image_shape:
            raise UserInputError(f"{what} have shape {images.shape}; the generator makes {self.image_shape}", key="images")
        lookup = np.array([self.classes.index(c) for c in images.classes], np.int64)
        return torch.from_numpy(lookup[np.asarray(images.labels, np.int64)])

    # ------------------------------------------------------------------ files

    def save(self, path: str | Path) -> Path:
        """Write the generator (EMA weights, config, classes, pool fingerprint) atomically.

        Args:
            path: the checkpoint file to write (conventionally ``*.pt``).

        Returns:
            The path written.

        Example:
            >>> gen.save("generator.pt")  # doctest: +SKIP
            PosixPath('generator.pt')
        """
        payload = {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "config": self.config.model_dump(),
            "classes": list(self.classes),
            "image_shape": list(self.image_shape),
            "pool_fingerprint": self.pool_fingerprint,
            "seed": int(self.seed),
            "torch_version": str(torch.__version__),
            "info": {k: v for k, v in self.info.items() if isinstance(v, (int, float, str, bool))},
            "state_dict": self.model.state_dict(),
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        os.close(fd)
        try:
            torch.save(payload, tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | Path, expected_pool_fingerprint: str | None = None) -> "DiffusionGenerator":
        """Read a generator written by ``save``.

        Args:
            path: the checkpoint file.
            expected_pool_fingerprint: if given, the fingerprint of the pool the study uses;
                a checkpoint trained on another pool is refused (its samples would not
                measure what the retrieval baseline is compared with).

        Returns:
            The generator, ready to sample.

        Raises:
            UserInputError: the file is missing, is not a synreal diffusion checkpoint, or
                was trained on another pool (both fingerprints are named). The file is
                never modified.

        Example:
            >>> gen = DiffusionGenerator.load("generator.pt", expected_pool_fingerprint=pool.fingerprint())  # doctest: +SKIP
        """
        path = Path(path)
        if not path.is_file():
            raise UserInputError(f"no such checkpoint file: {path}", file=path)
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except (pickle.UnpicklingError, zipfile.BadZipFile, RuntimeError, EOFError, OSError, ValueError) as exc:
            raise UserInputError(
                f"not a synreal diffusion checkpoint (torch cannot read it: {str(exc).splitlines()[0][:200]})", file=path
            ) from None
        if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
            found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
            raise UserInputError(f"not a synreal diffusion checkpoint (format {found!r}, expected {CHECKPOINT_FORMAT!r})", file=path)
        if payload.get("version") != CHECKPOINT_VERSION:
            raise UserInputError(
                f"checkpoint format version {payload.get('version')!r}; this synreal reads version {CHECKPOINT_VERSION}",
                file=path,
                hint="retrain the generator with this version",
            )
        if expected_pool_fingerprint is not None and payload["pool_fingerprint"] != expected_pool_fingerprint:
            raise UserInputError(
                f"the generator was trained on pool {payload['pool_fingerprint']} but this study's pool is "
                f"{expected_pool_fingerprint}",
                file=path,
                hint="train it on this pool (train_diffusion) or point the study at the pool it was trained on",
            )
        try:
            config = DiffusionConfig.model_validate(payload["config"])
            shape = tuple(int(v) for v in payload["image_shape"])
            model = _build_model(config, shape, len(payload["classes"]))
            model.load_state_dict(payload["state_dict"])
        except (KeyError, ValueError, RuntimeError) as exc:
            raise UserInputError(f"damaged synreal diffusion checkpoint: {str(exc).splitlines()[0][:200]}", file=path) from None
        info = {**payload.get("info", {}), "loaded_from": str(path)}
        return cls(model, config, payload["classes"], shape, payload["pool_fingerprint"], payload["seed"], info)


def _check_guidance(guidance: float | None) -> None:
    """A UserInputError unless ``guidance`` is None or a finite number >= 0."""
    if guidance is None:
        return
    if isinstance(guidance, bool) or not isinstance(guidance, (int, float)) or not 0 <= float(guidance) < math.inf:
        raise UserInputError(f"guidance must be a number >= 0 (1 = no guidance), found {guidance!r}", key="guidance")


def _build_model(config: DiffusionConfig, shape: tuple[int, int, int], n_classes: int) -> UNet:
    """The U-Net for ``config`` and images of ``shape``."""
    return UNet(shape, n_classes, channels=config.channels, blocks=config.blocks, attention=config.attention)


def _check_pool(pool: ImageSet) -> None:
    """A UserInputError unless ``pool`` can train a generator."""
    if len(pool) == 0:
        raise UserInputError("the pool holds no images; a generator needs some to train on", key="pool")
    if len(pool.classes) == 0:
        raise UserInputError("the pool has no classes; the generator is conditioned on class labels", key="pool.classes")
    labels = np.asarray(pool.labels)
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= len(pool.classes):
        raise UserInputError(
            f"pool labels must index its {len(pool.classes)} classes (0..{len(pool.classes) - 1}); "
            f"found {labels.min()}..{labels.max()} (unlabelled pool images (-1) cannot condition a generator)",
            key="pool.labels",
        )
    lo, hi = float(pool.images.min()), float(pool.images.max())
    if lo < -1e-6 or hi > 1 + 1e-6 or not (np.isfinite(lo) and np.isfinite(hi)):
        raise UserInputError(f"pool pixel values span {lo:.3g}..{hi:.3g}; expected [0, 1]", key="pool.images")


SAMPLING_KNOBS = frozenset({"guidance", "sampler", "ddim_steps", "ddpm_steps", "sample_batch"})
"""Config fields that change how a trained model samples, not its weights (left out of the cache key)."""


def cache_key(pool_fingerprint: str, config: DiffusionConfig, seed: int) -> str:
    """Hash of everything that determines the trained weights (16 hex digits).

    Sampling-only knobs (``SAMPLING_KNOBS``) are left out, so a sweep over guidance or
    sampler steps reuses one trained generator.

    Args:
        pool_fingerprint: ``ImageSet.fingerprint()`` of the training pool.
        config: the generator's knobs.
        seed: the training seed.

    Returns:
        The key used in the cache file name ``diffusion-<key>.pt``.

    Example:
        >>> cache_key("0123456789abcdef", DiffusionConfig(), 0) == cache_key("0123456789abcdef", DiffusionConfig(), 1)
        False
    """
    from synreal import __version__

    blob = json.dumps(
        {
            "pool": pool_fingerprint,
            "config": config.model_dump(exclude=set(SAMPLING_KNOBS)),
            "seed": int(seed),
            "torch": str(torch.__version__),
            "synreal": __version__,
            "format": CHECKPOINT_VERSION,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def train_diffusion(
    pool: ImageSet,
    config: DiffusionConfig | None = None,
    seed: int = 0,
    cache_dir: str | Path | None = None,
    progress: bool = True,
) -> DiffusionGenerator:
    """Train a class-conditional diffusion generator on the pool (or reuse a cached one).

    Each update draws ``batch_size`` pool images with replacement, a timestep and noise per
    image, and replaces a ``label_drop`` fraction of labels with "no label". AdamW with a
    short warm-up and cosine decay; the EMA of the weights is what samples.

    Args:
        pool: labelled real images (float32 (N, C, H, W) in [0, 1]); its labels condition.
        config: the knobs (default ``DiffusionConfig()``).
        seed: fixes the initial weights and every random draw; same pool, config and seed
            give identical weights (on one thread).
        cache_dir: if given, the trained generator is saved there as
            ``diffusion-<key>.pt`` (key: pool fingerprint, the config's training knobs, seed,
            torch and synreal versions) and reused on the next call; the log says so.
        progress: show a progress bar on stderr.

    Returns:
        The trained ``DiffusionGenerator``; ``info`` says whether it was reused.

    Example:
        >>> from synreal.data.datasets import load_digits_set
        >>> pool = load_digits_set().subset(np.arange(100))
        >>> gen = train_diffusion(pool, DiffusionConfig(train_steps=2, channels=8), seed=0, progress=False)
        >>> gen.sample(n_per_class=1, seed=0).images.shape
        (10, 1, 8, 8)
    """
    config = config or DiffusionConfig()
    _check_pool(pool)
    fingerprint = pool.fingerprint()
    cache_path = None
    if cache_dir is not None:
        cache_path = Path(cache_dir) / f"diffusion-{cache_key(fingerprint, config, seed)}.pt"
        if cache_path.is_file():
            gen = DiffusionGenerator.load(cache_path, expected_pool_fingerprint=fingerprint)
            gen.config = config  # same weights (the key says so); this call's sampling knobs apply
            note = f"reusing the cached diffusion generator {cache_path} (same pool {fingerprint}, config, seed {seed}, torch)"
            log.info(note)
            gen.info.update(reused=True, cache_path=str(cache_path), note=note)
            return gen

    model, stats = _train(pool, config, seed, progress)
    note = (f"trained the diffusion generator on pool {fingerprint} ({len(pool)} images): {config.train_steps} steps "
            f"in {stats['train_seconds']:.1f} s")  # fmt: skip
    info = {**stats, "reused": False, "note": note}
    gen = DiffusionGenerator(model, config, list(pool.classes), pool.shape, fingerprint, seed, info)
    if cache_path is not None:
        gen.save(cache_path)
        gen.info["cache_path"] = str(cache_path)
        note += f"; cached as {cache_path}"
        gen.info["note"] = note
    log.info(note)
    return gen


def _train(pool: ImageSet, config: DiffusionConfig, seed: int, progress: bool) -> tuple[UNet, dict[str, float]]:
    """The training loop; returns the EMA model and timing statistics."""
    t_start = time.perf_counter()
    # Initial weights come from the global RNG inside nn layers; fork it so the caller's state is untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        model = _build_model(config, pool.shape, len(pool.classes))
        ema = _build_model(config, pool.shape, len(pool.classes))
    ema.load_state_dict(model.state_dict())
    ema.eval().requires_grad_(False)
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + 29)

    x_all = torch.from_numpy(np.ascontiguousarray(pool.images, np.float32)) * 2 - 1
    y_all = torch.from_numpy(np.asarray(pool.labels, np.int64))
    ab = cosine_alpha_bar(config.timesteps).float()
    null = len(pool.classes)
    steps, bs, T = config.train_steps, config.batch_size, config.timesteps
    warmup = min(100, max(1, steps // 10))

    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    model.train()
    ema_params = list(ema.parameters())
    model_params = list(model.parameters())
    loss_sum, loss_n = 0.0, 0
    bar, task = _progress_bar(progress, steps)
    try:
        for step in range(steps):
            idx = torch.randint(len(x_all), (bs,), generator=gen)
            x0, y = x_all[idx], y_all[idx]
            t = torch.randint(T, (bs,), generator=gen)
            noise = torch.randn(x0.shape, generator=gen)
            drop = torch.rand(bs, generator=gen) < config.label_drop
            y = torch.where(drop, torch.full_like(y, null), y)
            a = ab[t].sqrt()[:, None, None, None]
            s = (1 - ab[t]).sqrt()[:, None, None, None]
            xt = a * x0 + s * noise
            target = a * noise - s * x0 if config.prediction == "v" else noise
            loss = F.mse_loss(model(xt, t.float() * (1000.0 / T), y), target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            # EMA warm-up: early on the average follows the weights closely, so short runs still sample well.
            decay = min(config.ema_decay, (1 + step) / (10 + step))
            with torch.no_grad():
                for e, p in zip(ema_params, model_params):
                    e.lerp_(p, 1 - decay)
            if step >= steps - max(1, steps // 10):
                loss_sum += loss.item()
                loss_n += 1
            if bar is not None:
                bar.update(task, advance=1, description=f"training diffusion (loss {loss.item():.3f})")
    finally:
        if bar is not None:
            bar.stop()
    seconds = time.perf_counter() - t_start
    return ema, {"train_seconds": seconds, "steps_per_second": steps / seconds, "final_loss": loss_sum / max(1, loss_n)}


def _progress_bar(progress: bool, total: int) -> tuple[Any, Any]:
    """A started rich progress bar on stderr and its task, or (None, None)."""
    if not progress:
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True,
    )  # fmt: skip
    bar.start()
    return bar, bar.add_task("training diffusion", total=total)


@SOURCES.register("pool-diffusion", doc="class-conditional diffusion model trained on the upstream pool (DDIM/DDPM, CFG)")
class PoolDiffusion(SyntheticSource):
    """The pool-trained diffusion generator as a synthetic source.

    Unlike other sources it must see the pool first: construct with the knobs, call
    ``fit(pool, seed, cache_dir)``, then ``generate``. ``perturb`` is the SDEdit probe.

    Args:
        config: a ``DiffusionConfig``.

    Example:
        >>> from synreal.data.datasets import load_digits_set
        >>> pool = load_digits_set().subset(np.arange(100))
        >>> src = PoolDiffusion(DiffusionConfig(train_steps=2, channels=8)).fit(pool, seed=0, progress=False)
        >>> s = src.generate(25, seed=1, classes=pool.classes)
        >>> len(s), np.bincount(s.labels).tolist()
        (25, [3, 3, 3, 3, 3, 2, 2, 2, 2, 2])
    """

    Config = DiffusionConfig
    needs_pool = True

    def __init__(self, config: DiffusionConfig) -> None:
        self.config = config
        self.generator: DiffusionGenerator | None = None

    def fit(self, pool: ImageSet, seed: int = 0, cache_dir: str | Path | None = None, progress: bool = False) -> "PoolDiffusion":
        """Train (or reuse from ``cache_dir``) the generator on ``pool``; returns ``self``."""
        self.generator = train_diffusion(pool, self.config, seed, cache_dir=cache_dir, progress=progress)
        return self

    def _fitted(self) -> DiffusionGenerator:
        """The trained generator; calling before ``fit`` is a bug in the caller."""
        if self.generator is None:
            raise RuntimeError("PoolDiffusion.fit(pool, seed) must be called before generate/perturb")
        return self.generator

    def generate(self, n: int, seed: int, classes: list[str]) -> ImageSet:
        """``n`` images balanced over ``classes`` (the first ``n % k`` classes get one more).

        Args:
            n: number of images.
            seed: the sampling seed.
            classes: the study's class names; each must be one of the pool's classes.

        Returns:
            An ImageSet whose labels index ``classes``.
        """
        gen = self._fitted()
        missing = [c for c in classes if c not in gen.classes]
        if missing:
            raise UserInputError(f"the generator was trained on classes {gen.classes} and cannot make {missing}", key="classes")
        k = len(classes)
        counts = [n // k + (1 if i < n % k else 0) for i in range(k)]
        own = np.repeat([gen.classes.index(c) for c in classes], counts)
        s = gen.sample(own, seed=seed)
        return ImageSet(s.images, np.repeat(np.arange(k), counts).astype(np.int64), list(classes), s.meta)

    def perturb(self, images: ImageSet, gamma: float, seed: int) -> ImageSet:
        """The SDEdit probe on ``images`` (see ``DiffusionGenerator.perturb``)."""
        return self._fitted().perturb(images, gamma, seed)
