"""The ``render-digits`` source: digits drawn from fonts and handwriting templates, at any size.

The renderer is ``synreal.synth.render_digits`` (the 8x8 block counts the real digits were
made with) and ``synreal.synth.digit_layouts`` (grey levels at other sizes); this module makes
them a registered synthetic source.
"""

from __future__ import annotations

import numpy as np

from synreal.data.base import ImageSet
from synreal.data.convert import InputShape
from synreal.errors import UserInputError
from synreal.synth.base import SOURCES, SyntheticSource
from synreal.synth.digit_layouts import render_digit_images
from synreal.synth.fonts import DIGITS
from synreal.synth.render_digits import RenderDigitsConfig


@SOURCES.register(
    "render-digits", doc="digits drawn from fonts and handwriting templates: 8x8 ink counts like digits, or any size (size, layout)"
)
class RenderDigits(SyntheticSource):
    """Digits rendered from fonts at 32x32 and reduced to 8x8 ink counts, like scikit-learn's digits, or at any size.

    Args:
        config: the knobs (``RenderDigits.Config``); stored, used when generating.

    Example:
        >>> src = RenderDigits(RenderDigits.Config(fonts=4, ink_fraction=None, stroke_width=(2, 3)))
        >>> s = src.generate(30, seed=1, classes=[str(d) for d in range(10)])
        >>> s.images.shape, s.images.dtype.name, float(s.images.max()) <= 1.0
        ((30, 1, 8, 8), 'float32', True)
    """

    Config = RenderDigitsConfig

    def __init__(self, config: RenderDigitsConfig) -> None:
        self.config = config

    def output_shape(self) -> InputShape:
        """(1, size, size): the shape of every image ``generate`` returns.

        Example:
            >>> RenderDigits(RenderDigits.Config(size=16)).output_shape()
            InputShape(channels=1, height=16, width=16)
        """
        return InputShape(1, self.config.size, self.config.size)

    def generate(self, n: int, seed: int, classes: list[str]) -> ImageSet:
        """``n`` images balanced over ``classes`` (digit names "0".."9"), deterministic in ``seed``.

        Args:
            n: how many images.
            seed: the only source of randomness.
            classes: digit names; ``labels`` index into this list.

        Returns:
            An ImageSet of float32 (n, 1, size, size): at the default 8x8 the 4x4 block
            counts / 16, at other sizes the grey levels of ``synreal.synth.digit_layouts``;
            the knobs are in ``meta``. Colour is the conversion policy's business.

        Example:
            >>> s = RenderDigits(RenderDigits.Config()).generate(10, 0, ["3", "8"])
            >>> s.classes, sorted(set(s.labels.tolist()))
            (['3', '8'], [0, 1])
        """
        bad = [c for c in classes if len(c) != 1 or c not in DIGITS]
        if bad or not classes or len(set(classes)) != len(classes):
            raise UserInputError(
                f"render-digits draws the digits '0'..'9', but the classes asked for are {list(classes)}",
                key="real.dataset",
                hint="use it with a dataset whose classes are digit names, such as digits",
            )
        grey, digits = render_digit_images(n, seed, self.config, digits=[int(c) for c in classes])
        lookup = {int(c): i for i, c in enumerate(classes)}
        labels = np.array([lookup[d] for d in digits.tolist()], np.int64)
        images = grey[:, None]
        meta = {
            "source": "render-digits",
            "seed": int(seed),
            "knobs": self.config.model_dump(mode="json"),
            "fonts": list(self.config.font_names()),
        }
        return ImageSet(images, labels, list(classes), meta)
