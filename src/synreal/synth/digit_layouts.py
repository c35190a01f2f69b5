"""``render-digits`` at any resolution: the layouts of the real digit sets, in grey levels.

Each real digit set was made at its own size with its own normalisation, and a synthetic
source should repeat it:

* ``fill`` (scikit-learn's 8x8 digits, USPS 16x16): the digit's ink box is scaled to the
  frame (``box_height`` x at most ``box_width`` of a 32-px frame spanning the whole image)
  and centred. The bitmap is drawn at ``f`` times the target size and the ink of each
  ``f`` x ``f`` block is counted: grey levels are the share of each pixel the stroke
  covers (anti-aliasing by supersampling). With ``f = 4`` at 8x8 this is exactly the 4x4
  block count of the real 8x8 digits, so the 8x8 output is the one ``render-digits`` has
  always produced. USPS digits were scaled to fill the 16x16 box in height (92% of them
  touch the top and the bottom row), which is ``fill`` at 16.
* ``mnist`` (MNIST 28x28, after LeCun et al.): the digit is normalised into a 20x20 box,
  then placed so that its centre of mass (of the grey levels) lies at the image's centre;
  ``shift`` jitters it from there. The frame of the knobs is the 20x20 box.

``auto`` takes ``mnist`` at 28x28 and ``fill`` otherwise. The supersampling factor is 4 up
to 64 px and 2 or 3 above, so a 224-px digit is drawn at 448 px.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from synreal.synth.render_digits import RenderDigitsConfig, digit_labels, render_blocks

Layout = Literal["fill", "mnist"]

MNIST_BOX = 20 / 28
"""MNIST's digits fill a 20x20 box of the 28x28 image."""


def supersample(size: int) -> int:
    """Pixels drawn per output pixel along each axis: 4 up to 64 px, then 2 or 3.

    Example:
        >>> supersample(8), supersample(28), supersample(224)
        (4, 4, 2)
    """
    return max(2, min(4, 256 // size))


def resolve_layout(size: int, layout: str) -> Layout:
    """``mnist`` for ``auto`` at 28 px, ``fill`` for ``auto`` elsewhere, else as given.

    Example:
        >>> resolve_layout(28, "auto"), resolve_layout(16, "auto"), resolve_layout(16, "mnist")
        ('mnist', 'fill', 'mnist')
    """
    if layout == "auto":
        return "mnist" if size == 28 else "fill"
    return layout  # type: ignore[return-value]


def _centre_by_mass(ink, shift_px: np.ndarray):  # noqa: ANN001, ANN202 - torch tensors, imported lazily
    """Move each bitmap (B, S, S) by whole pixels so its centre of mass sits at the centre plus ``shift_px``."""
    import torch

    b, s, _ = ink.shape
    w = ink.float()
    mass = w.sum((1, 2)).clamp_min(1.0)
    pos = torch.arange(s, dtype=torch.float32) + 0.5
    com_y = (w.sum(2) * pos).sum(1) / mass
    com_x = (w.sum(1) * pos).sum(1) / mass
    dy = torch.round(s / 2 + torch.from_numpy(shift_px[:, 1]).float() - com_y).long().tolist()
    dx = torch.round(s / 2 + torch.from_numpy(shift_px[:, 0]).float() - com_x).long().tolist()
    out = torch.zeros_like(ink)
    for i in range(b):
        y0, x0 = max(0, dy[i]), max(0, dx[i])
        ys, xs = max(0, -dy[i]), max(0, -dx[i])
        h, wd = s - abs(dy[i]), s - abs(dx[i])
        if h > 0 and wd > 0:
            out[i, y0 : y0 + h, x0 : x0 + wd] = ink[i, ys : ys + h, xs : xs + wd]
    return out


def render_digit_images(
    n: int,
    seed: int,
    config: RenderDigitsConfig,
    digits: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Grey-level digits at ``config.size`` in ``config.layout``.

    Args:
        n: how many images.
        seed: the only source of randomness.
        config: the knobs, ``size`` and ``layout`` among them.
        digits: which digits to draw, balanced (default 0..9).

    Returns:
        images: float32 (n, size, size) in [0, 1], the share of each pixel that is ink (ink high).
        labels: int64 (n,), the digit drawn in each image.

    Example:
        >>> x, y = render_digit_images(10, 0, RenderDigitsConfig(size=28))
        >>> x.shape, x.dtype.name, float(x.max()) <= 1.0
        ((10, 28, 28), 'float32', True)
    """
    size = config.size
    f = supersample(size)
    canvas = f * size
    labels = digit_labels(n, seed, range(10) if digits is None else digits)
    if resolve_layout(size, config.layout) == "fill":
        counts = render_blocks(labels, seed, config, canvas, f)
    else:
        frame = int(round(canvas * MNIST_BOX))
        # the jitter is applied after centring by mass (which would undo it before)
        still = config.model_copy(update={"shift": (0.0, 0.0)})

        def centre(ink, chunk: int):  # noqa: ANN001, ANN202
            rng = np.random.default_rng([seed, 2, chunk])
            shift_px = rng.uniform(*config.shift, (len(ink), 2)) * frame / 32.0
            return _centre_by_mass(ink, shift_px)

        counts = render_blocks(labels, seed, still, canvas, f, frame=frame, post=centre)
    return counts.astype(np.float32) / float(f * f), labels
