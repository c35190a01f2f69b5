"""The one image embedding synreal computes itself: centred, L2-normalised pixels.

Web-scale pools publish embeddings from large models (CLIP); synreal does not run such
models. For pools without embeddings, and for the embedded digits pool, it uses a fixed,
documented embedding that needs no training: each image is resized to ``size x size``
(area averaging), flattened (channels kept), its mean pixel subtracted, and the vector
divided by its L2 norm. The inner product of two such vectors is the Pearson correlation
of their pixel patterns, in [-1, 1]; a blank image maps to the zero vector.

The embedding is named ``"pixels-<size>"`` (``"pixels-8"`` for 8x8 digits); a pool whose
``meta["embedding"]`` carries such a name can embed new images (exemplars, test images) in
its own space.
"""

from __future__ import annotations

import re

import numpy as np

from synreal.errors import UserInputError

_NAME = re.compile(r"^pixels-(\d+)$")


def pixel_embedding_name(size: int = 8) -> str:
    """The name under which ``pixel_embedding(images, size)`` vectors are recorded."""
    return f"pixels-{size}"


def parse_pixel_embedding(name: str | None) -> int | None:
    """The size of a ``"pixels-<size>"`` name, or None for any other (foreign) embedding."""
    if name is None:
        return None
    m = _NAME.match(name)
    return int(m.group(1)) if m else None


def pixel_embedding(images: np.ndarray, size: int = 8) -> np.ndarray:
    """Embed images as centred, L2-normalised pixel vectors.

    Args:
        images: float array (N, C, H, W) with values in [0, 1].
        size: images are resized to ``size x size`` by area averaging first.

    Returns:
        float32 array (N, C * size * size); rows have unit norm (zero for blank images).

    Example:
        >>> x = np.random.default_rng(0).random((3, 1, 8, 8), dtype=np.float32)
        >>> e = pixel_embedding(x)
        >>> e.shape, bool(np.allclose(np.linalg.norm(e, axis=1), 1))
        ((3, 64), True)
    """
    if images.ndim != 4:
        raise UserInputError(f"expected images shaped (N, C, H, W), found shape {images.shape}")
    if size < 1:
        raise UserInputError(f"pixel embedding size must be positive, found {size}")
    x = np.asarray(images, dtype=np.float32)
    n, c, h, w = x.shape
    if (h, w) != (size, size) and h % size == 0 and w % size == 0:
        x = x.reshape(n, c, size, h // size, size, w // size).mean(axis=(3, 5))
    elif (h, w) != (size, size):
        import torch

        # area averaging is the honest downsampling for a pixel descriptor (no ringing, no aliasing)
        x = torch.nn.functional.interpolate(torch.from_numpy(np.ascontiguousarray(x)), size=(size, size), mode="area").numpy()
    flat = x.reshape(len(x), -1).astype(np.float32, copy=True)
    flat -= flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    np.divide(flat, norms, out=flat, where=norms > 1e-12)
    flat[(norms <= 1e-12)[:, 0]] = 0.0
    return flat
