"""Every statistic and verdict of a study, computed once from its tidy table.

``analyse_study`` is the one place where the report's claims are decided: substitutability,
the flexibility ranking, the augmentation baseline and the retrieval baseline, each with the
verdict rule of ``synreal.analysis.verdicts``, plus the warnings a reader needs when the data
cannot carry a claim. Report sections format a ``StudyAnalysis``; the study engine's adaptive
seeding reads the same object to decide which cells need more seeds
(``cells_needing_seeds``), so the engine and the report can never disagree about what is
decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synreal.analysis.advice import Advice, AdviceSpec, advise, parse_advice
from synreal.analysis.advice.study import runs_from_results
from synreal.analysis.augmentation import augmentation_gains, missing_baselines
from synreal.analysis.cells import scaling_grid_configs
from synreal.analysis.equivalency import EquivalencyAnalysis, equivalency_analysis
from synreal.analysis.meta import StudyMeta
from synreal.analysis.ranking import AVERAGE, Ranking, rank_configurations
from synreal.analysis.retrieval import (
    RetrievalVerdict,
    probe_gaps,
    retrieval_cells,
    retrieval_verdicts,
)
from synreal.analysis.scaling import ScalingAnalysis, StudySettings, scaling_analysis
from synreal.analysis.stats import select_metric
from synreal.analysis.substitution import (
    CONFIG,
    SUBSTITUTE_CONDITIONS,
    substitutability,
    substitution_curves,
    substitution_tests,
)
from synreal.analysis.tracking import TrackingAnalysis, analyse_tracking
from synreal.analysis.verdicts import Looks, t_bounds
from synreal.errors import UserInputError

Cell = tuple[str, str, int, float]  # (condition, source, n_synthetic, real_fraction)


@dataclass(frozen=True)
class AnalysisSettings:
    """How a study's results are judged.

    Attributes:
        metric: the primary metric (``accuracy``, ``HOTA``...).
        higher_is_better: its direction.
        tolerance: substitutability margin in metric units (and the retrieval baseline's
            "matches" margin).
        level: one-sided confidence level of every verdict.
        looks: the adaptive seed schedule (None: one look at whatever seeds each cell has).
        decide: verdict families that adaptive seeding works to decide.
        reference_fraction: real fraction of the substitutability reference ``R``.
        baseline: the condition every synthetic gain is set beside besides ``real``
            (``real+aug``: plain augmentation; ``kalman``: the tracker that learns nothing).
        item: what one synthetic sample is, in words (``images``, ``sequences``).
        real_item: what the real size counts, in words (``images``, ``frames``).
        advice: prices and a goal: what to buy (None: no purchase advice).
        n_train_real: the real training split (runs the advice suggests beyond it need more real data).
    """

    metric: str = "accuracy"
    higher_is_better: bool = True
    tolerance: float = 0.0
    level: float = 0.95
    looks: Looks | None = None
    decide: tuple[str, ...] = ("substitutability", "ranking")
    reference_fraction: float = 1.0
    baseline: str = "real+aug"
    item: str = "images"
    real_item: str = "images"
    advice: AdviceSpec | None = None
    n_train_real: float | None = None


@dataclass
class StudyAnalysis:
    """Everything the report says, as tables and typed verdicts.

    Attributes:
        settings: how it was judged.
        curves: substitution curves (mean and t interval per cell).
        tests: non-inferiority test per pretrain/mix cell (``substitution_tests``), or empty.
        substitutability: one row per configuration (``substitutability``), or empty.
        grid_configs: configurations treated as scaling-grid cells (kept out of
            substitutability, the ranking and the augmentation baseline: the Scaling section
            analyses them).
        ranking: the flexibility ranking, or None when no synthetic configuration ran.
        gains: gains over ``real`` and the task's baseline (``augmentation_gains``).
        missing_baselines: synthetic cells whose baseline was not run.
        retrieval: one verdict per (retrieved, generated) pair.
        retrieval_cells: means per retrieval cell, for the figure.
        probe: SDEdit probe gaps.
        warnings: sentences a reader needs where the data cannot carry a claim.
        has_reference: whether real-only runs at the reference fraction exist.
        scaling: the scaling-law fits per source (``synreal.analysis.scaling.scaling_analysis``).
        equivalency: effective data per source (``synreal.analysis.equivalency``).
        tracking: a tracking study's secondary metrics, realism and the seed paper's claims.
        advice: what to buy for the spec's goal (``synreal.analysis.advice``), when it asks.
    """

    settings: AnalysisSettings
    curves: pd.DataFrame
    tests: pd.DataFrame
    substitutability: pd.DataFrame
    grid_configs: set[tuple[str, str, int]]
    ranking: Ranking | None
    gains: pd.DataFrame
    missing_baselines: pd.DataFrame
    retrieval: list[RetrievalVerdict]
    retrieval_cells: pd.DataFrame
    probe: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    has_reference: bool = False
    scaling: ScalingAnalysis | None = None
    equivalency: EquivalencyAnalysis | None = None
    tracking: TrackingAnalysis | None = None
    advice: Advice | None = None

    def verdicts(self) -> pd.DataFrame:
        """Every verdict in one tidy table (saved as ``verdicts.csv`` beside the report).

        Columns: ``family, subject, against, threshold, estimate, lower, upper, bound_level,
        n_seeds, decision, final``.
        """
        rows: list[dict] = []
        thr = -self.settings.tolerance
        for r in self.tests.itertuples():
            rows.append(dict(family="substitutability", subject=_cell_name(r.condition, r.source, r.n_synthetic,
                                                                           r.real_fraction),
                             against="real at 100%", threshold=thr, estimate=r.diff, lower=r.lower, upper=r.upper,
                             bound_level=r.bound_level, n_seeds=r.n_seeds, decision=r.decision, final=r.final))
        if self.ranking is not None:
            for p in self.ranking.pairs.itertuples():
                rows.append(dict(family="ranking", subject=f"{p.better} [{p.scope}]", against=p.worse, threshold=0.0,
                                 estimate=p.diff, lower=p.lower, upper=p.upper, bound_level=p.bound_level,
                                 n_seeds=p.n_seeds, decision=p.decision, final=True))
        for g in self.gains.itertuples():
            rows.append(dict(family="augmentation", subject=f"{g.config} at {g.real_fraction:g}", against=g.baseline,
                             threshold=0.0, estimate=g.gain, lower=g.lower, upper=g.upper, bound_level=g.bound_level,
                             n_seeds=g.n_seeds, decision=g.decision, final=True))
        for v in self.retrieval:
            for x in v.gaps.itertuples():
                rows.append(dict(family="retrieval", subject=f"{v.retrieved} at {x.n}", against=v.generated,
                                 threshold=0.0, estimate=x.gap, lower=x.lower, upper=x.upper,
                                 bound_level=x.bound_level, n_seeds=x.n_seeds, decision=x.beats, final=True))
        cols = ["family", "subject", "against", "threshold", "estimate", "lower", "upper", "bound_level", "n_seeds",
                "decision", "final"]
        return pd.DataFrame(rows, columns=cols)


def settings_from_meta(meta: StudyMeta, level: float | None = None) -> AnalysisSettings:
    """The analysis settings a study's metadata implies (metric, direction, tolerance, seed schedule).

    Example:
        >>> settings_from_meta(StudyMeta(metric="HOTA", tolerance=0.5), 0.9).tolerance
        0.5
    """
    lk = meta.looks
    looks = Looks(tuple(lk.sizes), lk.level, lk.power) if lk is not None else None
    advice = (meta.spec or {}).get("advice")
    return AnalysisSettings(
        metric=meta.metric,
        higher_is_better=meta.higher_is_better,
        tolerance=meta.tolerance,
        level=level if level is not None else meta.level,
        looks=looks,
        decide=tuple(lk.decide) if lk is not None else ("substitutability", "ranking"),
        baseline=meta.baseline,
        item=meta.item,
        real_item=meta.real_item,
        advice=parse_advice(advice) if advice is not None else None,
        n_train_real=float(meta.n_train_real) if meta.n_train_real else None,
    )


def _cell_name(condition: str, source: str, n: int, f: float) -> str:
    from synreal.analysis.substitution import config_label

    return f"{config_label(condition, source, n)} at {f:.0%} real"


def _without(results: pd.DataFrame, configs: set[tuple[str, str, int]]) -> pd.DataFrame:
    if not configs:
        return results
    keys = zip(results["condition"].astype(str), results["source"].astype(str), results["n_synthetic"].astype(int))
    return results[[k not in configs for k in keys]]


def _real_curve_warnings(results: pd.DataFrame, s: AnalysisSettings) -> list[str]:
    """A real-only curve that is shown to fall as real data grows: the baseline is under-trained."""
    t = select_metric(results, s.metric, conditions=("real",))
    if t.empty:
        return []
    m = t.pivot_table(index="real_fraction", columns="seed", values="value", aggfunc="first").sort_index()
    sign = 1.0 if s.higher_is_better else -1.0
    out = []
    best_f = None
    for f in m.index:
        if best_f is not None:
            d = (sign * (m.loc[f] - m.loc[best_f])).dropna()
            b = t_bounds(d.to_numpy(), s.level)
            if b.n_seeds >= 2 and b.upper < 0:
                out.append(f"Real-only training gets worse as real data grows: {s.metric} at {f:.0%} real is lower "
                           f"than at {best_f:.0%} by {-b.estimate:.3f} (upper bound {b.upper:+.3f}, "
                           f"{b.n_seeds} seeds). The baseline looks under-trained at larger sizes, which flatters "
                           "every synthetic condition compared with it: train longer or check the learning rate.")
                break
        if best_f is None or sign * m.loc[f].mean() > sign * m.loc[best_f].mean():
            best_f = f
    return out


def analyse_study(results: pd.DataFrame, settings: AnalysisSettings | None = None, *, laws: bool = True,
                  n_boot: int = 1000, realism: dict[str, dict[str, float | None]] | None = None) -> StudyAnalysis:
    """Compute every statistic and verdict of a study from its tidy table, once.

    Args:
        results: the tidy results table (``run_id, condition, source, n_synthetic,
            real_fraction, n_real, seed, metric, value``).
        settings: metric, direction, tolerance, level and seed schedule.
        laws: also fit the scaling laws and effective data (bootstrap fits: skipped by the
            engine's adaptive rounds, which only need the verdicts).
        n_boot: bootstrap resamples of those fits.
        realism: a tracking study's scene-set realism distances (``StudyMeta.realism``); given,
            the tracking additions are computed too.

    Returns:
        A ``StudyAnalysis``.

    Example:
        >>> rows = [("real", "none", 0, f, s, 0.8 + 0.1 * f + 0.002 * s) for f in (0.5, 1.0) for s in range(3)]
        >>> rows += [("pretrain", "a", 100, f, s, 0.885 + 0.03 * f + 0.002 * s) for f in (0.5, 1.0) for s in range(3)]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> a = analyse_study(t.assign(metric="accuracy", n_real=0, run_id="x"), AnalysisSettings(tolerance=0.01))
        >>> a.substitutability["status"].tolist(), round(float(a.substitutability["replaces_lo"][0]), 2)
        (['replaces'], 0.5)
    """
    s = settings or AnalysisSettings()
    warnings: list[str] = []
    curves = substitution_curves(results, metric=s.metric, level=s.level)
    grid = scaling_grid_configs(results[results["metric"] == s.metric])
    core = _without(results, grid)
    ref_rows = curves[(curves["condition"] == "real") & np.isclose(curves["real_fraction"].astype(float),
                                                                    s.reference_fraction)]
    has_ref = not ref_rows.empty
    n_sub = len(curves[curves["condition"].isin(SUBSTITUTE_CONDITIONS)][CONFIG].drop_duplicates())
    tests = pd.DataFrame()
    sub = pd.DataFrame()
    if n_sub and not has_ref:
        warnings.append(f"The study has no real-only runs on {s.reference_fraction:.0%} of the real data, the "
                        "reference R that training with synthetic data must match: substitutability cannot be "
                        "assessed. Add 1.0 to real_fractions.")
    elif n_sub:
        tests = substitution_tests(core, metric=s.metric, higher_is_better=s.higher_is_better, tolerance=s.tolerance,
                                   level=s.level, looks=s.looks, reference_fraction=s.reference_fraction)
        sub = substitutability(core, metric=s.metric, higher_is_better=s.higher_is_better, tolerance=s.tolerance,
                               level=s.level, looks=s.looks, reference_fraction=s.reference_fraction, tests=tests)
        if s.tolerance == 0:
            warnings.append("The substitutability tolerance is 0, so a fraction passes only when it is shown "
                            "better than the reference; set report.tolerance to the drop you accept.")
    warnings += _real_curve_warnings(results, s)
    ranked = core[core["condition"].isin(("pretrain", "mix", "synthetic-only"))]
    ranking = None
    if not ranked.empty:
        ranking = rank_configurations(core, metric=s.metric, higher_is_better=s.higher_is_better, level=s.level,
                                      looks=s.looks)
    gains = augmentation_gains(core, metric=s.metric, higher_is_better=s.higher_is_better, level=s.level,
                               looks=s.looks, baseline=s.baseline)
    missing = missing_baselines(core, metric=s.metric, baseline=s.baseline)
    retrieval = retrieval_verdicts(results, metric=s.metric, higher_is_better=s.higher_is_better,
                                   tolerance=s.tolerance, level=s.level, looks=s.looks)
    scaling = equivalency = None
    if laws:
        law_settings = StudySettings(metric=s.metric, higher_is_better=s.higher_is_better, level=s.level,
                                     n_boot=n_boot)
        scaling = scaling_analysis(results, law_settings)
        equivalency = equivalency_analysis(results, law_settings)
    advice = _advice(results, s, n_boot, warnings) if laws and s.advice is not None else None
    out = StudyAnalysis(
        scaling=scaling, equivalency=equivalency, advice=advice, settings=s, curves=curves, tests=tests, substitutability=sub, grid_configs=grid, ranking=ranking,
        gains=gains, missing_baselines=missing, retrieval=retrieval,
        retrieval_cells=retrieval_cells(results, metric=s.metric, level=s.level),
        probe=probe_gaps(results, metric=s.metric, higher_is_better=s.higher_is_better, level=s.level,
                         looks=s.looks),
        warnings=warnings, has_reference=has_ref,
    )
    if realism is not None:
        out.tracking = analyse_tracking(results, out, realism)
    return out


def _advice(results: pd.DataFrame, s: AnalysisSettings, n_boot: int, warnings: list[str]) -> Advice | None:
    """What to buy, or a warning that says why the study cannot tell (the rest of the report stands)."""
    try:
        return advise(runs_from_results(results, s.metric, s.higher_is_better), s.advice, metric=s.metric,
                      higher_is_better=s.higher_is_better, level=s.level, n_boot=n_boot, n_train_real=s.n_train_real,
                      item=s.item, real_item=s.real_item)
    except UserInputError as exc:
        warnings.append(f"No purchase advice: {exc.problem}.")
        return None


def cells_needing_seeds(analysis: StudyAnalysis, families: Iterable[str] | None = None) -> set[Cell]:
    """The cells whose undecided verdicts more seeds could still decide.

    Substitutability: an undecided fraction matters only above the largest fraction shown
    worse (below it, ``f*`` cannot move); it needs its cell and the reference ``R``. A
    ranking pair at the average scope needs both configurations at every averaged fraction.
    A gain needs the synthetic cell and its baseline; a retrieval gap both sizes' cells.

    Args:
        analysis: the current analysis.
        families: verdict families to decide (default: the settings' ``decide``).

    Returns:
        Cell keys ``(condition, source, n_synthetic, real_fraction)``.
    """
    fam = set(families if families is not None else analysis.settings.decide)
    ref: Cell = ("real", "none", 0, analysis.settings.reference_fraction)
    out: set[Cell] = set()
    if "substitutability" in fam and not analysis.tests.empty:
        for key, g in analysis.tests.groupby(CONFIG):
            g = g.sort_values("real_fraction")
            below = g.loc[g["decision"] == "below", "real_fraction"]
            floor = float(below.max()) if len(below) else -1.0
            for r in g.itertuples():
                if r.real_fraction > floor and not r.final and r.decision in ("undecided", "too few seeds"):
                    out |= {(r.condition, r.source, int(r.n_synthetic), float(r.real_fraction)), ref}
    if "ranking" in fam and analysis.ranking is not None and analysis.ranking.fractions:
        by_label = {lab: key for key, lab in zip(
            map(tuple, analysis.ranking.overall[CONFIG].itertuples(index=False)), analysis.ranking.overall["config"])}
        looks = analysis.settings.looks
        for p in analysis.ranking.pairs[analysis.ranking.pairs["scope"] == AVERAGE].itertuples():
            final = looks is None or p.n_seeds >= looks.max_seeds
            if p.decision != "above" and not final:
                for lab in (p.better, p.worse):
                    c, src, n = by_label[lab]
                    out |= {(c, src, int(n), float(f)) for f in analysis.ranking.fractions}
    looks = analysis.settings.looks
    if "augmentation" in fam:
        for g in analysis.gains.itertuples():
            if g.decision in ("undecided", "too few seeds") and (looks is not None and g.n_seeds < looks.max_seeds):
                out.add((g.condition, g.source, int(g.n_synthetic), float(g.real_fraction)))
                out.add((g.baseline, "none", 0, float(g.real_fraction)))
    if "retrieval" in fam:
        for v in analysis.retrieval:
            for x in v.gaps.itertuples():
                if x.matches != "above" and x.beats != "below" and looks is not None and x.n_seeds < looks.max_seeds:
                    out.add(("retrieved", v.retrieved, int(x.n), 0.0))
                    out.add(("generated", v.generated, int(x.n), 0.0))
    return out
