"""What a study's results are about: the typed metadata stored beside the runs and read by the report.

The study engine writes a ``StudyMeta`` into the run store with the plan; ``synreal
report DIR`` reads it back and the report reads its fields, never a free dict. Anything a
report needs besides the tidy table is here: the primary metric and its direction, the
seeds and fractions, the size of the real data, the seed schedule, the provenance.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from synreal import __version__


class LooksMeta(BaseModel):
    """The adaptive seed schedule the engine followed (see ``synreal.analysis.verdicts.Looks``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sizes: tuple[int, ...]
    level: float = 0.95
    power: float = 1.5
    decide: tuple[str, ...] = ("substitutability", "ranking")
    first: int = 0


class StudyMeta(BaseModel):
    """A study's metadata.

    Attributes:
        name: the study's name.
        task: the registered task (``classification``, ``tracking``).
        metric: the primary metric in the tidy table.
        higher_is_better: its direction.
        baseline: the condition every synthetic gain is set beside besides ``real``
            (``real+aug`` for classification, ``kalman`` for tracking).
        item: what one synthetic training sample is, in words (``images``, ``sequences``).
        real_item: what ``n_real`` counts, in words (``images``; ``frames`` or ``sequences`` for tracking).
        seeds: the seeds run (all of them, with adaptive seeds).
        real_fractions: the study's real fractions.
        n_train_real: items in 100% of the real training split (None when unknown).
        n_test_real: items in the real test split.
        n_pool_real: real items held apart as the retrieval pool.
        classes: class names (classification).
        version: the synreal version the runs were made with.
        data_fingerprint: content hash of the real data.
        level: one-sided level of every verdict.
        tolerance: the substitutability tolerance in metric units.
        looks: the adaptive seed schedule, or None for a plain list of seeds.
        n_boot: bootstrap resamples of the scaling and effective-data fits.
        spec: the resolved spec, for provenance (shown in the report as it was run).
        sources: each source's resolved settings, for provenance.
        input_shape: the one input shape of the study (``1x8x8``, ``512-d features``).
        conversions: source name -> how its images become that shape, in words.
        realism: tracking: scene set -> distance of its motion statistics to the real training
            sequences, per statistic and ``overall`` (``synreal.tracking.stats``).
        timings: wall and CPU time of the last execution.
        reused: runs reused from the store in the last execution.
        failed: runs that failed (listed by the report).
    """

    model_config = ConfigDict(extra="forbid")

    name: str = "study"
    task: str = "classification"
    metric: str = "accuracy"
    higher_is_better: bool = True
    baseline: str = "real+aug"
    item: str = "images"
    real_item: str = "images"
    seeds: list[int] = Field(default_factory=list)
    real_fractions: list[float] = Field(default_factory=list)
    n_train_real: int | None = None
    n_test_real: int | None = None
    n_pool_real: int | None = None
    classes: list[str] = Field(default_factory=list)
    version: str = __version__
    data_fingerprint: str | None = None
    level: float = 0.95
    tolerance: float = 0.0
    looks: LooksMeta | None = None
    n_boot: int = 1000
    spec: dict[str, Any] | None = None
    sources: dict[str, Any] = Field(default_factory=dict)
    input_shape: str | None = None
    conversions: dict[str, str] = Field(default_factory=dict)
    realism: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    timings: dict[str, float] | None = None
    reused: int | None = None
    failed: list[str] = Field(default_factory=list)
