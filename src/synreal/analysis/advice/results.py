"""The advice as typed results: what each option buys, whether it is recommended, and why not.

:func:`~synreal.analysis.advice.buy.advise` returns an :class:`Advice` of one
:class:`OptionAdvice` per option; :mod:`~synreal.analysis.advice.words` turns them into
sentences, the report and the command line format them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pandas as pd

from synreal.analysis.advice.check import LawCheck
from synreal.analysis.advice.options import FittedOption, Hours
from synreal.analysis.advice.spec import AdviceSpec, Goal


class Status(str, Enum):
    """Whether an option gets advice."""

    ADVISED = "advised"  # its point lies inside the region its law was checked on
    EXTRAPOLATION = "extrapolation"  # the law's point lies outside it: not advised
    UNREACHABLE = "unreachable"  # the law never reaches the target (or the budget buys nothing)
    MISFIT = "misfit"  # no measured cell passes cross-validation: the law misses the data
    UNTESTED = "untested"  # no cell could be held out (too few sizes)


class Recommendation(str, Enum):
    """What the comparison with real data alone supports."""

    REFERENCE = "reference"  # real data alone: what the others are compared with
    RECOMMENDED = "recommended"  # the saving (or gain) interval lies above 0
    NOT_SHOWN = "not-shown"  # it contains 0
    WORSE = "worse"  # it lies below 0: costs more (buys less) than real data alone
    NO_REFERENCE = "no-reference"  # real data alone is not advised: nothing to compare with
    NO_INTERVAL = "no-interval"  # fewer than 2 seeds: no interval, no claim
    NOT_ADVISED = "not-advised"  # the option itself is not advised (see its status)


class Reason(str, Enum):
    """Why a run is suggested."""

    OUTSIDE = "outside"  # the goal's point lies outside the checked region
    CHEAPER_OUTSIDE = "cheaper-outside"  # an advised point exists, but the law predicts a better one outside
    MORE_SIZES = "more-sizes"  # the law could not be cross-validated
    MORE_REAL_DATA = "more-real-data"  # the point needs more real samples than the study's split holds


Triple = tuple[float, float, float]  # (value, lo, hi)


@dataclass(frozen=True)
class Purchase:
    """One point to buy, with intervals over seeds.

    Attributes:
        n_synthetic, n_real: samples to buy (``(value, lo, hi)``).
        cost: its price.
        metric: the metric the law predicts there (its mean over training runs).
        hours: hours of compute of one training run there.
        inside: whether it lies inside the checked region.
    """

    n_synthetic: Triple
    n_real: Triple
    cost: Triple
    metric: Triple
    hours: float
    inside: bool


@dataclass(frozen=True)
class Suggestion:
    """A run that would extend the checked region to where the law's best point lies.

    Attributes:
        condition, source: the option's configuration.
        n_synthetic: synthetic samples (0 for real-only).
        n_real: real samples (rounded).
        real_fraction: ``n_real`` as a fraction of the study's real training split (None
            when unknown, e.g. for a table).
        reason: why it is suggested.
    """

    condition: str
    source: str
    n_synthetic: float
    n_real: float
    real_fraction: float | None
    reason: Reason


@dataclass(frozen=True)
class OptionAdvice:
    """The advice for one option.

    Attributes:
        key, label, condition, source, kind, reference: the option (see ``Option``).
        n_fixed: its synthetic size (None when the law chooses it).
        status: whether its point is advised.
        point: the advised purchase (None unless ``status`` is ADVISED).
        outside: the law's best point outside the checked region, when it is not advised or
            is better than the advised one by more than 5% (None otherwise).
        safe: with a target, the cheapest purchase inside the region that reaches it at the
            one-sided level (the real samples' upper bound; the advised point reaches it only
            on average): ``(n_synthetic, n_real, cost)``, or None.
        comparison: with a target, the saving against real data alone (a fraction of its
            cost); with a budget, the metric gained over real data alone (positive: better).
        recommendation: what the comparison supports.
        frontier: for each synthetic size searched, the point estimate's frontier (target:
            ``n_real`` that reaches it and its ``cost``; budget: the budget line's ``n_real`` and
            the ``metric`` there), whether that point is ``advisable`` (inside the checked
            region), and the advised purchase at that size (``advised_real`` and
            ``advised_cost`` or ``advised_metric``; NaN where the region does not reach).
        check: the cross-validation of the law.
        params: the fitted law.
        hours: the run-time model.
        suggestions: runs that would make a better point advisable.
        floor: the best metric the law can reach (the curve's asymptote; None for the joint law).
        fit: the fitted law (its :meth:`~synreal.analysis.advice.FittedOption.error` predicts).
    """

    key: str
    label: str
    condition: str
    source: str
    kind: str
    reference: bool
    n_fixed: float | None
    status: Status
    point: Purchase | None
    outside: Purchase | None
    safe: tuple[float, float, float] | None
    comparison: Triple | None
    recommendation: Recommendation
    frontier: pd.DataFrame = field(repr=False)
    check: LawCheck = field(repr=False)
    params: dict[str, float] = field(default_factory=dict)
    hours: Hours = field(default_factory=Hours)
    suggestions: tuple[Suggestion, ...] = ()
    floor: float | None = None
    fit: FittedOption | None = field(default=None, repr=False)



@dataclass(frozen=True)
class Advice:
    """What to buy, for every option.

    Attributes:
        spec: prices and the goal as given.
        goal: the goal resolved against the metric's declaration.
        level: coverage of every interval.
        n_boot: seed resamples.
        n_seeds: distinct seeds in the runs.
        n_train_real: the study's real training split (None for a table).
        options: the reference (real data alone) first.
        skipped: ``(label, reason)`` of configurations measured too thinly for a law.
        item: what a synthetic sample is, in words (``images``, ``sequences``).
        real_item: what the real size counts (``samples``; ``frames`` for tracking).
    """

    spec: AdviceSpec
    goal: Goal
    level: float
    n_boot: int
    n_seeds: int
    n_train_real: float | None
    options: tuple[OptionAdvice, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    item: str = "images"
    real_item: str = "samples"

    @property
    def reference(self) -> OptionAdvice:
        """Real data alone."""
        return next(o for o in self.options if o.reference)

    @property
    def best(self) -> OptionAdvice | None:
        """The cheapest (target) or best (budget) option that is recommended, else real data alone when advised."""
        rec = [o for o in self.options if o.recommendation is Recommendation.RECOMMENDED]
        if not rec:
            return self.reference if self.reference.status is Status.ADVISED else None
        if self.goal.mode == "target":
            return min(rec, key=lambda o: o.point.cost[0])
        return max(rec, key=lambda o: o.point.metric[0])

    def option(self, key: str) -> OptionAdvice:
        """The option with ``key``."""
        return next(o for o in self.options if o.key == key)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (NaN stays NaN: the writer sanitises it)."""
        def purchase(p: Purchase | None) -> dict[str, Any] | None:
            if p is None:
                return None
            return {k: (list(v) if isinstance(v, tuple) else v) for k, v in p.__dict__.items()}

        out = []
        for o in self.options:
            inside, tested = o.check.coverage
            out.append({
                "key": o.key, "label": o.label, "condition": o.condition, "source": o.source, "kind": o.kind,
                "reference": o.reference, "n_fixed": o.n_fixed, "status": o.status.value,
                "recommendation": o.recommendation.value, "point": purchase(o.point), "outside": purchase(o.outside),
                "safe": dict(zip(("n_synthetic", "n_real", "cost"), o.safe)) if o.safe else None,
                "comparison": list(o.comparison) if o.comparison else None, "params": o.params,
                "hours_model": o.hours.__dict__, "floor": o.floor,
                "suggestions": [{**s.__dict__, "reason": s.reason.value} for s in o.suggestions],
                "cross_validation": {
                    "level": o.check.level, "adjusted_level": o.check.adjusted_level, "inside": inside,
                    "p_value": o.check.p_value, "rejected": o.check.rejected,
                    "tested": tested, "cells": [{**c.__dict__} for c in o.check.checks],
                    "status": [st.value for st in o.check.status]},
            })
        best = self.best
        return {"goal": self.goal.__dict__, "costs": self.spec.costs.model_dump(), "level": self.level,
                "n_boot": self.n_boot, "n_seeds": self.n_seeds, "n_train_real": self.n_train_real,
                "best": best.key if best else None, "options": out,
                "skipped": [{"option": a, "reason": b} for a, b in self.skipped]}
