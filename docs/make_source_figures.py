"""Make the figure of docs/sources.md: real digits beside digits rendered by ``render-digits``.

Draws ten real digits per class (scikit-learn's digits), ten rendered with the default
knobs (seed 0) as the 8x8 ink counts a study sees and as the 32x32 bitmaps they were
counted from, and the class means of both. Writes docs/img/sources/render_digits.png.

Run:  .venv/bin/python docs/make_source_figures.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from synreal.data.datasets import load_digits_set  # noqa: E402
from synreal.synth.render_digits import RenderDigitsConfig, render_digits  # noqa: E402

OUT = Path(__file__).resolve().parent / "img" / "sources" / "render_digits.png"
PER_CLASS = 10


def tile(images: np.ndarray, rows: int, cols: int, pad: int = 1) -> np.ndarray:
    """(rows*cols, H, W) images in [0, 1] -> one mosaic with gaps of value 0 (white in gray_r)."""
    h, w = images.shape[1:]
    grid = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad), np.float32)
    for i, img in enumerate(images[: rows * cols]):
        r, c = divmod(i, cols)
        grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = img
    return grid


def per_class(images: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` images of each class 0..9, class by class (row c = class c)."""
    return np.concatenate([images[labels == c][:k] for c in range(10)])


def main() -> None:
    """Render, pick, plot."""
    torch.set_num_threads(1)
    real = load_digits_set()
    real_img = real.images[:, 0]
    counts, labels = render_digits(2000, seed=0, config=RenderDigitsConfig())
    bitmaps, labels32 = render_digits(2000, seed=0, config=RenderDigitsConfig(), reduce=False)
    assert np.array_equal(labels, labels32)  # same seed, same draws: the bitmaps behind the counts

    means = np.concatenate(
        [
            np.stack([real_img[real.labels == c].mean(0) for c in range(10)]),
            np.stack([counts[labels == c].mean(0) / 16 for c in range(10)]),
        ]
    )

    first_two = per_class(bitmaps.astype(np.float32), labels32, 2)  # class c: rows 2c, 2c + 1
    bitmap_rows = np.concatenate([first_two[0::2], first_two[1::2]])  # row 1: first image per class
    fig, axes = plt.subplot_mosaic(
        [["real", "rendered"], ["bitmaps", "bitmaps"], ["means", "means"]],
        figsize=(8.0, 8.4),
        dpi=100,
        gridspec_kw={"height_ratios": [3.9, 1.7, 1.7], "hspace": 0.22, "wspace": 0.06},
    )
    real_grid = tile(per_class(real_img, real.labels, PER_CLASS), 10, PER_CLASS)
    rendered_grid = tile(per_class(counts / 16, labels, PER_CLASS), 10, PER_CLASS)
    panels = [
        (axes["real"], real_grid, "real (scikit-learn digits), 8x8"),
        (axes["rendered"], rendered_grid, "render-digits defaults, 8x8"),
        (
            axes["bitmaps"],
            tile(bitmap_rows, 2, 10, pad=4),
            "the 32x32 bitmaps behind the first two rendered columns (one column per class)",
        ),
        (axes["means"], tile(means, 2, 10), "class means: real (top row), rendered (bottom row; 2,000 images)"),
    ]
    for ax, mosaic, title in panels:
        ax.imshow(mosaic, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, bbox_inches="tight")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
