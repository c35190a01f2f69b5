"""Per-person appearance: skin, hair and clothing colours, or one costume per group."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKIN = np.array([(255, 219, 172), (241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36), (92, 58, 30)], float)
HAIR = np.array([(20, 20, 22), (58, 38, 24), (105, 70, 38), (176, 138, 80), (190, 190, 186), (115, 35, 20)], float)
# Common trouser colours: denim, black, grey, khaki, navy, brown.
BOTTOMS = np.array([(52, 70, 110), (25, 25, 28), (95, 95, 100), (170, 150, 110), (30, 35, 70), (90, 60, 40)], float)

# Palette slots of one person.
SKIN_I, HAIR_I, TOP_I, BOTTOM_I, TOP_DARK_I, BOTTOM_DARK_I = range(6)


@dataclass
class Appearance:
    """Colours of every person.

    Attributes:
        colors: (P, 6, 3) float RGB in [0, 255]: skin, hair, top, bottom and darker shades
            of top and bottom for the limbs on the far side.
        long_hair: (P,) bool.
    """

    colors: np.ndarray
    long_hair: np.ndarray


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV -> RGB in [0, 255]."""
    i = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = np.stack([np.stack(x, -1) for x in ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))])
    return 255 * table[i, np.arange(len(h))]


def sample_appearance(group: np.ndarray, uniform_costume: float, rng: np.random.Generator) -> Appearance:
    """Draw colours for people of the given groups.

    Args:
        group: (P,) group index per person (-1 for people on their own).
        uniform_costume: probability that a group wears one costume (DanceTrack's hard case).
        rng: the sequence's random generator.

    Returns:
        The appearance of every person.

    Example:
        >>> a = sample_appearance(np.array([0, 0, 0]), 1.0, np.random.default_rng(0))
        >>> bool((a.colors[:, 2] == a.colors[0, 2]).all())  # one costume
        True
    """
    n = len(group)
    colors = np.zeros((n, 6, 3))
    colors[:, SKIN_I] = SKIN[rng.integers(0, len(SKIN), n)] * rng.uniform(0.92, 1.05, (n, 1))
    colors[:, HAIR_I] = HAIR[rng.integers(0, len(HAIR), n)]
    colors[:, TOP_I] = _hsv_to_rgb(rng.uniform(0, 1, n), rng.uniform(0.15, 0.9, n), rng.uniform(0.25, 0.95, n))
    bottoms = BOTTOMS[rng.integers(0, len(BOTTOMS), n)]
    colorful = rng.random(n) < 0.25
    bottoms[colorful] = _hsv_to_rgb(rng.uniform(0, 1, n), rng.uniform(0.3, 0.8, n), rng.uniform(0.2, 0.7, n))[colorful]
    colors[:, BOTTOM_I] = bottoms
    for g in np.unique(group[group >= 0]):
        if rng.random() < uniform_costume:
            members = group == g
            top = _hsv_to_rgb(rng.uniform(0, 1, 1), rng.uniform(0.3, 0.9, 1), rng.uniform(0.3, 0.9, 1))[0]
            colors[members, TOP_I] = top
            colors[members, BOTTOM_I] = BOTTOMS[rng.integers(0, len(BOTTOMS))]
    colors[:, TOP_DARK_I] = colors[:, TOP_I] * 0.72
    colors[:, BOTTOM_DARK_I] = colors[:, BOTTOM_I] * 0.72
    return Appearance(colors=np.clip(colors, 0, 255), long_hair=rng.random(n) < 0.35)
