"""Equivalency: how many real samples is the synthetic data worth (Hernandez et al. 2021).

Fit the real-only learning curve ``e(n) = a n^-b + c`` (``a, b > 0``, ``0 <= c < 1``), then
invert it at the error ``e_p`` of each synthetic-pretrained model fine-tuned on ``n_r`` real
samples: the effective real data is ``n_eff = e^-1(e_p)`` and the effective data transferred
``D_T = n_eff - n_r``; the exchange rate ``n_syn / D_T`` says how many synthetic samples
replace one real sample. The inversion is trusted only inside the real sizes actually run;
outside them the answer is "not identifiable (beyond the measured real curve)".

Intervals resample seeds jointly for the real curve and the pretrained runs (a seed fixes the
real subset in both), refit the curve and invert again, all vectorised over resamples; as in
the scaling fit, few seeds call for a Student-t interval with the bootstrap standard error
(of ``log n_eff``) rather than raw percentiles (science.md, "Equivalency").

What a sentence may claim is decided here, not in the report: :func:`transfer_verdict` (worth
real samples only when the interval of ``D_T`` lies above 0; cannot be told apart from no
transfer when it straddles 0; costs real samples when it lies below) and
:func:`beyond_verdict` ("match or beat" the real runs at the end of the curve only when the
interval of the error difference excludes "worse"). :func:`equivalency_analysis` applies both
to a study's tidy results and returns an :class:`EquivalencyAnalysis` for the report to format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from synreal.analysis import bootstrap as bs
from synreal.analysis.scaling import (
    SPACES,
    Law,
    StudySettings,
    derived_errors,
    error_rows,
    fit_curve_batch,
    point_fit,
    prepare_runs,
    response,
)
from synreal.errors import UserInputError

NOT_IDENTIFIABLE = "not identifiable (beyond the measured real curve)"
REQUIRED = ("n_real", "seed", "error")


@dataclass
class LearningCurve:
    """A fitted real-only learning curve ``e(n) = a n^-b + c``.

    Attributes:
        a, b, c: the parameters.
        n_range: smallest and largest real size measured.
        error_range: fitted errors at the largest and smallest size (the range in which
            :meth:`invert` is defensible).
        rss: residual sum of squares; ``n_runs``: runs fitted.
    """

    a: float
    b: float
    c: float
    n_range: tuple[float, float]
    error_range: tuple[float, float]
    rss: float
    n_runs: int

    def predict(self, n: Any) -> np.ndarray:
        """Fitted error at real sizes ``n``."""
        return self.a * np.asarray(n, dtype=float) ** (-self.b) + self.c

    def invert(self, error: Any) -> np.ndarray:
        """Real size whose fitted error is ``error`` (``inf`` at or below the asymptote ``c``)."""
        return invert_curve(error, self.a, self.b, self.c)

    def inside(self, error: Any) -> np.ndarray:
        """True where ``error`` lies within the measured part of the curve."""
        e = np.asarray(error, dtype=float)
        lo, hi = self.error_range
        tol = 1e-9 * max(abs(hi), 1.0)
        return (e >= lo - tol) & (e <= hi + tol)


def invert_curve(e: Any, a: Any, b: Any, c: Any) -> np.ndarray:
    """The size ``n`` at which the curve ``a n^-b + c`` equals ``e``, vectorised with broadcasting.

    Args:
        e: the error(s) to reach.
        a, b, c: the curve's parameters (arrays broadcast against ``e``, e.g. one row per
            bootstrap resample).

    Returns:
        ``n``; ``inf`` where ``e <= c`` (the curve never gets there), NaN where ``e`` is NaN.

    Example:
        >>> invert_curve(np.array([0.17, 0.01]), 3.0, 0.5, 0.02).round(1).tolist()
        [400.0, inf]
    """
    e, a, b, c = (np.asarray(v, dtype=float) for v in (e, a, b, c))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = (e - c) / a
        n = np.where(ratio > 0, np.exp(-np.log(np.where(ratio > 0, ratio, 1.0)) / b), np.inf)
    return np.where(np.isnan(e), np.nan, n)


def curve_law(y: np.ndarray) -> Law:
    """The single law with the learning curve's bounds: ``a > 0``, ``b > 0``, ``0 <= c < 1``.

    Args:
        y: the errors to be fitted (``c`` stays below the largest of them, and below 1).

    Returns:
        A :class:`~synreal.analysis.scaling.Law` of kind ``"single"`` (``D, alpha, C`` are
        ``a, b, c``).

    Example:
        >>> curve_law(np.array([0.3, 0.1])).bounds["C"]
        (0.0, 0.3)
    """
    top = float(np.max(y))
    c_hi = min(top, 1.0 - 1e-9) if top <= 1 else top
    return Law("single", {"D": (1e-9, 1e6), "alpha": (0.01, 3.0), "C": (0.0, max(c_hi, 1e-9))}, {})


def fit_learning_curve(
    n: Any, error: Any, *, seeds: Any = None, space: str = "linear", source: str | None = None
) -> LearningCurve:
    """Fit the real-only learning curve ``e(n) = a n^-b + c`` by bounded least squares.

    Args:
        n: real training sizes (positive), one per run.
        error: test error of each run.
        seeds: seed of each run (optional; runs at the same size without seeds are replicates).
        space: ``"linear"`` or ``"log"`` least squares.
        source: file name for messages.

    Returns:
        A :class:`LearningCurve`.

    Example:
        >>> n = np.array([100, 200, 400, 800, 1600.0])
        >>> curve = fit_learning_curve(n, 3 * n**-0.5 + 0.02)
        >>> round(curve.b, 3), round(float(curve.invert(3 * 500**-0.5 + 0.02)))
        (0.5, 500)
    """
    n = np.asarray(n, dtype=float).ravel()
    error = np.asarray(error, dtype=float).ravel()
    if n.shape != error.shape:
        raise UserInputError(f"n and error must have the same length; found {n.size} and {error.size}", file=source)
    table = pd.DataFrame({"n_real": n, "error": error})
    if seeds is None:
        # Runs at the same size without seeds are replicates: number them so that none collide.
        table["seed"] = table.groupby("n_real").cumcount()
    else:
        table["seed"] = np.asarray(seeds).ravel()
    curve, _, _ = _fit_curve(table, space, source)
    return curve


def _fit_curve(real: pd.DataFrame, space: str, source: str | None):
    """Validated data, law and point fit of a real-only table with columns n_real, seed, error."""
    data = prepare_runs(real, n="n_real", error="error", seed="seed", source=source)
    if space not in SPACES:
        raise UserInputError(f"space must be one of {', '.join(SPACES)}; found {space!r}", file=source, key="space")
    if space == "log" and (data.y <= 0).any():
        raise UserInputError("a log-space learning curve needs positive errors", file=source, key="error")
    law = curve_law(data.y)
    P, _ = point_fit(law, data, space)
    a, b, c = (float(v) for v in P)
    n_lo, n_hi = float(data.n.min()), float(data.n.max())
    fitted = law.value(P, data.n, None)
    resid = response(data.y, space) - response(fitted, space)
    curve = LearningCurve(
        a=a, b=b, c=c, n_range=(n_lo, n_hi),
        error_range=(float(a * n_hi ** (-b) + c), float(a * n_lo ** (-b) + c)),
        rss=float(np.sum(resid**2)), n_runs=data.n_runs,
    )
    return curve, data, law


def _check_columns(table: pd.DataFrame, cols: Sequence[str], what: str, source: str | None) -> None:
    """Every column present, with no missing values."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(table).__name__}")
    for col in cols:
        if col not in table.columns:
            raise UserInputError(f"the {what} table has no column {col!r}; it has: {', '.join(map(str, table.columns))}",
                                 file=source, key=col)
        if table[col].isna().any():
            label = table.index[int(np.argmax(table[col].isna().to_numpy()))]
            raise UserInputError(f"the {what} table has a missing value in {col!r} at row {label!r}",
                                 file=source, key=col)
    if len(table) == 0:
        raise UserInputError(f"the {what} table has no rows", file=source)


