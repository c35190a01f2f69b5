"""Make the figure of docs/generators.md: pool-diffusion samples and the SDEdit probe.

Trains the default generator on the demo pool (the default study's held-apart 40% of the
real digits, split seed 0), then draws ten samples per class and perturbs six pool digits
at increasing gamma. Writes docs/img/generators/diffusion_samples.png.

Run:  .venv/bin/python docs/make_generator_figures.py [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from synreal.data.datasets import load_digits_set  # noqa: E402
from synreal.data.splits import make_split  # noqa: E402
from synreal.synth.diffusion import DiffusionConfig, train_diffusion  # noqa: E402

OUT = Path(__file__).resolve().parent / "img" / "generators" / "diffusion_samples.png"
GAMMAS = (0.0, 0.25, 0.5, 0.75, 1.0)


def tile(images: np.ndarray, rows: int, cols: int, pad: int = 1) -> np.ndarray:
    """(rows*cols, 1, H, W) images in [0, 1] -> one padded grayscale mosaic."""
    h, w = images.shape[2:]
    grid = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad), np.float32)  # white gaps
    for i, img in enumerate(images[: rows * cols]):
        r, c = divmod(i, cols)
        grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = img[0]
    return grid


def main() -> None:
    """Train (or reuse), sample, perturb, plot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache-dir", default=None, help="reuse a generator trained earlier with the same settings")
    args = ap.parse_args()
    torch.set_num_threads(1)

    digits = load_digits_set()
    split = make_split(digits.labels, test_fraction=0.3, pool_fraction=0.4, seed=0)
    pool = digits.subset(split.pool)
    gen = train_diffusion(pool, DiffusionConfig(), seed=0, cache_dir=args.cache_dir, progress=True)

    samples = gen.sample(n_per_class=10, seed=0)  # class c fills row c
    picks = np.array([np.flatnonzero(pool.labels == c)[0] for c in (0, 2, 3, 4, 7, 8)])
    real = pool.subset(picks)
    columns = [gen.perturb(real, g, seed=0).images for g in GAMMAS]
    sdedit = np.stack(columns, axis=1).reshape(-1, *real.shape)  # row = digit, column = gamma

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.4, 3.4), dpi=100, gridspec_kw={"width_ratios": [10, 5.6]})
    ax1.imshow(tile(samples.images, 10, 10), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax1.set_title("samples, one row per class (DDIM)", fontsize=9)
    ax1.set_yticks([4.5 + 9 * c for c in range(10)], samples.classes, fontsize=7)
    ax1.set_xticks([])
    ax2.imshow(tile(sdedit, len(real), len(GAMMAS)), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax2.set_title("SDEdit probe on pool digits", fontsize=9)
    ax2.set_xticks([4.5 + 9 * i for i in range(len(GAMMAS))], [f"{g:g}" for g in GAMMAS], fontsize=7)
    ax2.set_xlabel("gamma (0 = the real image)", fontsize=8)
    ax2.set_yticks([])
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=100, bbox_inches="tight")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB); {gen.info['note']}")


if __name__ == "__main__":
    main()
