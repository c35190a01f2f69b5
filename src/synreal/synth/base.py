"""Synthetic sources: anything that produces labelled images on demand.

A source is registered by name in ``SOURCES``. Its factory takes the source's knobs (a dict
from the study spec, already validated by the source's own pydantic config) and returns an
object with ``generate(n, seed, classes) -> ImageSet``. Generation is deterministic in
``seed``: the same knobs, ``n`` and ``seed`` give the same images.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from synreal.data.base import ImageSet
from synreal.registry import Registry


class SourceConfig(BaseModel):
    """Base of every source's knobs: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SyntheticSource(Protocol):
    """What a registered source's factory returns."""

    config: SourceConfig

    def generate(self, n: int, seed: int, classes: list[str]) -> ImageSet:
        """``n`` labelled images, balanced over ``classes``, deterministic in ``seed``."""
        ...


SOURCES: Registry = Registry("synthetic source")
"""name -> class with ``Config`` (a SourceConfig subclass) and ``__init__(config)``."""
