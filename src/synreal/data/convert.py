"""Input shapes and the one declared path that converts images between them.

Real data, synthetic sources and pools rarely agree on size and colour: MNIST is 1x28x28,
a renderer may draw 1x8x8, a generator 3x64x64, a photo folder 3x224x224. A study fixes one
*target* shape (the real data's) and converts everything else to it under a declared
``ConversionPolicy``, logged in one line per set (``describe``) so that a reader of the
plan sees what happened to each. Conversions that cannot be meaningful (an image into an
embedding, an upsampling the policy forbids) fail early with ``check_convertible``, naming
both sides, instead of as a shape error deep inside torch.

Values: images are float32 in [0, 1]. ``to_unit_range`` brings stored values there (uint8
0..255, uint16 0..65535, floats in [0, max_value]) and rejects NaN, infinities and values
outside the range, naming the first bad image.

Colour: grey to RGB repeats the grey channel; RGB to grey takes the ITU-R BT.601 luma,
``0.299 R + 0.587 G + 0.114 B`` (what PIL's ``convert("L")`` computes).

Resizing: shrinking uses area averaging (each output pixel is the mean of the input
pixels it covers) or antialiased bilinear filtering; enlarging uses bilinear, bicubic or
nearest interpolation, or is forbidden. ``aspect: crop`` first cuts the central region
with the target's aspect ratio; ``stretch`` resizes each axis on its own.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from synreal.errors import UserInputError

LUMA_601 = (0.299, 0.587, 0.114)
"""ITU-R BT.601 weights of R, G, B in grey = luma."""

# images converted per torch call: bounds memory for large images, amortises call overhead
_CHUNK_BYTES = 64 << 20


class InputShape(NamedTuple):
    """The shape of one image: channels, height, width.

    Example:
        >>> s = InputShape(1, 28, 28)
        >>> s == (1, 28, 28), s.kind, str(s)
        (True, 'images', '1x28x28')
    """

    channels: int
    height: int
    width: int

    kind = "images"

    def __str__(self) -> str:
        return f"{self.channels}x{self.height}x{self.width}"


class FeatureShape(NamedTuple):
    """The shape of one feature vector (an embedding): its dimension.

    Example:
        >>> s = FeatureShape(512)
        >>> s == (512,), s.kind, str(s)
        (True, 'features', '512-d features')
    """

    dim: int

    kind = "features"

    def __str__(self) -> str:
        return f"{self.dim}-d features"


Shape = InputShape | FeatureShape


def as_shape(value: Any) -> Shape:
    """An ``InputShape`` from (C, H, W), a ``FeatureShape`` from (D,); a ValueError otherwise.

    Example:
        >>> as_shape([3, 32, 32]), as_shape((512,))
        (InputShape(channels=3, height=32, width=32), FeatureShape(dim=512))
    """
    if isinstance(value, (InputShape, FeatureShape)):
        return value
    t = tuple(int(v) for v in value)
    if len(t) == 3:
        return InputShape(*t)
    if len(t) == 1:
        return FeatureShape(*t)
    raise ValueError(f"a shape is (channels, height, width) or (dim,), got {tuple(value)}")


def shape_of(data: Any) -> Shape:
    """The per-item shape of an ImageSet, a FeatureSet or an array (N, C, H, W) / (N, D).

    Example:
        >>> shape_of(np.zeros((5, 3, 8, 8), np.float32))
        InputShape(channels=3, height=8, width=8)
    """
    if hasattr(data, "kind") and hasattr(data, "shape") and not isinstance(data, np.ndarray):
        return as_shape(data.shape)
    return as_shape(np.shape(data)[1:])


class ConversionPolicy(BaseModel):
    """How images of another shape are brought to the target shape (a spec section).

    Example:
        >>> ConversionPolicy().downsample, ConversionPolicy(upsample="forbid").upsample
        ('area', 'forbid')
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    downsample: Literal["area", "antialias"] = Field(
        "area", description="shrinking: area averaging, or antialiased bilinear filtering"
    )
    upsample: Literal["bilinear", "bicubic", "nearest", "forbid"] = Field(
        "bilinear", description="enlarging: interpolation mode, or forbid (an error names the set)"
    )
    aspect: Literal["stretch", "crop"] = Field(
        "stretch", description="another aspect ratio: resize each axis on its own, or cut the central region first"
    )
    grey_to_rgb: Literal["repeat", "forbid"] = Field("repeat", description="grey into 3 channels: repeat it, or forbid")
    rgb_to_grey: Literal["luminance", "forbid"] = Field(
        "luminance", description="3 channels into grey: ITU-R 601 luma, or forbid"
    )


