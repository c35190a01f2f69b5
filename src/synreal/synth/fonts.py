"""Discovering and vetting the TrueType fonts that ship with matplotlib, for rendering digits.

matplotlib carries some 40 ``.ttf`` files. Not all of them have digits: some have no glyphs
at the code points ``0``..``9`` at all (the STIX size variants, ``STIXNonUnicode``, the
``Display`` subsets), one draws the same placeholder box for every character
(``LastResortHE``), and the TeX math fonts ``cmex10`` and ``cmsy10`` put brackets and
symbols at the digits' code points. ``vet_fonts`` keeps only fonts whose ten glyphs are
digits; ``digit_fonts`` lists them in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DIGITS = "0123456789"

# vetting compares glyphs as ink bitmaps, cropped to their box and padded to a square of this
# side; coarse on purpose, so that serifs and weight matter less than the shape
_VET_SIDE = 16
# a font whose ten glyphs correlate this much pairwise draws one placeholder for all of them
_MAX_SAME = 0.95
# a font is kept when at least this many of its ten glyphs look most like the consensus of
# the other fonts for that same digit (old-style figures such as cmmi10's '0' may miss one)
_MIN_RECOGNISED = 8


@dataclass(frozen=True)
class FontVerdict:
    """The vetting result of one font file.

    Attributes:
        name: the file's stem, the name a config uses ("DejaVuSans", "cmr10").
        path: the ``.ttf`` file.
        kept: whether its ten digit glyphs passed.
        reason: why it was dropped (empty when kept), or how well it passed.
    """

    name: str
    path: Path
    kept: bool
    reason: str


def font_dir() -> Path:
    """The folder holding matplotlib's TrueType fonts.

    Returns:
        ``<matplotlib data path>/fonts/ttf``.

    Example:
        >>> font_dir().name
        'ttf'
    """
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@lru_cache(maxsize=1)
def discover_fonts() -> dict[str, Path]:
    """Every ``.ttf`` file that ships with matplotlib, vetted or not.

    Returns:
        file stem -> path, sorted by stem.

    Example:
        >>> "DejaVuSans" in discover_fonts()
        True
    """
    return {p.stem: p for p in sorted(font_dir().glob("*.ttf"), key=lambda p: p.stem)}


@lru_cache(maxsize=4096)
def glyph_bitmap(name: str, digit: int, size: int = 96) -> np.ndarray:
    """The ink bitmap of one digit glyph of one font, cropped to its ink with a margin.

    Args:
        name: a font stem from ``discover_fonts()``.
        digit: 0..9.
        size: the font size in pixels (the glyph's height is about 0.7 of it).

    Returns:
        A read-only bool array (H, W); all False when the font has no ink for the digit.

    Example:
        >>> bool(glyph_bitmap("DejaVuSans", 8).any())
        True
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(discover_fonts()[name]), size)
    side = 3 * size
    canvas = Image.new("L", (side, side), 0)
    ImageDraw.Draw(canvas).text((side / 2, side / 2), str(digit), font=font, fill=255, anchor="mm")
    ink = np.asarray(canvas) >= 128
    if ink.any():
        rows = np.flatnonzero(ink.any(1))
        cols = np.flatnonzero(ink.any(0))
        m = 2
        ink = ink[max(rows[0] - m, 0) : rows[-1] + m + 1, max(cols[0] - m, 0) : cols[-1] + m + 1]
    ink = np.ascontiguousarray(ink)
    ink.setflags(write=False)
    return ink