def effective_data(
    real: pd.DataFrame,
    treated: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int = 0,
    space: str = "linear",
    source: str | None = None,
) -> pd.DataFrame:
    """Effective real data and data transferred by synthetic pre-training, with intervals.

    Args:
        real: real-only runs at several sizes: columns ``n_real, seed, error`` (one row per
            size and seed).
        treated: synthetic-pretrained runs: ``n_real, seed, error`` plus the ``by`` columns.
        by: columns that tell treatments apart (e.g. ``("source", "n_synthetic")``).
        n_boot: bootstrap resamples over seeds (0 for none).
        level: interval coverage.
        random_state: seed of the bootstrap.
        space: least squares of the real curve in ``"linear"`` or ``"log"`` space.
        source: file name for messages.

    Returns:
        One row per ``(*by, n_real)``: ``*by, n_real, error_mean, n_eff, n_eff_lo, n_eff_hi,
        d_t, d_t_lo, d_t_hi, exchange_rate, exchange_rate_lo, exchange_rate_hi,
        identifiable, note, beyond, n_seeds, edge_n_real, edge_diff, edge_diff_lo,
        edge_diff_hi``. Outside the measured real curve the numbers are NaN, ``identifiable``
        is False, ``note`` says so and ``beyond`` is ``"above"`` (below the fitted error of
        the largest real set measured) or ``"below"``; the ``edge_*`` columns then compare the
        treated runs with the real runs at that end of the curve (``edge_n_real``): the mean
        error difference, treated minus real, with its interval over the same seed resamples
        (negative: the treated models do better). The exchange rate
        (``n_synthetic / d_t``) is given only when ``"n_synthetic"`` is in ``by`` and
        ``d_t > 0``; its upper bound is ``inf`` when ``d_t``'s interval reaches 0. The fitted
        real curve is in ``result.attrs["real_curve"]``.

    Example:
        >>> seeds, sizes = [0, 1, 2], [100, 200, 400, 800, 1600]
        >>> real = pd.DataFrame([{"n_real": n, "seed": k, "error": 3 * n**-0.5 + 0.02}
        ...                      for n in sizes for k in seeds])
        >>> treated = pd.DataFrame([{"n_real": 100, "seed": k, "n_synthetic": 5000,
        ...                          "error": 3 * 400**-0.5 + 0.02} for k in seeds])
        >>> out = effective_data(real, treated, by=["n_synthetic"], n_boot=0)
        >>> round(float(out.n_eff[0])), round(float(out.d_t[0])), round(float(out.exchange_rate[0]), 1)
        (400, 300, 16.7)
    """
    by = list(by)
    _check_columns(real, REQUIRED, "real-only", source)
    _check_columns(treated, list(REQUIRED) + by, "treated", source)
    if not 0 < float(level) < 1:
        raise UserInputError(f"level must lie in (0, 1); found {level}", file=source, key="level")
    if int(n_boot) < 0:
        raise UserInputError(f"n_boot must be 0 or more; found {n_boot}", file=source, key="n_boot")
    t_err = pd.to_numeric(treated["error"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(t_err).all():
        raise UserInputError("the treated table's 'error' must hold finite numbers", file=source, key="error")
    t_nr = pd.to_numeric(treated["n_real"], errors="coerce").to_numpy(dtype=float)
    if not (np.isfinite(t_nr).all() and (t_nr > 0).all()):
        raise UserInputError("the treated table's 'n_real' must hold positive numbers", file=source, key="n_real")
    real = real.reset_index(drop=True)
    curve, data, law = _fit_curve(real[list(REQUIRED)], space, source)

    # Seeds are shared between the two tables: one code space for both.
    all_seeds = pd.Index(pd.unique(pd.concat([real["seed"], treated["seed"]], ignore_index=True)))
    real_codes = all_seeds.get_indexer(real["seed"])
    treat_codes = all_seeds.get_indexer(treated["seed"])
    k = len(all_seeds)
    keys = [*by, "n_real"]
    gframe = treated[by].copy() if by else pd.DataFrame(index=treated.index)
    gframe["n_real"] = treated["n_real"].to_numpy()  # keep the user's type (int sizes stay int)
    group_codes, groups = pd.factorize(pd.MultiIndex.from_frame(gframe[keys]), sort=True)
    n_groups = len(groups)
    G = np.zeros((len(treated), n_groups))
    G[np.arange(len(treated)), group_codes] = 1.0
    counts = G.sum(axis=0)
    e_mean = (t_err @ G) / counts
    n_seeds = np.array([len(np.unique(treat_codes[group_codes == g])) for g in range(n_groups)])

    n_eff = curve.invert(e_mean)
    ident = curve.inside(e_mean)
    beyond = np.where(ident, "", np.where(e_mean < curve.error_range[0], "above", "below"))

    # Beyond the curve, the treated runs are compared with the real runs at the nearest end of it.
    M = data.indicator()
    real_mean = (data.y @ M) / M.sum(axis=0)  # per real size, ascending
    edge = np.where(beyond == "above", len(data.pts.n) - 1, 0)
    edge_n = np.where(ident, np.nan, data.pts.n[edge])
    edge_diff = np.where(ident, np.nan, e_mean - real_mean[edge])
    edge_lo = edge_hi = np.full(n_groups, np.nan)

    lo = hi = np.full(n_groups, np.nan)
    interval_rule = "none (fewer than 2 seeds or n_boot = 0)"
    if n_boot > 0 and k >= 2:
        rng = np.random.default_rng(random_state)
        mult = bs.seed_multiplicities(k, int(n_boot), rng).astype(float)
        wr = mult[:, real_codes]
        P_b = fit_curve_batch(law, data, wr, space=space).params  # NaN where a resample spans < 3 sizes
        wt = mult[:, treat_codes]
        Wg = wt @ G
        with np.errstate(invalid="ignore", divide="ignore"):
            e_b = np.where(Wg > 0, ((wt * t_err) @ G) / np.where(Wg > 0, Wg, 1.0), np.nan)
        n_b = invert_curve(e_b, P_b[:, :1], P_b[:, 1:2], P_b[:, 2:3])
        # Few seeds: a t interval with the bootstrap standard error of log n_eff (as in the scaling fit).
        with np.errstate(divide="ignore", invalid="ignore"):
            l_lo, l_hi = bs.se_interval(np.log(n_b), np.log(n_eff), float(level), df=k - 1, var_factor=k / (k - 1))
        lo, hi = np.exp(np.clip(l_lo, -700, 700)), np.exp(np.clip(l_hi, -700, 700))
        Wr = wr @ M
        with np.errstate(invalid="ignore", divide="ignore"):
            real_b = np.where(Wr > 0, ((wr * data.y) @ M) / np.where(Wr > 0, Wr, 1.0), np.nan)
        edge_lo, edge_hi = bs.se_interval(e_b - real_b[:, edge], edge_diff, float(level), df=k - 1,
                                          var_factor=k / (k - 1))
        interval_rule = f"t interval on log n_eff with the seed-bootstrap standard error ({k} seeds, {k - 1} df)"

    nr = np.array([g[-1] for g in groups], dtype=float)
    nr_out = [g[-1] for g in groups]
    n_eff_out = np.where(ident, n_eff, np.nan)
    lo = np.where(ident, lo, np.nan)
    hi = np.where(ident, hi, np.nan)
    d_t, d_lo, d_hi = n_eff_out - nr, lo - nr, hi - nr
    rate = rate_lo = rate_hi = np.full(n_groups, np.nan)
    if "n_synthetic" in by:
        n_syn = np.array([g[by.index("n_synthetic")] for g in groups], dtype=float)
        pos = ident & (d_t > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(pos, n_syn / d_t, np.nan)
            rate_lo = np.where(pos & (d_hi > 0), n_syn / d_hi, np.nan)
            rate_hi = np.where(pos, np.where(d_lo > 0, n_syn / d_lo, np.inf), np.nan)
            rate_hi = np.where(pos & np.isnan(d_lo), np.nan, rate_hi)
    out = pd.DataFrame([dict(zip(keys, g if isinstance(g, tuple) else (g,))) for g in groups])
    out["n_real"] = nr_out
    out = out.assign(
        error_mean=e_mean, n_eff=n_eff_out, n_eff_lo=lo, n_eff_hi=hi, d_t=d_t, d_t_lo=d_lo, d_t_hi=d_hi,
        exchange_rate=rate, exchange_rate_lo=rate_lo, exchange_rate_hi=rate_hi,
        identifiable=ident, note=np.where(ident, "", NOT_IDENTIFIABLE), beyond=beyond, n_seeds=n_seeds,
        edge_n_real=edge_n, edge_diff=edge_diff, edge_diff_lo=np.where(ident, np.nan, edge_lo),
        edge_diff_hi=np.where(ident, np.nan, edge_hi),
    )
    out.attrs["real_curve"] = {
        "a": curve.a, "b": curve.b, "c": curve.c, "n_range": list(curve.n_range),
        "error_range": list(curve.error_range), "level": float(level), "n_boot": int(n_boot), "seeds": k,
        "interval": interval_rule, "space": space,
    }
    return out


# --------------------------------------------------------------------------- what may be said


class Transfer(str, Enum):
    """What the interval of ``D_T`` lets a sentence say about the synthetic data."""

    WORTH = "worth"  # the interval lies above 0: worth that many real samples
    CANNOT_TELL = "cannot-tell"  # it straddles 0: cannot be told apart from no transfer
    COSTS = "costs"  # it lies below 0: it costs real samples
    NO_INTERVAL = "no-interval"  # one seed or no bootstrap: no claim either way
    NOT_IDENTIFIABLE = "not-identifiable"  # beyond the measured real curve


class Beyond(str, Enum):
    """Beyond the real curve: how the treated models compare with the real runs at its end."""

    MATCH_OR_BEAT = "match-or-beat"  # the interval of the error difference excludes "worse"
    WORSE = "worse"  # it excludes "not worse"
    CANNOT_TELL = "cannot-tell"  # it straddles 0
    NO_INTERVAL = "no-interval"


def _sign(lo: float, hi: float) -> int | None:
    """+1 when the interval lies above 0, -1 below, 0 when it contains 0, None without one."""
    if lo is None or hi is None or np.isnan(lo) or np.isnan(hi):
        return None
    return 1 if lo > 0 else -1 if hi < 0 else 0


def transfer_verdict(d_t: float, lo: float, hi: float) -> Transfer:
    """The claim the interval of the effective data transferred ``D_T`` supports.

    Synthetic data is worth ``D_T`` real samples only when the interval excludes 0 from
    below (``lo > 0``); it costs real samples only when ``hi < 0``; an interval that
    straddles 0 cannot be told apart from no transfer.

    Args:
        d_t: the estimate (NaN beyond the measured real curve).
        lo, hi: its interval (NaN when there is none).

    Returns:
        A :class:`Transfer`.

    Example:
        >>> [transfer_verdict(300, 120, 480).value, transfer_verdict(300, -40, 640).value,
        ...  transfer_verdict(-200, -350, -60).value, transfer_verdict(300, float("nan"), float("nan")).value]
        ['worth', 'cannot-tell', 'costs', 'no-interval']
    """
    if d_t is None or np.isnan(d_t):
        return Transfer.NOT_IDENTIFIABLE
    return {None: Transfer.NO_INTERVAL, 1: Transfer.WORTH, 0: Transfer.CANNOT_TELL, -1: Transfer.COSTS}[_sign(lo, hi)]


def beyond_verdict(diff: float, lo: float, hi: float) -> Beyond:
    """The claim the interval of an error difference (treated minus real) supports.

    "Match or beat" only when the interval excludes "worse" (``hi <= 0``: no positive
    difference in it); "worse" only when ``lo > 0``; otherwise the two cannot be told apart.

    Args:
        diff: mean error of the treated runs minus that of the real runs.
        lo, hi: its interval (NaN when there is none).

    Returns:
        A :class:`Beyond`.

    Example:
        >>> [beyond_verdict(-0.02, -0.03, -0.01).value, beyond_verdict(-0.02, -0.05, 0.01).value,
        ...  beyond_verdict(0.04, 0.01, 0.07).value]
        ['match-or-beat', 'cannot-tell', 'worse']
    """
    sign = _sign(lo, hi)
    if sign is None:
        return Beyond.NO_INTERVAL
    if hi <= 0:
        return Beyond.MATCH_OR_BEAT
    return Beyond.WORSE if sign > 0 else Beyond.CANNOT_TELL


@dataclass(frozen=True)
class SourceEquivalency:
    """The headline answer for one source: its largest synthetic size at its smallest identifiable real size.

    Attributes:
        source, n_synthetic, n_real: the treatment the answer is about.
        transfer: what the interval of ``D_T`` supports.
        d_t: ``(D_T, lo, hi)`` (NaN beyond the curve).
        exchange_rate: ``(n_synthetic / D_T, lo, hi)`` when ``transfer`` is WORTH, else None.
        beyond: ``""`` inside the measured real curve, ``"above"`` or ``"below"`` beyond it.
        edge: beyond the curve, the comparison with the real runs at its end (else None).
        edge_n_real: the real size of that end.
        edge_diff: ``(treated - real error, lo, hi)`` at that end.
        level: the coverage of the intervals.
    """

    source: str
    n_synthetic: float
    n_real: float
    transfer: Transfer
    d_t: tuple[float, float, float]
    exchange_rate: tuple[float, float, float] | None
    beyond: str
    edge: Beyond | None
    edge_n_real: float
    edge_diff: tuple[float, float, float]
    level: float


@dataclass(frozen=True)
class EquivalencyAnalysis:
    """Effective data of every pretrain source and size of a study.

    Attributes:
        settings: how the results were read.
        table: the :func:`effective_data` table by ``source, n_synthetic, n_real`` with a
            ``transfer`` column (:class:`Transfer` values) and a ``beyond_verdict`` column
            (:class:`Beyond` values, empty inside the curve).
        curve: the fitted real-only curve and how the intervals were made.
        sources: the headline answer of each source.
    """

    settings: StudySettings
    table: pd.DataFrame
    curve: dict[str, Any]
    sources: tuple[SourceEquivalency, ...]


def _headline_row(rows: pd.DataFrame) -> pd.Series:
    """A source's largest synthetic size, at its smallest real size where the answer is identifiable if any."""
    r = rows[rows["n_synthetic"] == rows["n_synthetic"].max()].sort_values("n_real")
    ok = r[r["identifiable"]]
    return ok.iloc[0] if not ok.empty else r.iloc[0]


def equivalency_analysis(results: pd.DataFrame, settings: StudySettings) -> EquivalencyAnalysis | None:
    """Effective data transferred by each pretrain source and size, and what may be said about it.

    The real-only runs give the learning curve; every ``pretrain`` run is inverted on it
    (:func:`effective_data`), and each source's headline answer is read from its largest
    synthetic size at the smallest real size where the answer is identifiable, under the
    verdict rules of :func:`transfer_verdict` and :func:`beyond_verdict`.

    Args:
        results: the tidy table (``condition, source, n_synthetic, n_real, seed, metric, value``).
        settings: metric, direction, level, bootstrap size and seed.

    Returns:
        An :class:`EquivalencyAnalysis`, or None when the study has no pretrain runs, no
        real-only runs or real-only runs at fewer than 3 sizes.

    Example:
        >>> rows = [{"condition": c, "source": s, "n_synthetic": m, "n_real": n, "seed": k,
        ...          "metric": "accuracy", "value": 1 - 3 * (n + (200 if m else 0)) ** -0.5}
        ...         for c, s, m in (("real", "none", 0), ("pretrain", "fonts", 5000))
        ...         for n in (100, 200, 400, 800) for k in range(3)]
        >>> out = equivalency_analysis(pd.DataFrame(rows), StudySettings(n_boot=0))
        >>> a = out.sources[0]
        >>> a.source, a.n_real, round(a.d_t[0]), a.transfer.value
        ('fonts', 100.0, 200, 'no-interval')
    """
    real = error_rows(results, "real", settings)
    treated = error_rows(results, "pretrain", settings)
    if treated.empty or real.empty or real["n_real"].nunique() < 3:
        return None
    real = real[["n_real", "seed", "error"]].reset_index(drop=True)
    treated = treated[["source", "n_synthetic", "n_real", "seed", "error"]].reset_index(drop=True)
    with derived_errors():
        table = effective_data(real, treated, by=["source", "n_synthetic"], n_boot=int(settings.n_boot),
                               level=settings.level, random_state=settings.random_state)
    transfer = [transfer_verdict(*v) for v in table[["d_t", "d_t_lo", "d_t_hi"]].to_numpy(dtype=float)]
    edge_iv = table[["edge_diff", "edge_diff_lo", "edge_diff_hi"]].to_numpy(dtype=float)
    edge = [beyond_verdict(*v) if b else None for b, v in zip(table["beyond"], edge_iv)]
    table = table.assign(transfer=[t.value for t in transfer], beyond_verdict=[e.value if e else "" for e in edge])
    sources = []
    for source, rows in table.groupby("source", sort=True):
        r = _headline_row(rows)
        kind = Transfer(r["transfer"])
        rate = None
        if kind is Transfer.WORTH and np.isfinite(r["exchange_rate"]):
            rate = (float(r["exchange_rate"]), float(r["exchange_rate_lo"]), float(r["exchange_rate_hi"]))
        sources.append(SourceEquivalency(
            source=str(source), n_synthetic=float(r["n_synthetic"]), n_real=float(r["n_real"]), transfer=kind,
            d_t=(float(r["d_t"]), float(r["d_t_lo"]), float(r["d_t_hi"])), exchange_rate=rate,
            beyond=str(r["beyond"]), edge=Beyond(r["beyond_verdict"]) if r["beyond_verdict"] else None,
            edge_n_real=float(r["edge_n_real"]),
            edge_diff=(float(r["edge_diff"]), float(r["edge_diff_lo"]), float(r["edge_diff_hi"])),
            level=settings.level,
        ))
    return EquivalencyAnalysis(settings=settings, table=table, curve=dict(table.attrs["real_curve"]),
                               sources=tuple(sources))
