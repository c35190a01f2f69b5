"""Tasks: what a study learns and measures (image classification, multi-person tracking).

A task is a registered plugin that declares its study spec, its metrics and the operations
the engine's conditions are written against: the real training subset of a fraction, the
test set, a synthetic set, a fresh model, training, evaluation and checkpoints. The engine
(``synreal.study``) plans and stores runs the same way for every task; only these
operations differ.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
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


@dataclass
class Prepared:
    """What a task resolves from a spec before planning (``Task.prepare``).

    Attributes:
        context: the ``synreal.study.conditions.PlanContext`` the conditions plan with.
        meta: the task's fields of the study's ``StudyMeta`` (sizes, classes, input shape...).
        real: the real data, for the report's sample grid (None when there is no picture).
        entries: further condition entries the spec implies (a scaling grid).
        added: conditions that spec sections add, planned without an entry (retrieval baselines).
    """

    context: Any
    meta: Any
    real: Any = None
    entries: list[Any] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


class Task(ABC):
    """Base of every task. Subclasses set the class attributes and implement the operations.

    Attributes:
        name: the registered name (``classification``, ``tracking``).
        metrics: the metrics every run reports, the primary one first.
        conditions: the condition names a study of this task may use.
        baseline: the condition a synthetic gain must beat besides ``real`` (``real+aug`` for
            classification, ``kalman`` for tracking).
        item: what one training sample is, in words (``images``, ``sequences``).
        spec_model: the task's study spec (a ``synreal.study.spec.BaseStudySpec`` subclass).
    """

    name: ClassVar[str] = ""
    metrics: ClassVar[tuple[MetricSpec, ...]] = ()
    conditions: ClassVar[tuple[str, ...]] = ()
    baseline: ClassVar[str] = ""
    item: ClassVar[str] = "images"
    spec_model: ClassVar[type] = object

    def check_spec(self, spec: Any, *, file: Any, lines: dict) -> None:
        """Plan-free checks of a validated spec (registered names, knobs); a UserInputError names the key."""

    @abstractmethod
    def prepare(self, spec: Any) -> Prepared:
        """Resolve the real data, the learner and the sources of a validated spec (in the parent)."""

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
    def fit(self, model: Any, data: Any, train: Any, seed: int, augment: Any = None, *,
            warm: bool = False) -> tuple[Any, float]:
        """Train ``model`` (from its current weights when ``warm``); the trained model and the seconds."""

    @abstractmethod
    def evaluate(self, model: Any, data: Any, seed: int) -> dict[str, float]:
        """Every metric of ``metrics`` (and any extra numbers) on the real test set of ``data``."""

    @abstractmethod
    def save(self, model: Any) -> bytes:
        """The model's weights as bytes (a checkpoint artifact)."""

    @abstractmethod
    def load(self, model: Any, payload: bytes) -> Any:
        """``model`` with the weights of a checkpoint."""


TASKS: Registry[type[Task]] = Registry("task", interface=Task)
