"""Tasks: what a study learns and measures (image classification, multi-person tracking).

A task is a registered plugin that declares its study spec, its metrics and the operations
the engine's conditions are written against: the real training subset of a fraction, the
test set, a synthetic set, a fresh model, training, evaluation and checkpoints. The engine
(``synreal.study``) plans and stores runs the same way for every task; only these
operations differ.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from synreal.registry import Registry


@dataclass(frozen=True)
class MetricSpec:
    """A metric a task reports: its direction, range and how it aggregates.

    Attributes:
        name: the name in the tidy table (``accuracy``, ``HOTA``).
        higher_is_better: its direction.
        lower: smallest possible value (``-inf`` when unbounded).
        upper: largest possible value.
        aggregate: how values over several test items combine: ``"mean"`` of per-item
            values, or ``"recomputed"`` from summed counts (TrackEval's way).
        description: one line, including what a trivial model scores.
    """

    name: str
    higher_is_better: bool
    lower: float = 0.0
    upper: float = 1.0
    aggregate: Literal["mean", "recomputed"] = "mean"
    description: str = ""

    def error(self, value: float) -> float:
        """The error a scaling law fits: ``1 - value`` for a score in [0, 1] where higher is better.

        Example:
            >>> MetricSpec("accuracy", True).error(0.9)
            0.09999999999999998
        """
        return self.upper - value if self.higher_is_better else value - self.lower


class Task(ABC):
    """Base of every task. Subclasses set the class attributes and implement the operations.

    Attributes:
        name: the registered name (``classification``, ``tracking``).
        metrics: the metrics every run reports, the primary one first.
        conditions: the condition names a study of this task may use.
        baseline: the condition a synthetic gain must beat besides ``real`` (``real+aug`` for
            classification, ``kalman`` for tracking).
    """

    name: ClassVar[str] = ""
    metrics: ClassVar[tuple[MetricSpec, ...]] = ()
    conditions: ClassVar[tuple[str, ...]] = ()
    baseline: ClassVar[str] = ""

    @property
    def primary(self) -> MetricSpec:
        """The metric the report's verdicts are about."""
        return self.metrics[0]

    # -------------------------------------------------------------- data (in workers)

    @abstractmethod
    def real_train(self, data: Any, fraction: float, seed: int) -> Any:
        """The nested real training subset of ``fraction`` for ``seed``."""

    @abstractmethod
    def real_test(self, data: Any) -> Any:
        """The fixed real test set."""

    @abstractmethod
    def synthetic(self, source: Any, n: int, seed: int, config: Any) -> Any:
        """``n`` synthetic training items of a source for ``seed``, ready for the run ``config``."""

    @abstractmethod
    def concat(self, parts: list[Any]) -> Any:
        """One training set from several (a mix of real and synthetic)."""

    # -------------------------------------------------------------- models (in workers)

    @abstractmethod
    def new_model(self, config: Any) -> Any:
        """A freshly initialised model for a run or an artifact config (seeded by it)."""

    @abstractmethod
    def fit(self, model: Any, data: Any, train: Any, seed: int, augment: Any = None) -> float:
        """Train ``model`` in place; return the training seconds."""

    @abstractmethod
    def evaluate(self, model: Any, test: Any, seed: int) -> dict[str, float]:
        """Every metric of ``metrics`` (and any extra numbers) on the test set."""

    @abstractmethod
    def save(self, model: Any) -> bytes:
        """The model's weights as bytes (a checkpoint artifact)."""

    @abstractmethod
    def load(self, model: Any, payload: bytes) -> Any:
        """``model`` with the weights of a checkpoint."""


TASKS: Registry[type[Task]] = Registry("task", interface=Task)