DEFAULT_POLICY = ConversionPolicy()


# --------------------------------------------------------------------------- values


def to_unit_range(
    values: np.ndarray,
    *,
    max_value: float | None = None,
    first_index: int = 0,
    file: str | None = None,
    key: str | None = None,
) -> np.ndarray:
    """Stored pixel values as float32 in [0, 1], or a UserInputError naming the first bad image.

    Args:
        values: an array whose first axis indexes images: uint8 (full scale 255), uint16
            (65535), bool, or floats (full scale ``max_value``, default 1).
        max_value: the full-scale value; overrides the dtype's.
        first_index: the index of ``values[0]`` in the whole set, for messages.
        file, key: where the values came from, for messages.

    Returns:
        float32 array of the same shape.

    Example:
        >>> to_unit_range(np.array([[0, 255]], np.uint8)).tolist()
        [[0.0, 1.0]]
        >>> to_unit_range(np.array([[0.5], [np.nan]]), first_index=10)
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: image 11 has NaN or infinite pixel values; ...
    """
    a = np.asarray(values)
    if a.dtype.kind not in "biuf":
        raise UserInputError(f"pixel values must be numbers, found dtype {a.dtype}", file=file, key=key)
    if max_value is not None:
        scale = float(max_value)
        if not np.isfinite(scale) or scale <= 0:
            raise UserInputError(f"max_value must be a positive number, found {max_value}", file=file, key=key)
    elif a.dtype == np.uint8:
        scale = 255.0
    elif a.dtype == np.uint16:
        scale = 65535.0
    else:
        scale = 1.0
    if a.dtype.kind == "f":
        flat = a.reshape(len(a), -1) if a.ndim > 1 else a.reshape(-1, 1)
        finite = np.isfinite(flat).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise UserInputError(
                f"image {first_index + i} has NaN or infinite pixel values; expected numbers in [0, {scale:g}]",
                file=file,
                key=key,
            )
    out = a.astype(np.float32) / scale if scale != 1.0 else a.astype(np.float32)
    if out.size:
        flat = out.reshape(len(out), -1) if out.ndim > 1 else out.reshape(-1, 1)
        bad = (flat.min(axis=1) < -1e-6) | (flat.max(axis=1) > 1 + 1e-6)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise UserInputError(
                f"image {first_index + i} has pixel values {flat[i].min() * scale:.4g}..{flat[i].max() * scale:.4g}; "
                f"expected 0..{scale:g} (store uint8 0..255, floats in [0, 1], or give max_value)",
                file=file,
                key=key,
            )
        np.clip(out, 0, 1, out=out)
    return out


