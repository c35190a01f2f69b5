"""Report sections: each concern contributes a section computed from the tidy results.

A section is a function registered in ``SECTIONS`` that takes a ``ReportContext`` and
returns a ``Section`` (or ``None`` when the study has no data for it, e.g. no scaling grid).
``synreal.report.html.build_report`` calls them in ``order`` and assembles report.html,
summary.json and the figures. Sections know nothing of torch or of how runs were executed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synreal.analysis.meta import StudyMeta
from synreal.analysis.study import StudyAnalysis, analyse_study, settings_from_meta
from synreal.registry import Registry, callable_with


@dataclass
class ReportContext:
    """What every section reads.

    Attributes:
        results: the tidy table, columns ``run_id, condition, source, n_synthetic,
            real_fraction, n_real, seed, metric, value`` (+ optional factors such as ``gamma``).
            ``source`` is ``"none"`` and ``n_synthetic`` 0 for real-only conditions.
        meta: the study's typed metadata (``synreal.analysis.meta.StudyMeta``; a dict is
            validated into one).
        figures_dir: where sections write PNG figures.
        level: confidence level of intervals (0.95 unless the spec says otherwise).
        analysis: every statistic and verdict (``synreal.analysis.study.analyse_study``),
            computed once when the context is made unless given; sections format it.
        samples: name -> images ((N, C, H, W) in [0, 1], or ImageSet-like) for sample grids.
    """

    results: pd.DataFrame
    meta: StudyMeta
    figures_dir: Path
    level: float = 0.95
    analysis: StudyAnalysis | None = None
    samples: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.meta, StudyMeta):
            self.meta = StudyMeta.model_validate(self.meta)
        # every statistic is computed once per report, here; sections only format it
        if self.analysis is None:
            self.analysis = analyse_study(self.results, settings_from_meta(self.meta, self.level),
                                          n_boot=self.meta.n_boot,
                                          realism=self.meta.realism if self.meta.task == "tracking" else None)

    def metric_table(self, metric: str | None = None) -> pd.DataFrame:
        """Rows of one metric (the primary one by default)."""
        name = metric or self.meta.metric
        return self.results[self.results["metric"] == name].copy()


@dataclass
class Section:
    """One section of the report.

    Attributes:
        key: short identifier, also the key of this section in summary.json.
        title: heading shown in the report.
        headlines: plain sentences that lead the report (each with its interval, or a
            sentence saying the data cannot support the claim).
        html: the section body (HTML fragment; figures are referenced by file name and
            inlined by the builder).
        figures: PNG files written into ``figures_dir``.
        summary: JSON-serialisable numbers behind the sentences.
    """

    key: str
    title: str
    headlines: list[str] = field(default_factory=list)
    html: str = ""
    figures: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


SectionFn = Callable[[ReportContext], "Section | None"]
SECTIONS: Registry[SectionFn] = Registry("report section", contract=[callable_with("ctx")])
ORDER: dict[str, int] = {}


def section(name: str, order: int) -> Callable[[SectionFn], SectionFn]:
    """Register a section under ``name``; lower ``order`` comes first in the report."""

    def deco(fn: SectionFn) -> SectionFn:
        ORDER[name] = order
        return SECTIONS.register(name)(fn)

    return deco
