"""An example synreal learner: flattened pixels, one hidden layer, a linear classifier.

synreal finds it through the entry point in this package's pyproject.toml; the class only
needs a pydantic ``Config``, a ``build(config, in_shape, n_classes)`` classmethod, an
``accepts`` attribute ("images" or "features") and ``own_fit = False`` (synreal's shared
training loop trains it). Registration checks them.
"""

from __future__ import annotations

import math

import torch
from pydantic import Field
from torch import nn

from synreal.learners.base import LearnerConfig


class TinyMLPConfig(LearnerConfig):
    """Hyper-parameters of ``tiny-mlp`` (unknown keys in a spec are errors)."""

    hidden: int = Field(64, ge=1, le=4096, description="hidden units")


class TinyMLP(nn.Module):
    """Flatten, Linear-ReLU, Linear.

    Example:
        >>> TinyMLP(TinyMLPConfig(hidden=8), (1, 8, 8), 10)(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
    """

    Config = TinyMLPConfig
    accepts = "images"
    own_fit = False  # synreal's shared training loop trains it

    def __init__(self, config: TinyMLPConfig, in_shape: tuple[int, ...], n_classes: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(math.prod(in_shape), config.hidden), nn.ReLU(), nn.Linear(config.hidden, n_classes)
        )

    @classmethod
    def build(cls, config: TinyMLPConfig, in_shape: tuple[int, ...], n_classes: int) -> "TinyMLP":
        """Factory that synreal calls."""
        return cls(config, in_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
