"""Scaling laws of a study's tidy results: which runs are fitted, which fit speaks, what it claims.

The rules a report follows, in one place:

- the error is ``1 - metric`` for a higher-is-better metric, the metric itself otherwise;
- a source qualifies at a real fraction when its ``pretrain`` runs there cover at least
  ``MIN_SIZES`` distinct synthetic sizes (``n_synthetic > 0``); ``L(n)`` is fitted at each
  qualifying fraction;
- with two or more qualifying fractions the joint law ``L(n, s)`` is fitted too, with ``s``
  the number of real samples;
- the primary fit of a source (the one its headline speaks for) is the joint fit when it is
  identified, else the fit at the largest qualifying fraction;
- the headline claim follows the primary fit's verdict: "more data pays" and "the gap
  dominates" only from an identified fit; a flagged fit is represented by its own verdict,
  which rests on the trend alone (:class:`Claim`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import pandas as pd

from synreal.analysis.scaling.fit import fit_scaling_law
from synreal.analysis.scaling.results import ScalingFit
from synreal.analysis.scaling.tables import derived_errors

MIN_SIZES = 3  # distinct synthetic sizes at one real fraction for a fit of L(n)


@dataclass(frozen=True)
class StudySettings:
    """How a study's results are read: the primary metric, its direction and the intervals.

    Attributes:
        metric: the primary metric (rows of ``results`` whose ``metric`` equals it).
        higher_is_better: True when error = 1 - metric (accuracy, HOTA), False when the
            metric is itself an error or a loss.
        level: coverage of every interval.
        n_boot: bootstrap resamples per fit.
        random_state: seed of the bootstraps.
    """

    metric: str = "accuracy"
    higher_is_better: bool = True
    level: float = 0.95
    n_boot: int = 1000
    random_state: int = 0


def error_rows(results: pd.DataFrame, condition: str, settings: StudySettings) -> pd.DataFrame:
    """The rows of one condition for the primary metric, with an ``error`` column (lower is better).

    Args:
        results: the tidy table (``condition, metric, value`` and the factor columns).
        condition: e.g. ``"real"`` or ``"pretrain"``.
        settings: the metric and its direction.

    Returns:
        A copy of the matching rows with ``error`` added.

    Example:
        >>> t = pd.DataFrame({"condition": ["real", "pretrain"], "metric": ["accuracy"] * 2, "value": [0.9, 0.8]})
        >>> error_rows(t, "pretrain", StudySettings())["error"].round(3).tolist()
        [0.2]
    """
    t = results[(results["metric"] == settings.metric) & (results["condition"] == condition)].copy()
    values = t["value"].astype(float)
    t["error"] = 1.0 - values if settings.higher_is_better else values
    return t


class Claim(str, Enum):
    """What a source's headline may say, decided by its primary fit."""

    MORE_DATA_PAYS = "more-data-pays"  # identified; the removable error exceeds the gap
    GAP_DOMINATES = "gap-dominates"  # identified; the gap exceeds the removable error
    SEE_VERDICT = "see-verdict"  # flagged: only the fit's own (trend-based) verdict can be said