def stored_layout(shape: tuple[int, ...], *, file: str | None = None, key: str | None = "images") -> tuple[str, InputShape]:
    """How a stored images array is laid out: ('nhw' | 'nchw' | 'nhwc', per-image (C, H, W)).

    (N, H, W) is grey; a 4-D array is channels-last when its last axis is 1, 3 or 4 and its
    second is not. Channels must be 1 or 3.

    Example:
        >>> stored_layout((10, 32, 32, 3))
        ('nhwc', InputShape(channels=3, height=32, width=32))
    """
    shape = tuple(shape)
    if len(shape) == 3:
        return "nhw", InputShape(1, shape[1], shape[2])
    if len(shape) == 4:
        if shape[-1] in (1, 3, 4) and shape[1] not in (1, 3, 4):
            c, h, w, lay = shape[3], shape[1], shape[2], "nhwc"
        else:
            c, h, w, lay = shape[1], shape[2], shape[3], "nchw"
        if c not in (1, 3):
            raise UserInputError(f"images have {c} channels (shape {shape}); expected 1 (grey) or 3 (RGB)", file=file, key=key)
        return lay, InputShape(c, h, w)
    raise UserInputError(f"images have shape {shape}; expected (N,H,W), (N,C,H,W) or (N,H,W,C)", file=file, key=key)


def to_nchw(a: np.ndarray, layout: str) -> np.ndarray:
    """A stored images array (layout from ``stored_layout``) as (N, C, H, W), a view."""
    if layout == "nhw":
        return a[:, None]
    if layout == "nhwc":
        return a.transpose(0, 3, 1, 2)
    return a


def stored_images(a: np.ndarray, *, max_value: float | None = None, file: str | None = None, key: str | None = "images") -> np.ndarray:
    """A stored images array in any layout and value range as float32 (N, C, H, W) in [0, 1].

    Example:
        >>> stored_images(np.full((2, 4, 4), 16), max_value=16).shape
        (2, 1, 4, 4)
    """
    layout, _ = stored_layout(np.shape(a), file=file, key=key)
    return to_unit_range(to_nchw(np.asarray(a), layout), max_value=max_value, file=file, key=key)


# --------------------------------------------------------------------------- shapes


def _resize_kind(src: InputShape, dst: InputShape) -> str | None:
    """'down', 'up', 'mixed' (one axis each way) or None (same size)."""
    dh, dw = np.sign(dst.height - src.height), np.sign(dst.width - src.width)
    if dh == 0 and dw == 0:
        return None
    if dh <= 0 and dw <= 0:
        return "down"
    if dh >= 0 and dw >= 0:
        return "up"
    return "mixed"


def check_convertible(src: Shape, dst: Shape, policy: ConversionPolicy | None = None, *, what_src: str, what_dst: str) -> None:
    """Raise a UserInputError naming both sides when ``src`` cannot become ``dst`` under ``policy``.

    Args:
        src: the shape of the set to convert.
        dst: the target shape.
        policy: the conversion policy (default: ``ConversionPolicy()``).
        what_src, what_dst: the two sets, in words ("source 'fonts'", "the real data (usps16-train.npz)").

    Example:
        >>> check_convertible(InputShape(1, 8, 8), InputShape(3, 32, 32), what_src="a", what_dst="b")
        >>> check_convertible(InputShape(1, 8, 8), FeatureShape(512), what_src="source 'fonts'", what_dst="the real data")
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: source 'fonts' holds images (1x8x8) but the real data holds features (512-d features); ...
    """
    policy = policy or DEFAULT_POLICY
    src, dst = as_shape(src), as_shape(dst)
    if src.kind != dst.kind:
        raise UserInputError(
            f"{what_src} holds {src.kind} ({src}) but {what_dst} holds {dst.kind} ({dst}); "
            "images and features cannot be converted into each other: give both sides as images, "
            "or compute the same embedding for both"
        )
    if isinstance(src, FeatureShape):
        if src.dim != dst.dim:  # type: ignore[union-attr]
            raise UserInputError(
                f"{what_src} holds {src} but {what_dst} holds {dst}; features of different embeddings cannot be converted"
            )
        return
    assert isinstance(dst, InputShape)
    if src.channels not in (1, 3) or dst.channels not in (1, 3):
        if src.channels != dst.channels:
            raise UserInputError(
                f"{what_src} has {src.channels} channels and {what_dst} {dst.channels}; only 1 (grey) and 3 (RGB) convert"
            )
    elif src.channels == 1 and dst.channels == 3 and policy.grey_to_rgb == "forbid":
        raise UserInputError(f"{what_src} is grey ({src}) but {what_dst} is RGB ({dst}), and the policy forbids grey_to_rgb")
    elif src.channels == 3 and dst.channels == 1 and policy.rgb_to_grey == "forbid":
        raise UserInputError(f"{what_src} is RGB ({src}) but {what_dst} is grey ({dst}), and the policy forbids rgb_to_grey")
    if _resize_kind(src, dst) in ("up", "mixed") and policy.upsample == "forbid":
        raise UserInputError(
            f"{what_src} is {src} but {what_dst} is {dst}: that enlarges the images, and the policy forbids upsampling"
        )


