"""Synthetic sources: anything that produces labelled images on demand.

A source is registered by name in ``SOURCES``. Its factory takes the source's knobs (a dict
from the study spec, already validated by the source's own pydantic config) and returns an
object with ``generate(n, seed, classes) -> ImageSet``. Generation is deterministic in
``seed``: the same knobs, ``n`` and ``seed`` give the same images.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from synreal.data.base import ImageSet
from synreal.registry import Registry, has_attrs


class SourceConfig(BaseModel):
    """Base of every source's knobs: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SyntheticSource(ABC):
    """Base of every registered source; its capabilities are declared class attributes.

    Attributes:
        Config: the source's knobs (a ``SourceConfig`` subclass).
        needs_path: the source reads the user's files: it is built as ``cls(config, path)``
            and a spec entry must give ``path``.
        needs_pool: the source is trained on the upstream pool of real data (declared under
            ``retrieval.generator``, never as a plain source).
    """

    Config: ClassVar[type[SourceConfig]]
    needs_path: ClassVar[bool] = False
    needs_pool: ClassVar[bool] = False
    config: Any

    @abstractmethod
    def generate(self, n: int, seed: int, classes: list[str]) -> ImageSet:
        """``n`` labelled images, balanced over ``classes``, deterministic in ``seed``."""


SOURCES: Registry = Registry("synthetic source", interface=SyntheticSource, contract=[has_attrs(Config=SourceConfig)])
"""name -> a ``SyntheticSource`` subclass, built as ``cls(config)`` (or ``cls(config, path)``)."""
