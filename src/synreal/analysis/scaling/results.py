"""The result of a scaling fit: parameters, intervals, findings, verdict, predictions.

A :class:`ScalingFit` holds the point estimate, the bootstrap replicates it was judged with
(kept private: every public number comes through a method that applies the same
small-sample interval rule), the structured findings of the diagnostics and the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from synreal.analysis import bootstrap as bs
from synreal.analysis.scaling.findings import MISFIT, Diagnosis, Finding, sentence
from synreal.analysis.scaling.laws import LAWS, TINY, Law
from synreal.analysis.scaling.solver import response
from synreal.errors import UserInputError

VERDICT_KINDS = ("gap-dominates", "more-data-pays", "not-identifiable")


@dataclass
class Bootstrap:
    """One bootstrap of a fit: its interval rule, parameter replicates and per-point data."""

    kind: str  # "se" (few resampled seeds: t interval with the bootstrap SE) or "percentile"
    df: float
    var: float
    reps: np.ndarray  # (B, n_params)
    W: np.ndarray  # (B, m) weights per point
    Y: np.ndarray  # (B, m) mean error per point (linear scale)


@dataclass
class ScalingFit:
    """A fitted scaling law with intervals, structured findings and a verdict.

    Attributes:
        law: ``"single"`` (``L(n) = D n^-alpha + C``) or ``"joint"`` (over fine-tuning sizes).
        params: every parameter's estimate (pinned ones included).
        intervals: ``level`` bootstrap interval of each parameter (``(v, v)`` when pinned,
            NaN when no interval could be computed).
        identified: per parameter, False when the data cannot pin it down.
        pinned: the pinned parameters and their values.
        residuals: run-level residuals on the fitted scale (linear or log).
        data: the runs used: ``n``, [``s``], [``seed``], ``error``, ``fitted``, ``residual``.
        findings: what the diagnostics found, problems first (see :attr:`flags`,
            :attr:`diagnostics`).
        suggestions: what would resolve an ill-conditioned fit (empty otherwise).
        verdict: the plain-language verdict; ``verdict_kind`` one of ``VERDICT_KINDS``.
        gains: predicted error reduction from 2x and 10x the largest size run, with intervals.
        balance: at the largest size run, the error still removable (``D n^-alpha``), the gap
            ``C`` and their difference, each ``(value, lo, hi)`` (empty when not identifiable).
        procedure: how the fit was made (space, bounds, bootstrap, level, seed, source...).
        rss, df: residual sum of squares (on the fitted scale) and residual degrees of freedom.
        s_ref: the fine-tuning size the verdict of a joint fit speaks about (the largest run).
        profiles: profile RSS of each non-linear parameter (linear-space fits).
    """

    law: str
    params: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    identified: dict[str, bool]
    pinned: dict[str, float]
    residuals: np.ndarray
    data: pd.DataFrame
    findings: tuple[Finding, ...]
    suggestions: list[str]
    verdict: str
    verdict_kind: str
    gains: dict[str, tuple[float, float, float]]
    procedure: dict[str, Any]
    rss: float
    df: int
    s_ref: float | None = None
    profiles: dict[str, pd.DataFrame] = field(default_factory=dict)
    balance: dict[str, Any] = field(default_factory=dict)  # removable error vs gap at n_max, with intervals
    _law: Law | None = field(default=None, repr=False)
    # The fit's bootstraps (one today; intervals would take the widest over several).
    _boots: list[Bootstrap] = field(default_factory=list, repr=False)
    _noise: np.ndarray | None = field(default=None, repr=False)  # scaled residual pool

    @property
    def level(self) -> float:
        """Coverage of the intervals."""
        return float(self.procedure["level"])

    @property
    def n_max(self) -> float:
        """Largest synthetic size run."""
        return float(self.data["n"].max())

    @property
    def flags(self) -> frozenset[Diagnosis]:
        """The problems found (empty for a fit whose parameters the data pin down)."""
        return frozenset(f.kind for f in self.findings if f.kind.is_problem)

    @property
    def ill_conditioned(self) -> bool:
        """True when the parameters are not identifiable from the data (any problem flagged)."""
        return bool(self.flags)

    @property
    def misfit(self) -> bool:
        """True when a lack-of-fit test rejects the law itself (not just its conditioning)."""
        return bool(self.flags & MISFIT)

    @property
    def diagnostics(self) -> list[str]:
        """The findings in words, problems first."""
        return [sentence(f, self.level) for f in self.findings]

    @property
    def param_names(self) -> tuple[str, ...]:
        """The law's parameters in order (``D, alpha, C`` or ``delta, gamma, alpha, beta``)."""
        return tuple(self._law.names)

    def at_s(self, s: float | None = None) -> tuple[float, float, float]:
        """``(D, alpha, C)`` of the fitted law at one fine-tuning size.

        Args:
            s: the fine-tuning size (joint law; ``s_ref`` by default). The single law ignores it.

        Returns:
            ``(D, alpha, C)``: the scale, the pre-training rate and the transfer gap.

        Example:
            >>> fit.at_s()  # doctest: +SKIP
            (0.48, 0.227, 0.8)
        """
        D, alpha, C = self._law.at_s(self._param_vector(), self.s_ref if s is None else float(s))
        return float(D), float(alpha), float(C)

    def removable(self, s: float | None = None, level: float | None = None) -> tuple[float, float, float]:
        """The error still removable by more data at the largest size run, ``D n_max^-alpha``, with its interval.

        Args:
            s: the fine-tuning size (joint law; ``s_ref`` by default).
            level: interval coverage (the fit's level by default).

        Returns:
            ``(value, lo, hi)``; the interval is made on the log scale (the value spans decades
            across resamples) and is NaN without a bootstrap.

        Example:
            >>> fit.removable()  # doctest: +SKIP
            (0.0389, 0.0273, 0.057)
        """
        s = self.s_ref if s is None else float(s)
        D, a, _ = self._law.at_s(self._param_vector(), s)
        est = float(D * self.n_max ** (-a))

        def stat(b: Bootstrap) -> np.ndarray:
            Db, ab, _ = self._law.at_s(b.reps, s)
            return np.log(np.maximum(Db * self.n_max ** (-ab), TINY))

        lo, hi = self._iv(stat, math.log(max(est, TINY)), level)
        return est, float(np.exp(np.clip(lo, -700, 700))), float(np.exp(np.clip(hi, -700, 700)))

    def gap_interval(self, s: float | None = None, level: float | None = None) -> tuple[float, float, float]:
        """The transfer gap ``C`` at fine-tuning size ``s`` with its interval, ``(C, lo, hi)``.

        Args:
            s: the fine-tuning size (joint law; ``s_ref`` by default).
            level: interval coverage (the fit's level by default).

        Returns:
            ``(C, lo, hi)``; the interval is NaN without a bootstrap, and never below 0.

        Example:
            >>> fit.gap_interval()  # doctest: +SKIP
            (0.8, 0.778, 0.817)
        """
        s = self.s_ref if s is None else float(s)
        C = self.at_s(s)[2]
        lo, hi = self._iv(lambda b: self._law.at_s(b.reps, s)[2], C, level)
        return C, max(float(lo), 0.0), max(float(hi), 0.0)  # max(nan, 0.0) stays nan

    def _param_vector(self) -> np.ndarray:
        return np.array([self.params[p] for p in self._law.names])

    def _has_boot(self) -> bool:
        return bool(self._boots)

    @property
    def _reps(self) -> np.ndarray:
        """Parameter replicates of the primary bootstrap (empty without one)."""
        return self._boots[0].reps if self._boots else np.zeros((0, len(self._law.names)))

    def _iv(self, stat: Any, est: np.ndarray | float, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Interval of a statistic, ``stat(boot) -> replicates``, widest over the fit's bootstraps."""
        level = self.level if level is None else level
        lo = hi = None
        for b in self._boots:
            l1, h1 = interval_rule(b.kind, b.df, b.var, stat(b), est, level)
            lo, hi = (l1, h1) if lo is None else (np.fmin(lo, l1), np.fmax(hi, h1))
        if lo is None:
            nan = np.full(np.shape(est), np.nan)
            return nan, nan
        return lo, hi

    def _check_s(self, n: np.ndarray, s: Any) -> np.ndarray | None:
        if self.law == "single":
            if s is not None:
                raise UserInputError("this fit is at one fine-tuning size; predict without s", key="s")
            return None
        if s is None:
            raise UserInputError("the joint law needs the fine-tuning size s for a prediction", key="s")
        s = np.broadcast_to(np.asarray(s, dtype=float), n.shape).astype(float)
        if (s <= 0).any():
            raise UserInputError("fine-tuning sizes must be positive", key="s")
        return s

    def predict(self, n: Any, s: Any = None, level: float | None = None, *, interval: str = "prediction") -> pd.DataFrame:
        """Predicted error at sizes, run or not, with intervals.

        Args:
            n: synthetic pre-training size(s).
            s: fine-tuning size(s) (joint law only; broadcast against ``n``).
            level: interval coverage (the fit's level by default).
            interval: ``"prediction"`` (where a new run would land: curve uncertainty plus
                run-to-run noise) or ``"mean"`` (where the curve itself lies).

        Returns:
            DataFrame with columns ``n``, [``s``], ``error``, ``lo``, ``hi``.

        Example:
            >>> fit.predict([128_000, 640_000])  # doctest: +SKIP
        """
        level = self.level if level is None else float(level)
        if not 0 < level < 1:
            raise UserInputError(f"level must lie in (0, 1); found {level:g}", key="level")
        if interval not in ("prediction", "mean"):
            raise UserInputError(f"interval must be 'prediction' or 'mean'; found {interval!r}", key="interval")
        n = np.atleast_1d(np.asarray(n, dtype=float))
        if (n <= 0).any():
            raise UserInputError("sizes must be positive", key="n")
        sv = self._check_s(n, s)
        space = self.procedure["space"]
        f = response(self._law.value(self._param_vector(), n, sv), space)
        noisy = interval == "prediction" and self._noise is not None and len(self._noise) > 0
        lo = hi = np.full_like(f, np.nan)
        for i, b in enumerate(self._boots):
            fb = response(self._law.value(b.reps, n, sv), space)
            if b.kind == "se":
                # A new run lands off the curve by the run-to-run noise: add its variance to the curve's.
                sd = np.nanstd(fb, axis=0, ddof=1) * math.sqrt(b.var)
                noise_var = float(np.mean(self._noise**2)) if noisy else 0.0
                half = stats.t.ppf(0.5 + level / 2, b.df) * np.sqrt(sd**2 + noise_var)
                l1, h1 = f - half, f + half
            else:
                fb = bs.widen(fb, f, bs.small_sample_factor(b.df, level))
                if noisy:
                    rng = np.random.default_rng(int(self.procedure["random_state"]) + 1 + i)
                    fb = fb + bs.residual_draws(self._noise, fb.shape[0], fb.shape[1], rng)
                l1, h1 = bs.percentile_interval(fb, level)
            lo, hi = (l1, h1) if i == 0 else (np.fmin(lo, l1), np.fmax(hi, h1))
        back = (lambda v: v) if self.procedure["space"] == "linear" else np.exp
        out = {"n": n}
        if sv is not None:
            out["s"] = sv
        out.update(error=back(f), lo=back(lo), hi=back(hi))
        return pd.DataFrame(out)

    def gain(self, factor: float, s: float | None = None, level: float | None = None) -> tuple[float, float, float]:
        """Predicted error reduction from ``factor`` times the largest size run.

        Args:
            factor: multiple of the largest ``n`` run (2 for twice as much synthetic data).
            s: fine-tuning size for the joint law (the largest one run by default).
            level: interval coverage (the fit's level by default).

        Returns:
            ``(gain, lo, hi)``: error at ``n_max`` minus error at ``factor * n_max`` (positive
            means the error falls), with its interval.

        Example:
            >>> fit.gain(2)  # doctest: +SKIP
            (0.011, 0.006, 0.016)
        """
        level = self.level if level is None else float(level)
        if factor <= 0:
            raise UserInputError(f"factor must be positive; found {factor:g}", key="factor")
        if self.law == "joint" and s is None:
            s = self.s_ref
        n = np.array([self.n_max, factor * self.n_max])
        sv = self._check_s(n, s)
        P = self._param_vector()
        f = self._law.value(P, n, sv)
        g = float(f[0] - f[1])
        if not self._has_boot():
            return g, float("nan"), float("nan")

        def stat(b: Bootstrap) -> np.ndarray:
            fb = self._law.value(b.reps, n, sv)
            return fb[:, 0] - fb[:, 1]

        lo, hi = self._iv(stat, g, level)
        return g, float(lo), float(hi)

    def table(self) -> pd.DataFrame:
        """Parameters as rows: ``param, estimate, lo, hi, pinned, identified``."""
        rows = []
        for p in self._law.names:
            lo, hi = self.intervals[p]
            rows.append({"param": p, "estimate": self.params[p], "lo": lo, "hi": hi,
                         "pinned": p in self.pinned, "identified": self.identified[p]})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary: parameters with intervals, diagnostics, verdict, procedure."""
        def num(v: float) -> float | None:
            return float(v) if v is not None and np.isfinite(v) else None

        params = {
            p: {"estimate": num(self.params[p]), "lo": num(self.intervals[p][0]), "hi": num(self.intervals[p][1]),
                "pinned": p in self.pinned, "identified": bool(self.identified[p])}
            for p in self._law.names
        }
        return {
            "law": LAWS[self.law],
            "kind": self.law,
            "params": params,
            "level": self.level,
            "ill_conditioned": bool(self.ill_conditioned),
            "flags": sorted(f.value for f in self.flags),
            "findings": [f.to_dict() for f in self.findings],
            "diagnostics": list(self.diagnostics),
            "suggestions": list(self.suggestions),
            "verdict": self.verdict,
            "verdict_kind": self.verdict_kind,
            "gains": {k: {"gain": num(v[0]), "lo": num(v[1]), "hi": num(v[2]), "n_from": self.n_max,
                          "n_to": float(k.rstrip("x")) * self.n_max}
                      for k, v in self.gains.items()},
            "balance": {k: ({"value": num(v[0]), "lo": num(v[1]), "hi": num(v[2])} if isinstance(v, tuple) else num(v))
                        for k, v in self.balance.items()},
            "fit": {"rss": num(self.rss), "df": int(self.df), "n_runs": int(len(self.data)),
                    "sizes": sorted(float(v) for v in self.data["n"].unique()),
                    "s_ref": num(self.s_ref) if self.s_ref is not None else None},
            "procedure": jsonable(self.procedure),
        }


def interval_rule(kind: str, df: float, var: float, reps: np.ndarray, est: np.ndarray | float, level: float):
    """The small-sample interval rule shared by every statistic of a fit.

    A seed bootstrap has few distinct resamples, so it gives a t interval around the estimate
    with its (variance-corrected) standard error and ``k - 1`` degrees of freedom; a residual
    bootstrap resamples continuously, so it keeps its percentiles, widened by the t/normal
    quantile ratio for ``N - p`` degrees of freedom.
    """
    if kind == "se":
        return bs.se_interval(reps, est, level, df=df, var_factor=var)
    return bs.percentile_interval(bs.widen(reps, est, bs.small_sample_factor(df, level)), level)


def jsonable(obj: Any) -> Any:
    """Numpy scalars and tuples -> plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