def describe(src: Shape, dst: Shape, policy: ConversionPolicy | None = None, *, name: str | None = None) -> str:
    """One line for the plan log: what converting ``src`` to ``dst`` does.

    Example:
        >>> describe(InputShape(1, 8, 8), InputShape(3, 32, 32), name="fonts")
        'fonts: 1x8x8 -> 3x32x32 (bilinear upsample, grey->RGB repeat)'
        >>> describe(InputShape(3, 64, 64), InputShape(3, 32, 32))
        '3x64x64 -> 3x32x32 (area resize)'
        >>> describe(FeatureShape(512), FeatureShape(512), name="real")
        'real: 512-d features (as is)'
    """
    policy = policy or DEFAULT_POLICY
    src, dst = as_shape(src), as_shape(dst)
    prefix = f"{name}: " if name else ""
    if src == dst:
        return f"{prefix}{src} (as is)"
    steps = []
    if isinstance(src, InputShape) and isinstance(dst, InputShape):
        if policy.aspect == "crop" and src.height * dst.width != src.width * dst.height:
            steps.append("centre crop")
        kind = _resize_kind(src, dst)
        if kind == "down":
            steps.append("area resize" if policy.downsample == "area" else "antialiased resize")
        elif kind == "up":
            steps.append(f"{policy.upsample} upsample")
        elif kind == "mixed":
            steps.append(f"{policy.upsample} resize")
        if src.channels == 1 and dst.channels == 3:
            steps.append("grey->RGB repeat")
        elif src.channels == 3 and dst.channels == 1:
            steps.append("RGB->grey luminance")
    return f"{prefix}{src} -> {dst} ({', '.join(steps) or 'as is'})"


# --------------------------------------------------------------------------- conversion


def _convert_chunk(x: Any, dst: InputShape, policy: ConversionPolicy) -> Any:
    """Convert a float32 torch batch (B, C, H, W) in [0, 1] to ``dst``."""
    import torch
    import torch.nn.functional as F

    c, h, w = x.shape[1:]
    if c == 3 and dst.channels == 1:
        weights = torch.tensor(LUMA_601, dtype=x.dtype).view(1, 3, 1, 1)
        x = (x * weights).sum(1, keepdim=True)
    if policy.aspect == "crop" and h * dst.width != w * dst.height:
        # the largest central region with the target's aspect ratio
        if h * dst.width > w * dst.height:
            ch = max(1, round(w * dst.height / dst.width))
            top = (h - ch) // 2
            x = x[:, :, top : top + ch]
        else:
            cw = max(1, round(h * dst.width / dst.height))
            left = (w - cw) // 2
            x = x[:, :, :, left : left + cw]
        h, w = x.shape[2:]
    if (h, w) != (dst.height, dst.width):
        size = (dst.height, dst.width)
        kind = _resize_kind(InputShape(1, h, w), InputShape(1, *size))
        if kind == "down" and policy.downsample == "area":
            x = F.interpolate(x, size=size, mode="area")
        elif kind == "down":
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
        elif policy.upsample == "nearest":
            x = F.interpolate(x, size=size, mode="nearest-exact")
        else:
            # antialias matters only on an axis that shrinks (the 'mixed' case)
            x = F.interpolate(x, size=size, mode=policy.upsample, align_corners=False, antialias=True)
        x = x.clamp_(0, 1)  # bicubic overshoots
    if x.shape[1] == 1 and dst.channels == 3:
        x = x.expand(-1, 3, -1, -1)
    return x


