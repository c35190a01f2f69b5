"""Resampling helpers shared by the analyses: seed bootstraps, residual bootstraps, intervals.

Everything is vectorised over the bootstrap axis (axis 0): a resample is a row of weights
or of residual draws, never a Python loop, so a thousand resamples cost milliseconds.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def seed_multiplicities(n_seeds: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of ``n_seeds`` seeds is drawn in each of ``n_boot`` resamples.

    Args:
        n_seeds: number of distinct seeds (the resampling units).
        n_boot: number of resamples.
        rng: the random generator.

    Returns:
        Integer array ``(n_boot, n_seeds)`` whose rows sum to ``n_seeds``.

    Example:
        >>> m = seed_multiplicities(3, 4, np.random.default_rng(0))
        >>> m.shape, m.sum(axis=1).tolist()
        ((4, 3), [3, 3, 3, 3])
    """
    draws = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    out = np.zeros((n_boot, n_seeds), dtype=np.int64)
    np.add.at(out, (np.repeat(np.arange(n_boot), n_seeds), draws.ravel()), 1)
    return out


def residual_draws(residuals: np.ndarray, n_boot: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_boot, size)`` residuals drawn with replacement from ``residuals``."""
    return np.asarray(residuals, dtype=float)[rng.integers(0, len(residuals), size=(n_boot, size))]


def small_sample_factor(df: float, level: float) -> float:
    """Ratio of the Student-t to the normal two-sided quantile at ``level`` with ``df`` degrees of freedom.

    A bootstrap that resamples units whose noise it must also estimate behaves like a normal
    interval with a plug-in scale; widening its deviations by this ratio turns it into the
    t-like interval that small samples need (1.0 for large ``df``; ``inf`` when ``df < 1``).

    Example:
        >>> round(small_sample_factor(4, 0.9), 3)
        1.296
    """
    if df < 1:
        return float("inf")
    q = 0.5 + level / 2
    return float(stats.t.ppf(q, df) / stats.norm.ppf(q))


def widen(replicates: np.ndarray, estimate: np.ndarray | float, factor: float) -> np.ndarray:
    """Replicates moved away from ``estimate`` by ``factor`` (1 leaves them unchanged)."""
    return estimate + factor * (np.asarray(replicates, dtype=float) - estimate)


def percentile_interval(replicates: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided percentile interval of ``replicates`` along ``axis``, ignoring NaN.

    Infinite replicates are allowed (an inverse that runs off the curve): order statistics
    are used, so an infinite bound comes back as ``inf`` rather than NaN.

    Args:
        replicates: bootstrap replicates.
        level: coverage, e.g. 0.9.
        axis: the bootstrap axis.

    Returns:
        ``(lo, hi)`` arrays with ``axis`` removed; NaN where no replicate is finite or infinite.

    Example:
        >>> lo, hi = percentile_interval(np.arange(101.0), 0.9)
        >>> float(lo), float(hi)
        (5.0, 95.0)
    """
    x = np.moveaxis(np.asarray(replicates, dtype=float), axis, 0)
    x = np.sort(x, axis=0)  # NaN sort last
    k = np.sum(~np.isnan(x), axis=0)
    a = (1 - level) / 2

    # Interpolate between neighbouring order statistics where both are finite.
    def pick(pos_f: np.ndarray) -> np.ndarray:
        pos_f = np.round(pos_f, 9)  # 0.05 * 100 must land on 5, not 4.999...
        lo_i = np.floor(pos_f).astype(int)
        hi_i = np.ceil(pos_f).astype(int)
        v_lo = np.take_along_axis(x, lo_i[None], 0)[0]
        v_hi = np.take_along_axis(x, hi_i[None], 0)[0]
        w = pos_f - lo_i
        with np.errstate(invalid="ignore"):
            mixed = v_lo + w * (v_hi - v_lo)
        return np.where(np.isfinite(v_lo) & np.isfinite(v_hi), mixed, np.where(w < 0.5, v_lo, v_hi))

    kk = np.maximum(k - 1, 0)
    lo = pick(a * kk)
    hi = pick((1 - a) * kk)
    lo = np.where(k > 0, lo, np.nan)
    hi = np.where(k > 0, hi, np.nan)
    return lo, hi


def se_interval(
    replicates: np.ndarray, estimate: np.ndarray | float, level: float, *, df: float, var_factor: float = 1.0,
    axis: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Student-t interval around ``estimate`` with the bootstrap standard error.

    For a bootstrap over few units (seeds) the percentiles of its handful of distinct
    resamples are too coarse to trust; the spread is not. The interval is
    ``estimate ± t(df) * sqrt(var_factor) * sd(replicates)``, with ``var_factor = k / (k - 1)``
    undoing the plug-in bootstrap's shrinkage of the variance over ``k`` units. When the
    replicates run off to infinity (an inverse beyond its curve) in more than the tail share
    of resamples, that bound is infinite.

    Args:
        replicates: bootstrap replicates (NaN ignored).
        estimate: the point estimate(s), broadcast against the replicates without ``axis``.
        level: coverage.
        df: degrees of freedom of the t quantile (units minus one).
        var_factor: variance correction.
        axis: the bootstrap axis.

    Returns:
        ``(lo, hi)``; NaN where fewer than 2 replicates are finite.

    Example:
        >>> lo, hi = se_interval(np.array([-1.0, 1.0, -1.0, 1.0]), 0.0, 0.9, df=1000)
        >>> round(float(hi), 2)
        1.9
    """
    x = np.moveaxis(np.asarray(replicates, dtype=float), axis, 0)
    tail = (1 - level) / 2
    valid = ~np.isnan(x)
    n_valid = np.maximum(valid.sum(axis=0), 1)
    inf_hi = np.sum(x == np.inf, axis=0) / n_valid
    inf_lo = np.sum(x == -np.inf, axis=0) / n_valid
    finite = np.where(np.isfinite(x), x, np.nan)
    count = np.sum(np.isfinite(x), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.nanstd(finite, axis=0, ddof=1) if x.shape[0] > 1 else np.full(x.shape[1:], np.nan)
    half = stats.t.ppf(0.5 + level / 2, df) * np.sqrt(var_factor) * sd
    lo = np.where(inf_lo > tail, -np.inf, estimate - half)
    hi = np.where(inf_hi > tail, np.inf, estimate + half)
    lo = np.where(count >= 2, lo, np.nan)
    hi = np.where(count >= 2, hi, np.nan)
    return lo, hi