@dataclass(frozen=True)
class SourceScaling:
    """The scaling fits of one source.

    Attributes:
        source: the synthetic source.
        fractions: the qualifying real fractions, ascending.
        by_fraction: ``L(n)`` at each qualifying fraction.
        joint: ``L(n, s)`` over the qualifying fractions (``s`` = real samples), or None.
        primary_fraction: the fraction whose fit is primary, None when the joint fit is.
        claim: what the headline may say.
        gap: ``(C, lo, hi)`` of the primary fit (at its ``s_ref`` for the joint law).
    """

    source: str
    fractions: tuple[float, ...]
    by_fraction: dict[float, ScalingFit]
    joint: ScalingFit | None
    primary_fraction: float | None
    claim: Claim
    gap: tuple[float, float, float]

    @property
    def primary(self) -> ScalingFit:
        """The fit the headline speaks for."""
        return self.joint if self.primary_fraction is None else self.by_fraction[self.primary_fraction]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the primary fit's key (``"joint"`` or ``"fraction F"``) and every fit's summary."""
        fits = {f"fraction {f:g}": fit.to_dict() for f, fit in self.by_fraction.items()}
        if self.joint is not None:
            fits["joint"] = self.joint.to_dict()
        primary = "joint" if self.primary_fraction is None else f"fraction {self.primary_fraction:g}"
        return {"primary": primary, "claim": self.claim.value, "gap": list(self.gap), "fits": fits}


@dataclass(frozen=True)
class ScalingAnalysis:
    """Scaling fits of every qualifying source of a study.

    Attributes:
        settings: how the results were read.
        sources: one entry per qualifying source, by name.
    """

    settings: StudySettings
    sources: tuple[SourceScaling, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form, keyed by source."""
        return {s.source: s.to_dict() for s in self.sources}


def _claim(fit: ScalingFit) -> Claim:
    """The headline a fit supports (science.md's verdict, only from an identified fit)."""
    if fit.ill_conditioned:
        return Claim.SEE_VERDICT
    return Claim.MORE_DATA_PAYS if fit.verdict_kind == "more-data-pays" else Claim.GAP_DOMINATES


def scaling_analysis(results: pd.DataFrame, settings: StudySettings) -> ScalingAnalysis | None:
    """Fit Mikami's law to each source of a study that ran a grid of synthetic sizes.

    Args:
        results: the tidy table (``condition, source, n_synthetic, real_fraction, n_real,
            seed, metric, value``).
        settings: metric, direction, level, bootstrap size and seed.

    Returns:
        A :class:`ScalingAnalysis`, or None when no source qualifies (see the module
        docstring for the rules).

    Example:
        >>> import numpy as np
        >>> rows = [{"condition": "pretrain", "source": "fonts", "n_synthetic": n, "real_fraction": 0.1,
        ...          "n_real": 144, "seed": k, "metric": "accuracy", "value": 1 - (2 * n**-0.4 + 0.01)}
        ...         for n in (1000, 2000, 4000, 8000, 16000) for k in range(3)]
        >>> out = scaling_analysis(pd.DataFrame(rows), StudySettings(n_boot=50))
        >>> [(s.source, s.fractions, s.claim.value) for s in out.sources]
        [('fonts', (0.1,), 'more-data-pays')]
    """
    t = error_rows(results, "pretrain", settings)
    if t.empty:
        return None
    t = t[t["n_synthetic"].astype(float) > 0]
    kw = {"n": "n_synthetic", "error": "error", "seed": "seed", "n_boot": int(settings.n_boot),
          "level": settings.level, "random_state": settings.random_state}
    out = []
    with derived_errors():
        for source, rows in t.groupby("source", sort=True):
            sizes = rows.groupby("real_fraction")["n_synthetic"].nunique()
            fractions = tuple(float(f) for f in sorted(sizes[sizes >= MIN_SIZES].index))
            if not fractions:
                continue
            by_fraction = {f: fit_scaling_law(rows[rows["real_fraction"] == f], **kw) for f in fractions}
            joint = None
            if len(fractions) >= 2:
                joint = fit_scaling_law(rows[rows["real_fraction"].isin(fractions)], s="n_real", **kw)
            primary_fraction = None if joint is not None and not joint.ill_conditioned else fractions[-1]
            primary = joint if primary_fraction is None else by_fraction[primary_fraction]
            out.append(SourceScaling(source=str(source), fractions=fractions, by_fraction=by_fraction, joint=joint,
                                     primary_fraction=primary_fraction, claim=_claim(primary),
                                     gap=primary.gap_interval()))
    return ScalingAnalysis(settings=settings, sources=tuple(out)) if out else None