def convert(
    images: Any,
    target: InputShape | tuple[int, int, int],
    policy: ConversionPolicy | None = None,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Images (N, C, H, W) in [0, 1] converted to ``target`` under ``policy``.

    Works in chunks, so ``images`` may be a memory-mapped array and ``out`` a memory-mapped
    file: memory stays bounded whatever N is. Images already of the target shape are
    returned as they are (as float32), so an unconverted set keeps its exact values.

    Args:
        images: float array (N, C, H, W) with values in [0, 1] (or anything indexable by
            row slices that returns such arrays, e.g. ``MappedImages``).
        target: (C, H, W) to produce; C is 1 or 3 (or the source's own channel count).
        policy: how to resize and change colour (default ``ConversionPolicy()``).
        out: optional float32 array (N, *target) to write into.

    Returns:
        float32 array (N, *target) in [0, 1] (``out`` when given).

    Example:
        >>> x = np.zeros((2, 1, 8, 8), np.float32); x[:, :, :4] = 1
        >>> y = convert(x, (3, 4, 4))
        >>> y.shape, y[0, :, 0, 0].tolist(), float(y[0, 0, 3, 0])
        ((2, 3, 4, 4), [1.0, 1.0, 1.0], 0.0)
    """
    import torch

    policy = policy or DEFAULT_POLICY
    dst = InputShape(*target)
    n = len(images)
    src = InputShape(*images.shape[1:])
    check_convertible(src, dst, policy, what_src="the images", what_dst="the target")
    if src == dst and out is None:
        return np.asarray(images, dtype=np.float32)
    result = out if out is not None else np.empty((n, *dst), np.float32)
    if result.shape != (n, *dst):
        raise ValueError(f"out has shape {result.shape}, expected {(n, *dst)}")
    per_image = 4 * max(src.channels * src.height * src.width, dst.channels * dst.height * dst.width)
    step = max(1, _CHUNK_BYTES // (4 * per_image))
    with torch.no_grad():
        for start in range(0, n, step):
            chunk = np.ascontiguousarray(images[start : start + step], dtype=np.float32)
            if src == dst:
                result[start : start + len(chunk)] = chunk
                continue
            y = _convert_chunk(torch.from_numpy(chunk), dst, policy)
            result[start : start + len(chunk)] = y.numpy()
    return result


def convert_set(data: Any, target: Shape, policy: ConversionPolicy | None = None, *, what: str = "the data",
                what_target: str = "the real data") -> Any:
    """An ImageSet converted to ``target`` (same labels, classes, meta); a FeatureSet checked and returned.

    Args:
        data: an ``ImageSet`` or ``FeatureSet``.
        target: the shape to produce (the real data's).
        policy: the conversion policy.
        what, what_target: the two sides in words, for the error message.

    Returns:
        The set itself when it already has the target shape, else a converted copy whose
        ``meta['converted']`` holds the ``describe`` line.

    Example:
        >>> from synreal.data.base import ImageSet
        >>> s = ImageSet(np.ones((2, 1, 8, 8), np.float32), np.array([0, 1]), ["a", "b"])
        >>> t = convert_set(s, InputShape(3, 16, 16))
        >>> t.shape, t.meta["converted"]
        ((3, 16, 16), '1x8x8 -> 3x16x16 (bilinear upsample, grey->RGB repeat)')
    """
    from synreal.data.base import ImageSet

    src = shape_of(data)
    target = as_shape(target)
    check_convertible(src, target, policy, what_src=what, what_dst=what_target)
    if src == target:
        return data
    images = convert(data.images, target, policy)  # type: ignore[arg-type]
    meta = dict(data.meta) | {"converted": describe(src, target, policy)}
    return ImageSet(images, data.labels, list(data.classes), meta)
