"""Intervals and tests over seeds: t intervals, paired differences, paired t-tests, checked tables.

Every study repeats each cell over a handful of seeds (often 3 to 12); the verdicts of
``synreal.analysis.verdicts`` rest on these. All functions work along the last axis, so one
call treats many cells at once.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as sps

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
