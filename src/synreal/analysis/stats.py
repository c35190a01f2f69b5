"""Intervals and tests over seeds: t and bootstrap intervals, paired differences, Holm.

Every study repeats each cell over a handful of seeds (often 3 to 5), so these functions are
built for small samples: the bootstrap is exact (all ``n^n`` resamples, enumerated as
multiset counts with their multinomial weights) up to ``exact_max_n`` values and Monte Carlo
with an explicit seed above that. All functions work along the last axis, so one call treats
many cells at once.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import gammaln

from synreal.errors import UserInputError

Side = Literal["two-sided", "upper", "lower"]


class Interval(NamedTuple):
    """A point estimate with its interval (floats for 1-D input, arrays for batches).

    ``lo`` is ``-inf`` for an upper one-sided interval and ``hi`` is ``+inf`` for a lower
    one; both are NaN where fewer than two values were given (no interval exists).
    """

    estimate: float | np.ndarray
    lo: float | np.ndarray
    hi: float | np.ndarray
    n: int | np.ndarray


def _quantiles(level: float, side: Side) -> tuple[float | None, float | None]:
    """Probabilities of the lower and upper bound (None for an unbounded side)."""
    if not 0 < level < 1:
        raise UserInputError(f"confidence level must lie in (0, 1), found {level}")
    alpha = 1 - level
    if side == "two-sided":
        return alpha / 2, 1 - alpha / 2
    if side == "upper":
        return None, level
    if side == "lower":
        return alpha, None
    raise ValueError(f"side must be two-sided, upper or lower, not {side!r}")


def _squeeze(x: np.ndarray, one_d: bool) -> float | np.ndarray:
    """A float for 1-D input, the array otherwise."""
    return float(x) if one_d else x


def t_interval(values: np.ndarray | list[float], *, level: float = 0.95, side: Side = "two-sided") -> Interval:
    """Student-t interval of the mean over the last axis (NaNs are ignored).

    Args:
        values: 1-D values (one cell's seeds) or an array whose last axis holds seeds.
        level: confidence level.
        side: ``"two-sided"``, ``"upper"`` (interval ``(-inf, hi]``) or ``"lower"``
            (``[lo, +inf)``).

    Returns:
        ``Interval(estimate, lo, hi, n)``; bounds are NaN where fewer than 2 values exist.

    Example:
        >>> iv = t_interval([0.80, 0.82, 0.84])
        >>> round(iv.estimate, 2), round(iv.lo, 3), round(iv.hi, 3)
        (0.82, 0.77, 0.87)
    """
    x = np.asarray(values, dtype=float)
    one_d = x.ndim == 1
    x = np.atleast_2d(x)
    n = np.sum(~np.isnan(x), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(x, axis=-1) / np.maximum(n, 1), np.nan)
        sd = np.sqrt(np.nansum((x - mean[..., None]) ** 2, axis=-1) / np.maximum(n - 1, 1))
        se = np.where(n >= 2, sd / np.sqrt(np.maximum(n, 1)), np.nan)
        df = np.where(n >= 2, n - 1, np.nan)
    q_lo, q_hi = _quantiles(level, side)
    lo = np.full_like(mean, -np.inf) if q_lo is None else mean + sps.t.ppf(q_lo, df) * se
    hi = np.full_like(mean, np.inf) if q_hi is None else mean + sps.t.ppf(q_hi, df) * se
    # a one-sided bound is still undefined (not infinite) without two values
    lo = np.where(n >= 2, lo, np.nan)
    hi = np.where(n >= 2, hi, np.nan)
    return Interval(_squeeze(mean[0], True) if one_d else mean, _squeeze(lo[0], True) if one_d else lo,
                    _squeeze(hi[0], True) if one_d else hi, int(n[0]) if one_d else n)


@lru_cache(maxsize=16)
def resample_counts(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every bootstrap resample of ``n`` values as counts (rows) and its probability."""
    combos = np.array(list(itertools.combinations_with_replacement(range(n), n)))
    counts = np.zeros((len(combos), n))
    np.add.at(counts, (np.repeat(np.arange(len(combos)), n), combos.ravel()), 1.0)
    # multinomial probability n! / prod(c_i!) / n^n, in logs to avoid overflow
    log_p = math.lgamma(n + 1) - gammaln(counts + 1).sum(axis=1) - n * math.log(n)
    return counts, np.exp(log_p)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Inverse-CDF quantile of discrete distributions (one per row of ``values``)."""
    order = np.argsort(values, axis=-1, kind="stable")
    v = np.take_along_axis(values, order, axis=-1)
    cum = np.cumsum(weights[order], axis=-1)
    # tolerance so that an exact cumulative 0.95 counts as reaching 0.95
    idx = np.argmax(cum >= q - 1e-12, axis=-1)
    return np.take_along_axis(v, idx[..., None], axis=-1)[..., 0]


def bootstrap_interval(
    values: np.ndarray | list[float],
    *,
    level: float = 0.95,
    side: Side = "two-sided",
    n_boot: int = 10_000,
    seed: int = 0,
    exact_max_n: int = 8,
) -> Interval:
    """Percentile bootstrap interval of the mean over the last axis.

    With at most ``exact_max_n`` values the bootstrap distribution is enumerated exactly
    (every resample with its multinomial weight), so the result does not depend on ``seed``;
    above that, ``n_boot`` resamples drawn with ``numpy.random.default_rng(seed)`` are shared
    by all rows. Quantiles use the inverse CDF. With 3 seeds the percentile bootstrap is
    narrow (it cannot see beyond the values observed); the report says how many seeds back
    each claim.

    Args:
        values: 1-D values, or an array whose last axis holds seeds (no NaNs).
        level: confidence level.
        side: ``"two-sided"``, ``"upper"`` (``(-inf, hi]``) or ``"lower"`` (``[lo, +inf)``).
        n_boot: Monte Carlo resamples when there are more than ``exact_max_n`` values.
        seed: seed of the Monte Carlo resamples.
        exact_max_n: largest sample size enumerated exactly (at most 10).

    Returns:
        ``Interval(estimate, lo, hi, n)``; bounds are NaN with fewer than 2 values.

    Example:
        >>> iv = bootstrap_interval([0.0, 1.0], side="upper", level=0.7)
        >>> iv.estimate, iv.hi   # resample means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4
        (0.5, 0.5)
    """
    x = np.asarray(values, dtype=float)
    one_d = x.ndim == 1
    x = np.atleast_2d(x)
    if np.isnan(x).any():
        raise ValueError("bootstrap_interval needs complete rows; drop missing seeds first")
    if exact_max_n > 10:
        raise ValueError("exact enumeration beyond 10 values is too large; use Monte Carlo")
    n = x.shape[-1]
    mean = x.mean(axis=-1)
    q_lo, q_hi = _quantiles(level, side)
    if n < 2:
        nan = np.full(mean.shape, np.nan)
        lo = hi = nan
    else:
        if n <= exact_max_n:
            counts, w = resample_counts(n)
            boot = x @ counts.T / n  # (rows, resamples)
        else:
            rng = np.random.default_rng(seed)
            idx = rng.integers(0, n, size=(n_boot, n))
            boot = x[:, idx].mean(axis=-1)
            w = np.full(n_boot, 1.0 / n_boot)
        lo = np.full(mean.shape, -np.inf) if q_lo is None else _weighted_quantile(boot, w, q_lo)
        hi = np.full(mean.shape, np.inf) if q_hi is None else _weighted_quantile(boot, w, q_hi)
    if one_d:
        return Interval(float(mean[0]), float(lo[0]), float(hi[0]), n)
    return Interval(mean, lo, hi, np.full(mean.shape, n))


def paired_differences(a: pd.Series, b: pd.Series) -> pd.Series:
    """``a - b`` matched by index (the seed), over the seeds both have, sorted by seed.

    Args:
        a: values indexed by seed (one cell).
        b: values indexed by seed (the cell it is compared with).

    Returns:
        The differences indexed by the common seeds; empty when no seed is shared.

    Example:
        >>> a = pd.Series([0.9, 0.8, 0.7], index=[0, 1, 2])
        >>> b = pd.Series([0.5, 0.6], index=[1, 2])
        >>> paired_differences(a, b).round(2).to_dict()
        {1: 0.3, 2: 0.1}
    """
    for name, s in (("a", a), ("b", b)):
        if s.index.has_duplicates:
            dup = sorted(set(s.index[s.index.duplicated()].tolist()))
            raise UserInputError(
                f"seed(s) {dup} appear more than once in one cell of the results ({name})",
                hint="each (condition, source, n_synthetic, real_fraction, seed, metric) must be one row")
    common = a.index.intersection(b.index).sort_values()
    return (a.loc[common] - b.loc[common]).astype(float)


def paired_t_test(diffs: np.ndarray | list[float]) -> float | np.ndarray:
    """Two-sided p-value that the mean paired difference is zero (NaNs ignored per row).

    Equivalent to ``scipy.stats.ttest_rel`` on the two samples. Where all differences are
    equal the t statistic is undefined: the p-value is 1 if they are all zero and 0 if they
    all share one non-zero value (an exact, systematic difference). Fewer than 2 differences
    give NaN (no test possible), which callers must report as such.

    Args:
        diffs: paired differences, seeds on the last axis.

    Returns:
        The p-value (a float for 1-D input, else an array).

    Example:
        >>> round(paired_t_test([0.02, 0.03, 0.025, 0.035]), 4)
        0.0034
    """
    x = np.asarray(diffs, dtype=float)
    one_d = x.ndim == 1
    x = np.atleast_2d(x)
    n = np.sum(~np.isnan(x), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(x, axis=-1) / np.maximum(n, 1)
        sd = np.sqrt(np.nansum((x - mean[:, None]) ** 2, axis=-1) / np.maximum(n - 1, 1))
        t = mean / (sd / np.sqrt(np.maximum(n, 1)))
        p = 2 * sps.t.sf(np.abs(t), np.maximum(n - 1, 1))
    # a zero spread is judged relative to the size of the values, not to exact zero
    flat = sd <= 1e-12 * np.maximum(1.0, np.nanmax(np.abs(x), axis=-1, initial=0.0))
    p = np.where(flat, np.where(np.abs(mean) <= 1e-12, 1.0, 0.0), p)
    p = np.where(n >= 2, p, np.nan)
    return float(p[0]) if one_d else p


def holm(pvalues: np.ndarray | list[float]) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1).

    The smallest of ``m`` p-values is multiplied by ``m``, the next by ``m - 1``, and so on;
    each adjusted value is at least the one before it. A hypothesis is rejected at ``alpha``
    when its adjusted p-value is at most ``alpha``; this controls the family-wise error rate.
    NaN p-values (no test possible) stay NaN and do not count towards ``m``.

    Args:
        pvalues: raw p-values of one family of tests.

    Returns:
        Adjusted p-values in the input order.

    Example:
        >>> holm([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
        [0.03, 0.06, 0.06, 0.02]
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    pv = p[ok]
    order = np.argsort(pv, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate(pv[order] * (m - np.arange(m))))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


KEY_COLUMNS = ("condition", "source", "n_synthetic", "real_fraction", "seed")
REQUIRED_COLUMNS = ("condition", "source", "n_synthetic", "real_fraction", "seed", "metric", "value")


def select_metric(results: pd.DataFrame, metric: str, *, conditions: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The rows of one metric (and optionally some conditions), checked for analysis.

    Checks that the tidy columns exist, that ``metric`` occurs, that no value is missing and
    that each (condition, source, n_synthetic, real_fraction, seed) cell has one row; any
    failure is a ``UserInputError`` that says what was found.

    Args:
        results: the tidy results table.
        metric: metric name, e.g. ``"accuracy"``.
        conditions: keep only these conditions (None: all).

    Returns:
        A copy with columns of the tidy table; ``real_fraction`` float, ``n_synthetic`` and
        ``seed`` int. May be empty when none of ``conditions`` was run.

    Example:
        >>> t = pd.DataFrame({"condition": ["real"], "source": ["none"], "n_synthetic": [0],
        ...                   "real_fraction": [1.0], "seed": [0], "metric": ["accuracy"], "value": [0.9]})
        >>> len(select_metric(t, "accuracy", conditions=("real",)))
        1
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise UserInputError(f"the results table lacks column(s) {missing}; found {list(results.columns)}",
                             hint="expected the tidy table: " + ", ".join(REQUIRED_COLUMNS))
    metrics = set(results["metric"].astype(str).unique())
    if metric not in metrics:
        raise UserInputError(f"metric {metric!r} does not occur in the results; found {sorted(metrics)}")
    t = results[results["metric"] == metric]
    if conditions is not None:
        t = t[t["condition"].isin(conditions)]
    t = t.copy()
    bad = t["value"].isna() | t[list(KEY_COLUMNS)].isna().any(axis=1)
    if bad.any():
        first = t[bad].iloc[0]
        where = f"run {first['run_id']}" if "run_id" in t.columns else f"condition {first['condition']}"
        raise UserInputError(f"{int(bad.sum())} row(s) of metric {metric!r} have a missing value or key ({where})",
                             hint="failed runs belong in the run store's failure list, not as empty results")
    t["real_fraction"] = t["real_fraction"].astype(float)
    t["n_synthetic"] = t["n_synthetic"].astype(int)
    t["seed"] = t["seed"].astype(int)
    t["source"] = t["source"].astype(str)
    t["condition"] = t["condition"].astype(str)
    dup = t.duplicated(list(KEY_COLUMNS), keep=False)
    if dup.any():
        row = t[dup].iloc[0]
        cell = ", ".join(f"{k}={row[k]}" for k in KEY_COLUMNS)
        raise UserInputError(f"{int(dup.sum())} rows of metric {metric!r} repeat a cell ({cell})",
                             hint="each cell and seed must be one run; factor columns other than the tidy ones "
                                  "are not analysed by these sections")
    return t
