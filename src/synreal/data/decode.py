"""The one image-file decoder: headers, target shape, decode and convert, in a bounded loop.

Datasets (ImageFolder), synthetic folders and retrieval pools all read image files here.
``scan_images`` reads headers only (mode and size; cheap), ``target_shape`` decides the
shape every image is brought to, and ``decode_images`` decodes each file and converts it
with ``synreal.data.convert`` into a preallocated array: in memory, or a memory-mapped
cache file (``synreal.data.cache``), so a folder larger than memory never has to fit.
An unreadable file is a ``UserInputError`` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synreal.data.convert import DEFAULT_POLICY, ConversionPolicy, InputShape, check_convertible, convert
from synreal.errors import UserInputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
# PIL modes decoded as one grey channel (alpha dropped); everything else becomes RGB
GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
# modes whose values are 8-bit, so that an unresized image is stored exactly as uint8
_EIGHT_BIT = {"1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr"}
# images decoded before a batch is converted: amortises torch's per-call cost
_BATCH = 256

Where = Callable[[int], dict[str, Any]]
"""index -> keyword arguments of UserInputError (file, line, key) locating that image."""


def _default_where(paths: Sequence[Path]) -> Where:
    return lambda i: {"file": str(paths[i])}


def _open_error(path: Path, exc: Exception, where: dict[str, Any]) -> UserInputError:
    return UserInputError(f"cannot read image {path}: {exc}", **where)


def scan_images(paths: Sequence[Path], *, where: Where | None = None) -> list[tuple[str, tuple[int, int]]]:
    """(PIL mode, (width, height)) of each file, from its header alone.

    Example:
        >>> scan_images([Path("a.png")])  # doctest: +SKIP
        [('L', (16, 16))]
    """
    from PIL import Image, UnidentifiedImageError

    where = where or _default_where(paths)
    out = []
    for i, p in enumerate(paths):
        try:
            with Image.open(p) as im:
                out.append((im.mode, im.size))
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise _open_error(Path(p), exc, where(i)) from None
    return out


def target_shape(
    headers: Sequence[tuple[str, tuple[int, int]]],
    *,
    image_size: int | tuple[int, int] | None,
    channels: int | None,
    what: str,
    file: str | None = None,
    key: str | None = None,
) -> InputShape:
    """The shape every image is converted to.

    Args:
        headers: ``scan_images`` output.
        image_size: side (or (height, width)) to resize to; None keeps the images' own
            size, which must then be the same for all.
        channels: 1 or 3; None takes 1 when every image is grey, else 3.
        what: the set in words, for messages.
        file, key: where the setting came from.

    Example:
        >>> target_shape([("L", (8, 6)), ("RGB", (8, 6))], image_size=None, channels=None, what="x")
        InputShape(channels=3, height=6, width=8)
    """
    if channels is None:
        channels = 1 if all(mode in GREY_MODES for mode, _ in headers) else 3
    if channels not in (1, 3):
        raise UserInputError(f"channels must be 1 (grey) or 3 (RGB), found {channels}", file=file, key=key)
    if image_size is not None:
        h, w = (image_size, image_size) if isinstance(image_size, (int, np.integer)) else image_size
        return InputShape(channels, int(h), int(w))
    sizes = sorted({size for _, size in headers})
    if len(sizes) > 1:
        raise UserInputError(
            f"images in {what} have {len(sizes)} different sizes (e.g. {sizes[:3]}); set image_size to resize",
            file=file,
            key=key,
        )
    w, h = sizes[0]
    return InputShape(channels, h, w)


def read_image(path: Path) -> np.ndarray:
    """One file as an array (C, H, W): uint8 for 8-bit images, uint16 or float32 otherwise.

    Alpha is dropped; palette and other colour modes become RGB.

    Example:
        >>> read_image(Path("a.png")).shape  # doctest: +SKIP
        (1, 16, 16)
    """
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        mode = im.mode
        if mode in ("1", "LA"):
            im = im.convert("L")
        elif mode.startswith("I;16"):
            a = np.asarray(im).astype(np.uint16)
            return a[None]
        elif mode == "I":
            # 32-bit integer PNGs are 16-bit data widened by PIL
            return np.asarray(im).clip(0, 65535).astype(np.uint16)[None]
        elif mode == "F":
            return np.asarray(im, dtype=np.float32)[None]
        elif mode not in ("L", "RGB"):
            im = im.convert("RGB")
        a = np.asarray(im)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def exact_as_uint8(headers: Sequence[tuple[str, tuple[int, int]]], target: InputShape) -> bool:
    """True when every image reaches ``target`` without arithmetic (8-bit, same size, no luma)."""
    for mode, (w, h) in headers:
        if mode not in _EIGHT_BIT or (h, w) != (target.height, target.width):
            return False
        if mode not in GREY_MODES and target.channels == 1:
            return False
    return True


def _unit(raw: np.ndarray, path: Path, where: dict[str, Any]) -> np.ndarray:
    """Decoded values as float32 in [0, 1]."""
    if raw.dtype == np.uint8:
        return raw.astype(np.float32) / 255.0
    if raw.dtype == np.uint16:
        return raw.astype(np.float32) / 65535.0
    if not np.isfinite(raw).all() or raw.min() < 0 or raw.max() > 1:
        raise UserInputError(f"image {path} holds float pixels outside [0, 1] (or NaN)", **where)
    return raw.astype(np.float32)


def decode_images(
    paths: Sequence[Path],
    target: InputShape,
    policy: ConversionPolicy | None = None,
    *,
    out: np.ndarray | None = None,
    where: Where | None = None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Decode files and convert each to ``target``; memory holds one batch at a time.

    Args:
        paths: image files.
        target: (C, H, W) every image is converted to (``target_shape``).
        policy: resize and colour rules (default ``ConversionPolicy()``).
        out: array (len(paths), *target) to fill: float32 (values in [0, 1]) or uint8
            (raw 8-bit values; only when ``exact_as_uint8`` holds). Default: a new float32 array.
        where: index -> location of that image for error messages (default: its path).
        progress: called with the number of images finished after each batch.

    Returns:
        ``out`` (or the new array).

    Raises:
        UserInputError: a file that does not decode, naming it.

    Example:
        >>> decode_images([Path("a.png")], InputShape(1, 8, 8)).shape  # doctest: +SKIP
        (1, 1, 8, 8)
    """
    from PIL import UnidentifiedImageError

    policy = policy or DEFAULT_POLICY
    where = where or _default_where(paths)
    n = len(paths)
    result = out if out is not None else np.empty((n, *target), np.float32)
    if result.shape != (n, *target):
        raise ValueError(f"out has shape {result.shape}, expected {(n, *target)}")
    raw_out = result.dtype == np.uint8
    pending: dict[tuple[int, int, int], tuple[list[int], list[np.ndarray]]] = {}

    def flush(shape: tuple[int, int, int]) -> None:
        idx, arrays = pending.pop(shape)
        src = InputShape(*shape)
        check_convertible(src, target, policy, what_src=f"image {paths[idx[0]]}", what_dst="the target shape")
        result[idx] = convert(np.stack(arrays), target, policy)

    for i, p in enumerate(paths):
        try:
            raw = read_image(Path(p))
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise _open_error(Path(p), exc, where(i)) from None
        if raw_out:
            if raw.dtype != np.uint8 or raw.shape[1:] != target[1:]:
                raise ValueError(f"{p} is not exactly representable as uint8 {target}; use a float32 out")
            if raw.shape[0] == 3 and target.channels == 1:
                raise ValueError(f"{p} needs a luminance conversion; use a float32 out")
            result[i] = raw if raw.shape[0] == target.channels else np.repeat(raw, target.channels, axis=0)
        else:
            img = _unit(raw, Path(p), where(i))
            if img.shape == tuple(target):
                result[i] = img
            else:
                idx, arrays = pending.setdefault(img.shape, ([], []))
                idx.append(i)
                arrays.append(img)
                if len(idx) >= _BATCH:
                    flush(img.shape)
        if progress is not None and (i + 1) % _BATCH == 0:
            progress(i + 1)
    for shape in list(pending):
        flush(shape)
    if progress is not None:
        progress(n)
    return result
