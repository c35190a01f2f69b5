"""The renderer behind the synthetic source ``render-digits`` (``synreal.synth.digits_source``): digits made the way the real ones were.

The real ``digits`` were written by hand, scanned as 32x32 bitmaps after NIST's
normalisation (size to the box, stroke width to a roughly constant amount of ink) and reduced
to 8x8 by counting the ink pixels in each 4x4 block. This source imitates each step:

1. take a digit glyph, from one of matplotlib's vetted fonts (``synreal.synth.fonts``) or,
   for a share ``hand_share`` of the images, from built-in single-stroke handwriting
   templates (allographs fonts lack: open 4, crossed 7, 1 without a base), and turn it into a
   distance field: to its skeleton (``stroke_style: pen``, strokes of one width) or to its
   outline (``font``, the glyph's own shapes thickened or thinned);
2. distort it as a writer would: stretch (``aspect``), ``slant``, ``rotation`` and a smooth
   random elastic displacement (``elastic_alpha``, ``elastic_sigma``);
3. size-normalise it as the real data was: the ink's bounding box is scaled to
   ``box_height`` pixels tall, keeping the aspect ratio but squeezing anything wider than
   ``box_width``, and centred; then jitter it by ``scale`` and ``shift``;
4. draw the stroke at 32x32, either ``stroke_width`` wide or as wide as it takes to ink
   ``ink_fraction`` of the pixels, and count ink per 4x4 block (0..16).

Glyph fields are computed once per process and tiled into one texture atlas; each batch of
images then costs two ``grid_sample`` calls and one small batched matrix product, so
rendering is never the slow part of a study. Randomness comes only from the seed, and the
arrays do not depend on the number of threads.

Other sizes and layouts (USPS-like 16x16, MNIST-like 28x28, grey levels) are in
``synreal.synth.digit_layouts``, which draws through ``render_blocks`` here. This module is
longer than 600 lines because the glyph fields, handwriting templates and the batched
renderer share private tables and constants that are clearer in one place.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from synreal.errors import UserInputError
from synreal.synth.base import SourceConfig
from synreal.synth.fonts import digit_fonts, glyph_bitmap, vet_fonts

if TYPE_CHECKING:
    import torch

# Glyph frame: each glyph's ink box is centred and scaled to height 2 ("glyph units"). Its
# distance field is stored on a _TEX x _TEX texture covering [-_REACH, _REACH]^2, which
# holds the widest glyph plus the thickest stroke; about 18 texels per unit is finer than
# the 16 output pixels per unit at 32x32, so bilinear sampling loses nothing visible.
_TEX = 64
_REACH = 1.75
# glyphs are rasterised this tall (pixels) before thinning; enough to keep thin serifs apart
_GLYPH_PX = 96
# the bounding box after distortion is taken over these many points of the skeleton/outline
# (its convex hull always included, so that affine maps give the exact box)
_MAX_POINTS = 64
# the elastic lattice covers [-_FIELD_REACH, _FIELD_REACH]^2 glyph units around the glyph
_FIELD_REACH = 2.0
# px at 32x32 per glyph unit, nominal (height 2 -> 32 px); converts elastic knobs to units
_PX_PER_UNIT = 16.0
# images per batch: bounds memory (about 40 kB each) without costing speed
_CHUNK = 2048


def _range(low_ok: float | None = None, high_ok: float | None = None, strict_low: bool = False):
    """A validator for a (low, high) pair: ordered and within bounds."""

    def check(v: tuple[float, float] | None, info) -> tuple[float, float] | None:
        if v is None:
            return v
        lo, hi = v
        name = info.field_name
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"{name} must be finite, found {v}")
        if lo > hi:
            raise ValueError(f"{name} is a range [low, high] and needs low <= high, found {list(v)}")
        if low_ok is not None and (lo <= low_ok if strict_low else lo < low_ok):
            raise ValueError(f"{name} must be {'>' if strict_low else '>='} {low_ok}, found {list(v)}")
        if high_ok is not None and hi > high_ok:
            raise ValueError(f"{name} must be <= {high_ok}, found {list(v)}")
        return (float(lo), float(hi))

    return check


class RenderDigitsConfig(SourceConfig):
    """Every knob of ``render-digits``; lengths are in pixels of the 32x32 bitmap."""

    fonts: Literal["all"] | int | tuple[str, ...] = Field(
        "all",
        description='"all" vetted fonts, an integer k (the first k in a fixed order), or a list of font names',
    )
    hand_share: float = Field(
        0.6, ge=0, le=1, description="share of images drawn from the built-in handwriting templates instead of fonts"
    )
    stroke_style: Literal["pen", "font"] = Field(
        "font",
        description="pen: strokes of one width along the glyph's skeleton; font: the font's own outline, thickened",
    )
    ink_fraction: tuple[float, float] | None = Field(
        (0.25, 0.36),
        description="stroke-width normalisation: each image's stroke is thickened or thinned until this "
        "fraction of the 32x32 pixels is ink (uniform range; the real digits: 0.305 +- 0.034); "
        "null draws stroke_width instead",
    )
    stroke_width: tuple[float, float] = Field(
        (3.5, 5.5),
        description="pen width in px at 32x32 (pen), or px added to the outline's thickness (font); uniform range",
    )
    ink_threshold: float = Field(
        0.5, gt=0, lt=1, description="a pixel is ink when the stroke covers this much of it (when ink_fraction is null)"
    )
    slant: tuple[float, float] = Field((-15.0, 10.0), description="slant in degrees, positive leans right; uniform")
    rotation: tuple[float, float] = Field((-8.0, 8.0), description="rotation in degrees, positive turns left; uniform")
    aspect: tuple[float, float] = Field((0.8, 1.3), description="horizontal stretch before normalisation; uniform")
    elastic_alpha: float = Field(3.0, ge=0, le=8, description="elastic distortion: RMS displacement in px (0 = off)")
    elastic_sigma: float = Field(
        12.0, gt=0, le=32, description="elastic distortion: smoothness, px between the random lattice's nodes"
    )
    size: int = Field(
        8, ge=4, le=256, description="output side in px: 8 = the 8x8 ink counts of digits; 16 = USPS-like; 28 = MNIST-like"
    )
    layout: Literal["auto", "fill", "mnist"] = Field(
        "auto",
        description="fill: the ink box scaled to the frame (digits, USPS); mnist: into a 20x20 box, centred by "
        "centre of mass; auto: mnist at 28 px, else fill",
    )
    box_height: float = Field(32.0, gt=4, le=32, description="size normalisation: ink box height in px")
    box_width: float = Field(22.0, gt=4, le=32, description="size normalisation: wider ink boxes are squeezed to this")
    scale: tuple[float, float] = Field((1.0, 1.0), description="size jitter after normalisation (x box); uniform")
    shift: tuple[float, float] = Field((-1.0, 1.0), description="position jitter in px, each axis; uniform range")

    _check_stroke = field_validator("stroke_width")(_range(0.0))
    _check_slant = field_validator("slant")(_range(-60.0, 60.0))
    _check_rotation = field_validator("rotation")(_range(-180.0, 180.0))
    _check_aspect = field_validator("aspect")(_range(0.0, 4.0, strict_low=True))
    _check_scale = field_validator("scale")(_range(0.0, 1.0, strict_low=True))
    _check_shift = field_validator("shift")(_range(-16.0, 16.0))
    _check_ink = field_validator("ink_fraction")(_range(0.02, 0.6, strict_low=True))

    @field_validator("stroke_width", "ink_threshold")
    @classmethod
    def _only_without_ink_fraction(cls, v: object, info) -> object:
        # a knob that silently does nothing would make a study compare identical data
        ink = info.data.get("ink_fraction")
        if ink is not None and v != cls.model_fields[info.field_name].default:
            raise ValueError(
                f"{info.field_name} only applies when ink_fraction is null; ink_fraction {list(ink)} "
                "sets each stroke's width from the ink it must cover"
            )
        return v

    @field_validator("fonts", mode="before")
    @classmethod
    def _one_name(cls, v: object) -> object:
        # a bare name is a list of one; a bool is not a count
        if isinstance(v, bool):
            raise ValueError(f'fonts must be "all", a positive integer or a list of font names, found {v!r}')
        if isinstance(v, str) and v != "all":
            return (v,)
        return v

    @field_validator("fonts")
    @classmethod
    def _check_fonts(cls, v: str | int | tuple[str, ...]) -> str | int | tuple[str, ...]:
        if v == "all":
            return v
        kept = digit_fonts()
        if isinstance(v, int):
            if not 1 <= v <= len(kept):
                raise ValueError(f"fonts as a count must lie in 1..{len(kept)} (the vetted fonts), found {v}")
            return v
        if not v:
            raise ValueError("fonts is an empty list; name at least one font, or use \"all\"")
        dropped = {f.name: f.reason for f in vet_fonts() if not f.kept}
        for name in v:
            if name in dropped:
                raise ValueError(f"font {name!r} was left out because its digits are not digits ({dropped[name]})")
            if name not in kept:
                raise ValueError(f"unknown font {name!r}; expected one of: {', '.join(kept)}")
        if len(set(v)) != len(v):
            raise ValueError(f"fonts lists a font twice: {list(v)}")
        return v

    @model_validator(mode="after")
    def _check_box(self) -> "RenderDigitsConfig":
        if self.box_width > self.box_height * 2:
            raise ValueError(f"box_width ({self.box_width}) must be at most twice box_height ({self.box_height})")
        smallest = self.box_height * self.scale[0]
        if self.stroke_width[1] >= smallest / 2:
            raise ValueError(
                f"stroke_width up to {self.stroke_width[1]} px leaves no room for a digit in a box "
                f"{smallest:.1f} px tall (box_height x scale); keep it below {smallest / 2:.1f}"
            )
        return self

    def font_names(self) -> tuple[str, ...]:
        """The fonts this config renders with, resolved from ``fonts``."""
        if self.fonts == "all":
            return digit_fonts()
        if isinstance(self.fonts, int):
            return digit_fonts()[: self.fonts]
        return self.fonts


# --------------------------------------------------------------------------- glyph fields


def _thin(ink: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a bool image to a one-pixel skeleton."""
    img = np.pad(ink, 1).astype(np.uint8)
    while True:
        changed = False
        for step in (0, 1):
            c = img[1:-1, 1:-1]
            p2, p3, p4 = img[:-2, 1:-1], img[:-2, 2:], img[1:-1, 2:]
            p5, p6, p7 = img[2:, 2:], img[2:, 1:-1], img[2:, :-2]
            p8, p9 = img[1:-1, :-2], img[:-2, :-2]
            ring = (p2, p3, p4, p5, p6, p7, p8, p9)
            count = sum(p.astype(np.int16) for p in ring)
            rises = sum(((ring[i] == 0) & (ring[(i + 1) % 8] == 1)).astype(np.int16) for i in range(8))
            if step == 0:
                side = ((p2 & p4 & p6) == 0) & ((p4 & p6 & p8) == 0)
            else:
                side = ((p2 & p4 & p8) == 0) & ((p2 & p6 & p8) == 0)
            remove = (c == 1) & (count >= 2) & (count <= 6) & (rises == 1) & side
            if remove.any():
                c[remove] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def _hull_and_sample(pts: np.ndarray) -> np.ndarray:
    """The convex hull's vertices plus evenly spaced points, _MAX_POINTS in all (repeats pad)."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = pts[ConvexHull(pts).vertices]
    except QhullError:
        hull = pts[:0]  # collinear points: the even sample below holds both ends
    room = max(_MAX_POINTS - len(hull), 2)
    sample = pts[np.unique(np.linspace(0, len(pts) - 1, room).round().astype(int))]
    out = np.concatenate([hull, sample])[:_MAX_POINTS]
    return np.concatenate([out, np.repeat(out[:1], _MAX_POINTS - len(out), 0)])


HAND = "hand"
"""The pseudo-font name of the built-in handwriting templates (``hand_share`` picks them)."""

# Single-stroke handwriting templates: the allographs that people write and fonts lack (an
# open 4, a crossed 7, a 1 without a base, a 9 with a straight stem). Each digit has one to
# four variants; a variant is a list of strokes; a stroke is a list of control points in a
# unit box (x right, y down) joined by a Catmull-Rom spline.
HAND_TEMPLATES: dict[int, list[list[list[tuple[float, float]]]]] = {
    0: [[[(0.5, 0), (0.1, 0.3), (0.1, 0.7), (0.5, 1), (0.9, 0.7), (0.9, 0.3), (0.5, 0), (0.35, 0.08)]]],
    1: [
        [[(0.55, 0), (0.5, 1)]],
        [[(0.2, 0.25), (0.6, 0), (0.55, 1)]],
        [[(0.2, 0.25), (0.6, 0), (0.6, 1)], [(0.25, 1), (0.95, 1)]],
        [[(0.05, 0.4), (0.6, 0), (0.6, 1)]],
    ],
    2: [
        [[(0.1, 0.25), (0.5, 0), (0.9, 0.25), (0.8, 0.5), (0.05, 1), (0.95, 1)]],
        [[(0.1, 0.2), (0.55, 0), (0.85, 0.3), (0.1, 1), (0.5, 0.85), (0.95, 1)]],
    ],
    3: [
        [[(0.1, 0.1), (0.55, 0), (0.85, 0.22), (0.45, 0.47), (0.9, 0.72), (0.5, 1), (0.1, 0.9)]],
        [[(0.1, 0), (0.9, 0), (0.4, 0.4), (0.9, 0.7), (0.5, 1), (0.1, 0.9)]],
    ],
    4: [
        [[(0.5, 0), (0.05, 0.65), (0.95, 0.65)], [(0.7, 0.3), (0.7, 1)]],
        [[(0.7, 1), (0.7, 0), (0.05, 0.68), (0.95, 0.68)]],
        [[(0.15, 0), (0.1, 0.6), (0.9, 0.6)], [(0.75, 0), (0.75, 1)]],
    ],
    5: [
        [[(0.9, 0), (0.2, 0)], [(0.2, 0), (0.15, 0.45), (0.6, 0.38), (0.9, 0.68), (0.6, 1), (0.1, 0.9)]],
        [[(0.9, 0), (0.2, 0), (0.15, 0.45), (0.6, 0.38), (0.9, 0.68), (0.6, 1), (0.1, 0.9)]],
    ],
    6: [[[(0.8, 0), (0.35, 0.3), (0.12, 0.7), (0.45, 1), (0.85, 0.75), (0.5, 0.5), (0.15, 0.7)]]],
    7: [
        [[(0.05, 0), (0.95, 0), (0.35, 1)]],
        [[(0.05, 0), (0.95, 0), (0.35, 1)], [(0.3, 0.5), (0.85, 0.5)]],
        [[(0.05, 0.15), (0.05, 0), (0.95, 0), (0.45, 1)]],
        [[(0.05, 0), (0.9, 0), (0.6, 0.45), (0.55, 1)], [(0.25, 0.5), (0.9, 0.5)]],
    ],
    8: [
        [[(0.5, 0.48), (0.15, 0.2), (0.5, 0), (0.85, 0.2), (0.5, 0.48), (0.1, 0.75), (0.5, 1), (0.9, 0.75),
          (0.5, 0.48)]],
        [[(0.8, 0.1), (0.5, 0), (0.2, 0.2), (0.8, 0.7), (0.5, 1), (0.2, 0.7), (0.8, 0.25), (0.8, 0.1)]],
    ],
    9: [
        [[(0.85, 0.3), (0.5, 0.5), (0.15, 0.3), (0.5, 0), (0.85, 0.25), (0.85, 0.25), (0.8, 0.75), (0.55, 1)]],
        [[(0.85, 0.3), (0.5, 0.5), (0.15, 0.3), (0.5, 0), (0.85, 0.3), (0.7, 0.8), (0.3, 1)]],
        [[(0.9, 0.02), (0.15, 0), (0.12, 0.45), (0.85, 0.45)], [(0.9, 0.02), (0.85, 1)]],
    ],
}


def _spline(points: list[tuple[float, float]], per_segment: int = 24) -> np.ndarray:
    """A Catmull-Rom curve through the points (ends extrapolated), sampled densely."""
    p = np.asarray(points, np.float64)
    if len(p) == 2:
        return np.linspace(p[0], p[1], per_segment)
    p = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    parts = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        cubic = (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (3 * p1 - p0 - 3 * p2 + p3) * t**3
        parts.append(0.5 * (2 * p1 + (p2 - p0) * t + cubic))
    return np.concatenate(parts + [p[-2:-1]])


@lru_cache(maxsize=64)
def _hand_bitmap(digit: int, variant: int, width: int) -> np.ndarray:
    """A handwriting template drawn _GLYPH_PX tall with a round pen ``width`` pixels wide."""
    from PIL import Image, ImageDraw

    h = _GLYPH_PX
    margin = width + 2
    image = Image.new("L", (int(0.75 * h) + 2 * margin, h + 2 * margin), 0)
    draw = ImageDraw.Draw(image)
    for stroke in HAND_TEMPLATES[digit][variant]:
        xy = _spline(stroke) * [0.75 * (h - 1), h - 1] + margin
        draw.line([tuple(q) for q in xy], fill=255, width=width, joint="curve")
        for x, y in (xy[0], xy[-1]):  # round caps
            draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=255)
    return np.asarray(image) >= 128


@lru_cache(maxsize=2048)
def glyph_field(font: str, digit: int, style: str, variant: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The distance field and key points of one glyph, in glyph units (ink box height 2, centred).

    Args:
        font: a vetted font name, or ``HAND`` for the handwriting templates.
        digit: 0..9.
        style: "pen" (distance to the skeleton) or "font" (signed distance to the outline).
        variant: which of ``HAND_TEMPLATES[digit]`` (hand only).

    Returns:
        field: float32 (_TEX, _TEX) over [-_REACH, _REACH]^2, x to the right, y down.
        points: float32 (_MAX_POINTS, 2) of (x, y) on the skeleton or outline, for boxes.

    Example:
        >>> field, points = glyph_field("DejaVuSans", 1, "pen")
        >>> field.shape, points.shape, bool(field.min() < 0.05)
        ((64, 64), (64, 2), True)
    """
    from scipy import ndimage
    from scipy.spatial import cKDTree

    # rasterise at a size that makes every glyph about _GLYPH_PX tall, so that old-style
    # figures (short) are thinned at the same resolution as lining ones
    if font == HAND:
        # a font's strokes are about a tenth of its height; the pen style thins them anyway
        ink = _hand_bitmap(digit, variant, max(3, _GLYPH_PX // 10))
    else:
        probe = glyph_bitmap(font, digit, _GLYPH_PX)
        rows = np.flatnonzero(probe.any(1))
        size = int(round(_GLYPH_PX * _GLYPH_PX / (rows[-1] - rows[0] + 1)))
        ink = glyph_bitmap(font, digit, min(size, 4 * _GLYPH_PX))
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    unit = (rows[-1] - rows[0] + 1) / 2.0
    cy, cx = (rows[0] + rows[-1]) / 2.0, (cols[0] + cols[-1]) / 2.0
    if style == "pen":
        line = _thin(ink)
    else:
        line = ink & ~ndimage.binary_erosion(ink)
    # the field at the texel centres: distance to the nearest skeleton (or outline) pixel,
    # by a k-d tree over those pixels, much cheaper than a distance transform of the canvas
    centres = -_REACH + (np.arange(_TEX) + 0.5) * (2 * _REACH / _TEX)
    rr, cc = np.meshgrid(cy + centres * unit, cx + centres * unit, indexing="ij")
    dist, _ = cKDTree(np.argwhere(line)).query(np.stack([rr.ravel(), cc.ravel()], 1))
    dist = dist.reshape(_TEX, _TEX)
    if style == "font":
        # the outline lies half a pixel beyond its pixels' centres: signed distance to it
        ri, ci = np.rint(rr).astype(int), np.rint(cc).astype(int)
        ok = (ri >= 0) & (ri < ink.shape[0]) & (ci >= 0) & (ci < ink.shape[1])
        inside = np.zeros_like(ok)
        inside[ok] = ink[ri[ok], ci[ok]]
        dist = np.where(inside, -dist - 0.5, dist - 0.5)
    field = dist / unit
    r, c = np.nonzero(line)
    pts = np.stack([(c - cx) / unit, (r - cy) / unit], 1)
    field = field.astype(np.float32)
    pts = _hull_and_sample(pts).astype(np.float32)
    field.setflags(write=False)  # cached: shared by every caller
    pts.setflags(write=False)
    return field, pts


# glyph fields are tiled into one atlas this many tiles wide, so that a single grid_sample
# reads every image's glyph without copying a texture per image
_ATLAS_COLS = 16
# stroke radii (glyph units) at which each glyph's ink area is tabulated
_INK_RADII = np.linspace(0.0, 0.8, 81)


@lru_cache(maxsize=16)
def _glyph_table(fonts: tuple[str, ...], style: str):
    """Every glyph a config can draw, tiled into one atlas.

    Returns the atlas (1, 1, H, W), points (G, P, 2) and ink curves (G, R), where glyph
    ``font * 10 + digit`` is a font's and the handwriting templates follow: digit d's
    variants start at ``hand_start[d]`` and number ``hand_count[d]``.
    """
    import torch

    keys = [(f, d, 0) for f in fonts for d in range(10)]
    hand_start = np.zeros(10, np.int64)
    hand_count = np.zeros(10, np.int64)
    for d in range(10):
        hand_start[d], hand_count[d] = len(keys), len(HAND_TEMPLATES[d])
        keys += [(HAND, d, v) for v in range(hand_count[d])]
    pairs = [glyph_field(f, d, style, v) for f, d, v in keys]
    rows = -(-len(pairs) // _ATLAS_COLS)
    atlas = np.full((rows * _TEX, _ATLAS_COLS * _TEX), np.float32(2 * _REACH))
    for i, (field, *_rest) in enumerate(pairs):
        r, c = divmod(i, _ATLAS_COLS)
        atlas[r * _TEX : (r + 1) * _TEX, c * _TEX : (c + 1) * _TEX] = field
    points = torch.from_numpy(np.stack([p[1] for p in pairs]))
    # the ink area (glyph units^2) of {field <= r} for r on _INK_RADII: exact for affine maps
    # (area scales by the determinant), so stroke-width normalisation can aim well
    fields = np.stack([p[0] for p in pairs]).reshape(len(pairs), -1)
    texel_area = (2 * _REACH / _TEX) ** 2
    curves = np.stack([(fields <= r).sum(1) * texel_area for r in _INK_RADII], 1)
    return torch.from_numpy(atlas)[None, None], points, curves, hand_start, hand_count


_KEYS_A = -0.75  # the cubic convolution kernel that torch's bicubic grid_sample uses


def _cubic_matrix(u, nodes: int):
    """Dense bicubic weights (B, S, nodes + 2) at lattice positions ``u``, a torch tensor (B, S).

    The weights address the lattice padded by one replicated node on each side, which is
    what grid_sample's border padding does to taps beyond the edge; positions beyond the
    lattice are clamped to it, as grid_sample does too.
    """
    import torch

    a = _KEYS_A
    u = u.clamp(0, nodes - 1 - 1e-4)
    i0 = u.floor()
    t = u - i0
    s = 1 - t
    near = [((a + 2) * d - (a + 3)) * d * d + 1 for d in (t, s)]  # taps at distance t and 1 - t
    far = [((a * d - 5 * a) * d + 8 * a) * d - 4 * a for d in (1 + t, 1 + s)]  # at 1 + t and 2 - t
    weights = torch.stack([far[0], near[0], near[1], far[1]], -1)
    taps = i0.long().unsqueeze(-1) + torch.arange(4)
    return torch.zeros(u.shape + (nodes + 2,), dtype=u.dtype).scatter_(-1, taps, weights)


@lru_cache(maxsize=1)
def _bicubic_rms() -> float:
    """RMS of a bicubically interpolated 2-D field of unit-variance i.i.d. lattice values."""
    import torch

    t = (torch.arange(1000, dtype=torch.float64) + 0.5) / 1000
    w = _cubic_matrix(t[None] + 2, 6)[0]  # 1-D weights of positions well inside a lattice
    per_axis = (w**2).sum(1).mean().item()
    return float(per_axis)  # the 2-D variance is per_axis**2, its square root per_axis


# --------------------------------------------------------------------------- rendering


def _ink_area(curves: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Ink area at ``radius`` (B,) or (B, m) glyph units, linear in each glyph's curve (B, R)."""
    pos = np.clip(radius / _INK_RADII[1], 0, len(_INK_RADII) - 1.001)
    i = pos.astype(np.int64)
    frac = pos - i
    rows = np.arange(len(curves)).reshape((-1,) + (1,) * (radius.ndim - 1))
    return curves[rows, i] * (1 - frac) + curves[rows, i + 1] * frac


def _labels(n: int, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Balanced class indices in random order; the n % k extra go to seeded random classes."""
    counts = np.full(n_classes, n // n_classes)
    counts[rng.permutation(n_classes)[: n % n_classes]] += 1
    labels = np.repeat(np.arange(n_classes), counts)
    return labels[rng.permutation(n)]


def _render_chunk(
    digits: np.ndarray, rng: np.random.Generator, cfg: RenderDigitsConfig, n_fonts: int, size: int, frame: int | None = None
):
    """Bool ink (B, size, size) as a torch tensor, for the given digit values.

    Lengths of the knobs are px of a 32-px frame that spans ``frame`` pixels of the
    ``size`` x ``size`` bitmap (default: the whole bitmap), centred in it; the ink
    fraction is of the frame's area.

    Per-image geometry is composed in float64 numpy; torch does the per-pixel work with
    plain elementwise ops, small matrix products and grid_sample, whose results do not
    depend on the number of threads.
    """
    import torch
    import torch.nn.functional as F

    atlas, points, curves, hand_start, hand_count = _glyph_table(cfg.font_names(), cfg.stroke_style)
    b = len(digits)
    frame = size if frame is None else frame
    k = frame / 32.0

    def tensor(v: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(v, np.float32))

    # every random draw, in a fixed order, from this chunk's generator
    font = rng.integers(0, n_fonts, b)
    by_hand = rng.random(b) < cfg.hand_share
    variant = (rng.random(b) * hand_count[digits]).astype(np.int64)
    width = rng.uniform(*cfg.stroke_width, b)
    ink_target = rng.uniform(*cfg.ink_fraction, b) * frame * frame if cfg.ink_fraction is not None else None
    slant = np.radians(rng.uniform(*cfg.slant, b))
    theta = np.radians(rng.uniform(*cfg.rotation, b))
    aspect = rng.uniform(*cfg.aspect, b)
    scale = rng.uniform(*cfg.scale, b)
    shift = rng.uniform(*cfg.shift, (b, 2)) * k
    elastic = cfg.elastic_alpha > 0
    spacing = cfg.elastic_sigma / _PX_PER_UNIT
    nodes = int(math.ceil(2 * _FIELD_REACH / spacing)) + 1
    reach = (nodes - 1) * spacing / 2
    if elastic:
        lattice = rng.standard_normal((b, nodes, nodes, 2)) * (cfg.elastic_alpha / _PX_PER_UNIT / _bicubic_rms())

    # writer's map x -> z = R(theta) Sh(slant) diag(aspect, 1) x; y points down, so
    # x' = x - tan(slant) * y leans the top to the right
    c, s, t = np.cos(theta), np.sin(theta), np.tan(slant)
    m = np.empty((b, 2, 2))
    m[:, 0, 0], m[:, 0, 1] = c * aspect, -c * t + s
    m[:, 1, 0], m[:, 1, 1] = -s * aspect, s * t + c
    minv = np.linalg.inv(m)

    g = np.where(by_hand, hand_start[digits] + variant, font * 10 + digits)
    pts = points.numpy()[g].astype(np.float64)  # (B, P, 2)
    px, py = pts[..., 0], pts[..., 1]
    z = np.stack([m[:, None, 0, 0] * px + m[:, None, 0, 1] * py, m[:, None, 1, 0] * px + m[:, None, 1, 1] * py], 1)
    if elastic:
        # pixels sample the glyph at z = y - e(y), so a glyph point z shows at the y that
        # solves y = z + e(y): two fixed-point steps (e is smooth, |grad e| is well below 1,
        # so the error left is a small fraction of a pixel)
        lat = torch.from_numpy(lattice.transpose(0, 3, 1, 2).astype(np.float32))  # (B, 2, y, x)
        zt = tensor(z.transpose(0, 2, 1) / reach).unsqueeze(2)  # (B, P, 1, 2), in lattice units
        yt = zt
        for _ in range(2):
            e = F.grid_sample(lat, yt, mode="bicubic", padding_mode="border", align_corners=True)  # (B, 2, P, 1)
            yt = zt + e.permute(0, 2, 3, 1) / reach
        lo = yt[:, :, 0].amin(1).double().numpy() * reach  # (B, 2)
        hi = yt[:, :, 0].amax(1).double().numpy() * reach
    else:
        lo, hi = z.min(2), z.max(2)
    box_w = np.maximum(hi[:, 0] - lo[:, 0], 1e-3)
    box_h = np.maximum(hi[:, 1] - lo[:, 1], 1e-3)
    mid = (lo + hi) / 2

    # size normalisation, as in the real data: the ink box (centre line or outline, plus
    # the stroke's radius) to box_height tall, squeezed to box_width if wider
    tall = cfg.box_height * k * scale
    wide = cfg.box_width * k * scale

    def fit(radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixels per glyph unit across and down for a stroke radius (B,) or (B, m)."""
        extra = (slice(None),) + (None,) * (radius.ndim - 1)
        cy = (tall[extra] - 2 * radius).clip(1.0) / box_h[extra]
        cx = np.minimum(cy, (wide[extra] - 2 * radius).clip(1.0) / box_w[extra])
        return cx, cy

    if ink_target is None:
        radius = (width / 2 * k + 0.5 - cfg.ink_threshold).clip(0)
    else:
        # stroke-width normalisation: the radius whose ink hits the target, from the glyph's
        # tabulated ink curve (refined on the bitmap below). A thicker stroke leaves less room
        # in the box, so the ink is not monotone in the radius: take the smallest radius on a
        # grid that reaches the target, else the one giving most ink
        grid_r = np.linspace(0.25 * k, tall / 4, 48, axis=1)  # (B, 48) px
        fx, fy = fit(grid_r)
        unit2 = fx * fy * aspect[:, None]
        ink = _ink_area(curves[g], grid_r / np.sqrt(unit2)) * unit2
        reached = ink >= ink_target[:, None]
        first = np.where(reached.any(1), reached.argmax(1), ink.argmax(1))
        radius = grid_r[np.arange(b), first]
    cx, cy = fit(radius)
    px_per_unit = np.sqrt(cx * cy * aspect)  # how the field's distances scale, on average
    limit = radius / px_per_unit

    # Output pixel (i, j) sits at y = origin + ((j + 0.5) / cx, (i + 0.5) / cy) in the
    # normalised frame and samples the glyph at x = M^-1 (y - e(y)), in tile coordinates
    # ([-1, 1] over the glyph's texture). y is axis-aligned in (i, j), so x is a sum of a
    # row term, a column term and the separable bicubic e = Wy L Wx^T: one batched matrix
    # product builds the whole (B, S, S, 2) grid (broadcasting over a last axis of 2 is slow).
    origin = mid - (size / 2 + shift) / np.stack([cx, cy], 1)
    pix = np.arange(size) + 0.5
    col_y = origin[:, None, 0] + pix[None, :] / cx[:, None]  # (B, S): y_x of column j
    row_y = origin[:, None, 1] + pix[None, :] / cy[:, None]  # (B, S): y_y of row i
    local = minv / _REACH
    n_terms = 2 + (nodes + 2 if elastic else 0)
    lhs = np.empty((b, size, n_terms), np.float32)
    rhs = np.empty((b, n_terms, size, 2), np.float32)
    lhs[:, :, 0] = 1.0
    rhs[:, 0] = local[:, None, :, 0] * col_y[..., None]  # column term M^-1 (y_x, 0)
    lhs[:, :, 1] = row_y
    rhs[:, 1] = local[:, None, :, 1]  # row term M^-1 (0, y_y), times y_y from lhs
    if elastic:
        lat = np.pad(lattice, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")  # (B, y, x, 2)
        li = local[:, None, None]  # (B, 1, 1, 2, 2): M^-1 / reach applied to every node
        lat_local = np.stack([li[..., i, 0] * lat[..., 0] + li[..., i, 1] * lat[..., 1] for i in (0, 1)], -1)
        to_nodes = (nodes - 1) / (2 * reach)
        wx = _cubic_matrix(tensor((col_y + reach) * to_nodes), nodes)  # (B, S, x)
        wy = _cubic_matrix(tensor((row_y + reach) * to_nodes), nodes)  # (B, S, y)
        lhs[:, :, 2:] = wy.numpy()
        # e along x for every lattice row: (B, S, x) @ (B, x, y * 2) -> (B, S, y, 2)
        by_x = tensor(-lat_local.transpose(0, 2, 1, 3).reshape(b, nodes + 2, (nodes + 2) * 2))
        half = torch.bmm(wx, by_x).view(b, size, nodes + 2, 2)
        rhs[:, 2:] = half.permute(0, 2, 1, 3).numpy()

    grid = torch.bmm(tensor(lhs), tensor(rhs).view(b, n_terms, size * 2))  # (B, S, S*2)
    # clamp to the tile's edge texels (far from any ink), so that bilinear reads never
    # reach a neighbouring glyph, then move to the atlas; the per-axis factors are tiled
    # along the row so that these broadcasts run over long contiguous runs
    edge = 1.0 - 1.0 / _TEX
    grid.clamp_(-edge, edge)
    tile_r, tile_c = np.divmod(g, _ATLAS_COLS)
    atlas_h, atlas_w = atlas.shape[-2:]
    factor = np.tile([_TEX / atlas_w, _TEX / atlas_h], size)
    offset = np.stack([(2 * tile_c + 1) * _TEX / atlas_w - 1, (2 * tile_r + 1) * _TEX / atlas_h - 1], 1)
    grid = grid * tensor(factor) + tensor(np.tile(offset, size)[:, None, :])
    dist = F.grid_sample(
        atlas, grid.view(1, b * size, size, 2), mode="bilinear", padding_mode="border", align_corners=False
    )
    dist = dist.view(b, size, size)

    lim = tensor(limit).view(b, 1, 1)
    if ink_target is not None:
        # two Newton steps on the bitmap's own ink count (the elastic map and the pixel grid
        # move it off the estimate); the slope is the ink curve's, in px per glyph unit
        step = _INK_RADII[1]
        curve = curves[g]
        slope_units = (_ink_area(curve, limit + step) - _ink_area(curve, np.maximum(limit - step, 0))) / (
            limit + step - np.maximum(limit - step, 0)
        )
        slope = tensor(np.maximum(slope_units, 1e-3) * px_per_unit**2).view(b, 1, 1)
        want = tensor(ink_target).view(b, 1, 1)
        for _ in range(2):
            have = (dist <= lim).view(b, -1).sum(1).view(b, 1, 1)
            # steps bounded to halving or doubling: the slope is only local
            lim = torch.minimum(torch.maximum(lim + (want - have) / slope, lim / 2), lim * 2)
    return dist <= lim


def render_digits(
    n: int,
    seed: int,
    config: RenderDigitsConfig | None = None,
    size: int = 32,
    reduce: bool = True,
    digits: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Render ``n`` digits as bitmaps, or as the 8x8 ink counts of the real data.

    Args:
        n: how many images.
        seed: the only source of randomness; equal arguments give equal arrays.
        config: the knobs (defaults if None); lengths are px at 32x32 and scale with ``size``.
        size: bitmap side in pixels, a multiple of 4.
        reduce: count ink per 4x4 block (values 0..16) instead of returning the bitmap.
        digits: which digits to draw, balanced (default 0..9).

    Returns:
        images: uint8 (n, size/4, size/4) of block counts 0..16 if ``reduce``, else uint8
            (n, size, size) of 0/1 ink.
        labels: int64 (n,), the digit drawn in each image.

    Example:
        >>> counts, labels = render_digits(20, seed=0)
        >>> counts.shape, int(counts.max()) <= 16, sorted(set(labels.tolist())) == list(range(10))
        ((20, 8, 8), True, True)
    """

    cfg = config if config is not None else RenderDigitsConfig()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise UserInputError(f"expected a non-negative number of images, found {n!r}", key="n")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UserInputError(f"expected a non-negative integer seed, found {seed!r}", key="seed")
    if size < 4 or size % 4:
        raise UserInputError(f"expected a bitmap size that is a positive multiple of 4, found {size}", key="size")
    wanted = np.arange(10) if digits is None else np.asarray(list(digits), np.int64)
    if wanted.size == 0 or wanted.min() < 0 or wanted.max() > 9 or len(set(wanted.tolist())) != len(wanted):
        raise UserInputError(f"expected distinct digits in 0..9, found {list(digits or [])}", key="digits")
    n = int(n)
    labels = wanted[_labels(n, len(wanted), np.random.default_rng([seed, 0]))].astype(np.int64)
    return render_blocks(labels, seed, cfg, size, 4 if reduce else 1), labels


def digit_labels(n: int, seed: int, digits: Sequence[int]) -> np.ndarray:
    """The balanced, shuffled digit of each of ``n`` images, as ``render_digits`` draws them."""
    wanted = np.asarray(list(digits), np.int64)
    return wanted[_labels(int(n), len(wanted), np.random.default_rng([seed, 0]))].astype(np.int64)


def render_blocks(
    labels: np.ndarray,
    seed: int,
    cfg: RenderDigitsConfig,
    canvas: int,
    block: int,
    *,
    frame: int | None = None,
    post: Callable[[torch.Tensor, int], torch.Tensor] | None = None,
) -> np.ndarray:
    """Render ``labels`` at ``canvas`` px and count ink per ``block`` x ``block`` block.

    Args:
        labels: the digit of each image.
        seed: the only source of randomness.
        cfg: the knobs.
        canvas: bitmap side in px, a multiple of ``block``.
        block: block side (1 = the 0/1 bitmap itself); counts run 0..block**2.
        frame: px of the canvas that the 32-px frame of the knobs spans (default: all).
        post: applied to each chunk's bool ink (B, canvas, canvas) and chunk number
            before counting (e.g. centring by centre of mass).

    Returns:
        uint8 (n, canvas / block, canvas / block) of ink counts.
    """
    import torch

    n = len(labels)
    n_fonts = len(cfg.font_names())
    side = canvas // block
    out = np.empty((n, side, side), np.uint8)
    # the same chunks as always up to 32 px (so the arrays never change); fewer images per
    # chunk for larger canvases, to bound memory
    chunk = _CHUNK if canvas <= 32 else max(1, _CHUNK * 32 * 32 // (canvas * canvas))
    with torch.no_grad():
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            rng = np.random.default_rng([seed, 1, start // chunk])
            ink = _render_chunk(labels[start:stop], rng, cfg, n_fonts, canvas, frame)
            if post is not None:
                ink = post(ink, start // chunk)
            if block > 1:
                # a block mean of 0/1 values times block**2 is an exact integer count in float32
                counts = torch.nn.functional.avg_pool2d(ink[:, None].float(), block)[:, 0] * (block * block)
                out[start:stop] = counts.round().to(torch.uint8).numpy()
            else:
                out[start:stop] = ink.numpy()
    return out


__all__ = ["RenderDigitsConfig", "digit_labels", "glyph_field", "render_blocks", "render_digits"]