def _square(ink: np.ndarray) -> np.ndarray:
    """Crop to the ink, pad to a square keeping the aspect, resize to the vetting side."""
    from PIL import Image

    if not ink.any():
        return np.zeros((_VET_SIDE, _VET_SIDE), np.float64)
    rows = np.flatnonzero(ink.any(1))
    cols = np.flatnonzero(ink.any(0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = ink.shape
    m = max(h, w)
    pad = np.zeros((m, m), np.uint8)
    pad[(m - h) // 2 : (m - h) // 2 + h, (m - w) // 2 : (m - w) // 2 + w] = 255 * ink
    small = Image.fromarray(pad).resize((_VET_SIDE, _VET_SIDE), Image.BILINEAR)
    return np.asarray(small, np.float64) / 255.0


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows centred and scaled to unit length, so that dot products are correlations."""
    x = x.reshape(len(x), -1)
    x = x - x.mean(1, keepdims=True)
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)


def _has_digit_codepoints(path: Path) -> bool:
    """Whether the font's character map has all of U+0030..U+0039."""
    from matplotlib import ft2font

    cmap = ft2font.FT2Font(str(path)).get_charmap()
    return all(ord(c) in cmap for c in DIGITS)


@lru_cache(maxsize=1)
def vet_fonts() -> tuple[FontVerdict, ...]:
    """Decide for every matplotlib font whether its digit glyphs are digits.

    The rule, in order:

    1. the character map must have all ten code points ``0``..``9``;
    2. every glyph must leave ink;
    3. the ten glyphs must differ (no two correlating above 0.95 as coarse bitmaps), which
       drops fonts that draw one placeholder for everything;
    4. at least 8 of the ten glyphs must correlate best with the consensus of the *other*
       candidate fonts for the same digit (the pixelwise median of their glyphs), which drops
       fonts that put other symbols at the digits' code points (brackets in cmex10,
       arrows and set symbols in cmsy10). The median is robust because most fonts are honest.

    Returns:
        One verdict per font file, sorted by name.

    Example:
        >>> {v.name: v.kept for v in vet_fonts()}["cmsy10"]
        False
    """
    verdicts: dict[str, FontVerdict] = {}
    glyphs: dict[str, np.ndarray] = {}
    for name, path in discover_fonts().items():
        if not _has_digit_codepoints(path):
            verdicts[name] = FontVerdict(name, path, False, "no glyphs at the code points 0..9")
            continue
        squares = np.stack([_square(glyph_bitmap(name, d, 64)) for d in range(10)])
        empty = [str(d) for d in range(10) if not squares[d].any()]
        if empty:
            verdicts[name] = FontVerdict(name, path, False, f"no ink for digit(s) {', '.join(empty)}")
            continue
        corr = _unit_rows(squares) @ _unit_rows(squares).T
        same = corr[~np.eye(10, dtype=bool)].max()
        if same > _MAX_SAME:
            verdicts[name] = FontVerdict(name, path, False, f"the ten glyphs look alike (correlation {same:.2f})")
            continue
        glyphs[name] = squares
    for name, squares in glyphs.items():
        others = [g for o, g in glyphs.items() if o != name]
        template = np.median(np.stack(others), axis=0)
        best = (_unit_rows(squares) @ _unit_rows(template).T).argmax(1)
        recognised = int((best == np.arange(10)).sum())
        kept = recognised >= _MIN_RECOGNISED
        reason = f"{recognised}/10 glyphs resemble their digit"
        if not kept:
            wrong = ", ".join(f"{d}->{b}" for d, b in enumerate(best) if b != d)
            reason += f" (looks like: {wrong}); the code points hold other symbols"
        path = discover_fonts()[name]
        verdicts[name] = FontVerdict(name, path, kept, reason)
    return tuple(verdicts[n] for n in sorted(verdicts))


def _style_rank(path: Path) -> int:
    """0 regular, 1 italic, 2 bold, 3 bold italic, from the font's style flags."""
    from matplotlib import ft2font

    flags = ft2font.FT2Font(str(path)).style_flags
    italic = bool(flags & ft2font.StyleFlags.ITALIC)
    bold = bool(flags & ft2font.StyleFlags.BOLD)
    return int(italic) + 2 * int(bold)


@lru_cache(maxsize=1)
def digit_fonts() -> tuple[str, ...]:
    """The vetted fonts in the fixed order that ``fonts: k`` counts from.

    Regular faces come first, then italics, bolds and bold italics (as the fonts' style flags
    declare them; the Computer Modern files declare none, so all six count as regular);
    within each group, by name (capitals first). So ``k`` = 1 is DejaVu Sans, and small ``k``
    spans different families before different weights.

    Returns:
        Font stems, e.g. ``("DejaVuSans", "DejaVuSansMono", ...)``.

    Example:
        >>> digit_fonts()[0]
        'DejaVuSans'
    """
    kept = [v for v in vet_fonts() if v.kept]
    kept.sort(key=lambda v: (_style_rank(v.path), v.name))
    return tuple(v.name for v in kept)
