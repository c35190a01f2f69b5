"""Substitution curves and substitutability: how much real data can synthetic data replace.

``substitution_curves`` summarises the metric against the real fraction for every condition
(mean and t interval over seeds). ``substitutability`` applies the definition of
science.md: with the real-only model on 100% of the real data as the reference ``R``, the
smallest grid fraction ``f*`` at which ``pretrain`` (or ``mix``) is not worse than ``R``, the
bracket ``1 - f* .. 1 - f_prev`` it implies, and an interpolated value from a monotone curve.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import isotonic_regression

from synreal.analysis.stats import bootstrap_interval, paired_differences, select_metric, t_interval
from synreal.errors import UserInputError

CURVE_CONDITIONS = ("real", "real+aug", "pretrain", "mix", "synthetic-only")
SUBSTITUTE_CONDITIONS = ("pretrain", "mix")
CELL = ["condition", "source", "n_synthetic", "real_fraction"]
CONFIG = ["condition", "source", "n_synthetic"]


def config_label(condition: str, source: str, n_synthetic: int) -> str:
    """How a synthetic configuration is named in tables and figures.

    Args:
        condition: e.g. ``"pretrain"``; real-only conditions are named by the condition alone.
        source: the synthetic configuration's name from the spec.
        n_synthetic: number of synthetic images.

    Returns:
        ``"<condition> <source> (<n with thousands separators>)"``.

    Example:
        >>> config_label("pretrain", "fonts-all", 20000)
        'pretrain fonts-all (20,000)'
    """
    if condition in ("real", "real+aug"):
        return condition
    return f"{condition} {source} ({int(n_synthetic):,})"


def _seed_matrix(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Cells as rows, seeds as columns (NaN where a seed was not run)."""
    return table.pivot_table(index=keys, columns="seed", values="value", aggfunc="first", observed=True)


def substitution_curves(results: pd.DataFrame, *, metric: str = "accuracy", level: float = 0.95) -> pd.DataFrame:
    """The metric against the real fraction, per condition, with a t interval over seeds.

    Conditions other than real, real+aug, pretrain, mix and synthetic-only are left out
    (other sections treat them).

    Args:
        results: the tidy results table.
        metric: the metric to summarise.
        level: confidence level of the two-sided t interval of the mean over seeds.

    Returns:
        Columns ``condition, source, n_synthetic, real_fraction, mean, lo, hi, n_seeds``,
        sorted; ``lo``/``hi`` are NaN only for cells with a single seed.

    Example:
        >>> t = pd.DataFrame({"condition": "real", "source": "none", "n_synthetic": 0,
        ...                   "real_fraction": 1.0, "seed": [0, 1, 2], "metric": "accuracy",
        ...                   "value": [0.90, 0.92, 0.94]})
        >>> substitution_curves(t)[["mean", "n_seeds"]].round(2).values.tolist()
        [[0.92, 3.0]]
    """
    t = select_metric(results, metric, conditions=CURVE_CONDITIONS)
    cols = CELL + ["mean", "lo", "hi", "n_seeds"]
    if t.empty:
        return pd.DataFrame(columns=cols)
    m = _seed_matrix(t, CELL)
    iv = t_interval(m.to_numpy(), level=level)
    out = m.index.to_frame(index=False)
    out["mean"], out["lo"], out["hi"], out["n_seeds"] = iv.estimate, iv.lo, iv.hi, iv.n
    return out[cols].sort_values(CELL, ignore_index=True)


def reference_values(results: pd.DataFrame, *, metric: str = "accuracy", reference_fraction: float = 1.0) -> pd.Series:
    """The reference ``R``: real-only values at ``reference_fraction``, indexed by seed.

    Raises:
        UserInputError: when the table has no real-only run at that fraction.

    Example:
        >>> t = pd.DataFrame({"condition": "real", "source": "none", "n_synthetic": 0,
        ...                   "real_fraction": 1.0, "seed": [0, 1], "metric": "accuracy", "value": [0.9, 0.8]})
        >>> reference_values(t).to_dict()
        {0: 0.9, 1: 0.8}
    """
    t = select_metric(results, metric, conditions=("real",))
    ref = t[np.isclose(t["real_fraction"], reference_fraction)]
    if ref.empty:
        found = sorted(t["real_fraction"].unique().tolist())
        raise UserInputError(
            f"no real-only runs at real_fraction {reference_fraction:g}: substitutability needs the reference R "
            f"(real fractions of condition 'real' found: {found or 'none'})",
            hint="add 1.0 to real_fractions and keep the 'real' condition",
        )
    return ref.set_index("seed")["value"].sort_index()


def substitution_tests(
    results: pd.DataFrame,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    tolerance: float = 0.0,
    level: float = 0.95,
    reference_fraction: float = 1.0,
    n_boot: int = 10_000,
    seed: int = 0,
    interval: Literal["bootstrap", "t"] = "bootstrap",
) -> pd.DataFrame:
    """Each pretrain/mix cell against the reference ``R``, paired by seed.

    ``diff`` is ``metric(f) - metric(R)`` averaged over the seeds both have, with its sign
    flipped when lower is better, so that a positive ``diff`` always means better than ``R``.
    ``upper`` is the one-sided ``level`` bound (bootstrap by default) of the mean difference
    (the interval is ``(-inf, upper]``); the cell ``passes`` (is not shown worse than ``R``) when
    ``upper >= -tolerance``. ``lo``/``hi`` give the two-sided t interval for display.

    Args:
        results: the tidy results table.
        metric: the metric compared.
        higher_is_better: direction of the metric.
        tolerance: allowed drop below ``R`` (in metric units).
        level: confidence level.
        reference_fraction: real fraction of the reference (1.0).
        n_boot: bootstrap resamples beyond the exact enumeration (see ``bootstrap_interval``).
        seed: seed of those resamples.
        interval: ``"bootstrap"`` (science.md) or ``"t"`` for the one-sided bound. With 3 to 4
            seeds the percentile bootstrap cannot reach beyond the values observed and is
            narrower than the t bound, so ``"t"`` is the more cautious choice there.

    Returns:
        Columns ``condition, source, n_synthetic, real_fraction, diff, upper, lo, hi, n_seeds,
        passes``; cells with fewer than 2 paired seeds have ``passes`` False and NaN bounds
        (``n_seeds`` says why).

    Example:
        >>> rows = [("real", "none", 0, 1.0, s, 0.90 + 0.01 * s) for s in range(3)]
        >>> rows += [("pretrain", "fonts", 500, 0.5, s, 0.91 + 0.01 * s) for s in range(3)]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> t["metric"] = "accuracy"
        >>> r = substitution_tests(t)
        >>> round(float(r["diff"][0]), 3), bool(r["passes"][0])
        (0.01, True)
    """
    if tolerance < 0:
        raise UserInputError(f"tolerance must be >= 0, found {tolerance}")
    sign = 1.0 if higher_is_better else -1.0
    ref = reference_values(results, metric=metric, reference_fraction=reference_fraction)
    t = select_metric(results, metric, conditions=SUBSTITUTE_CONDITIONS)
    cols = CELL + ["diff", "upper", "lo", "hi", "n_seeds", "passes"]
    if t.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for key, cell in t.groupby(CELL, sort=True):
        d = sign * paired_differences(cell.set_index("seed")["value"], ref)
        n = len(d)
        if n >= 2:
            if interval == "bootstrap":
                upper = bootstrap_interval(d.to_numpy(), level=level, side="upper", n_boot=n_boot, seed=seed).hi
            elif interval == "t":
                upper = t_interval(d.to_numpy(), level=level, side="upper").hi
            else:
                raise UserInputError(f"interval must be 'bootstrap' or 't', found {interval!r}")
            two = t_interval(d.to_numpy(), level=level)
            lo, hi = two.lo, two.hi
        else:
            upper = lo = hi = np.nan
        mean = float(d.mean()) if n else np.nan
        rows.append((*key, mean, upper, lo, hi, n, bool(n >= 2 and upper >= -tolerance)))
    return pd.DataFrame(rows, columns=cols)


def _crossing(fractions: np.ndarray, diffs: np.ndarray, weights: np.ndarray, target: float) -> float:
    """Fraction where the increasing (isotonic) fit of ``diffs`` first reaches ``target``.

    Interpolated linearly in log fraction between grid points; NaN when the fit is already
    at the target at the smallest fraction (the crossing lies below the grid) or never
    reaches it.
    """
    fit = isotonic_regression(diffs, weights=weights, increasing=True).x
    above = np.nonzero(fit >= target)[0]
    if len(above) == 0 or above[0] == 0:
        return float("nan")
    i = above[0]
    x0, x1 = np.log(fractions[i - 1]), np.log(fractions[i])
    w = (target - fit[i - 1]) / (fit[i] - fit[i - 1])
    return float(np.exp(x0 + w * (x1 - x0)))


def substitutability(
    results: pd.DataFrame,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    tolerance: float = 0.0,
    level: float = 0.95,
    reference_fraction: float = 1.0,
    n_boot: int = 10_000,
    seed: int = 0,
    interval: Literal["bootstrap", "t"] = "bootstrap",
) -> pd.DataFrame:
    """How much of the real data each pretrain/mix configuration replaces (science.md).

    For each (condition, source, n_synthetic), ``f_star`` is the smallest real fraction on
    the grid whose cell passes ``substitution_tests`` (not shown worse than ``R`` at the
    one-sided ``level``), and ``f_prev`` the tested grid point below it. The claim is
    "replaces between ``1 - f_star`` and ``1 - f_prev`` of the real data": the grid only
    brackets the answer. ``replaces_interp`` is ``1 - f`` where an increasing (isotonic)
    fit of the mean differences, interpolated in log fraction, crosses ``-tolerance``.

    ``status`` is one of:
      - ``"bracketed"``: ``f_prev < f_star`` both tested;
      - ``"at-least"``: the smallest tested fraction already passes; it replaces at least
        ``1 - f_star`` (``f_prev`` is 0 and ``replaces_hi`` 1: the upper end is unmeasured);
      - ``"not-reached"``: no fraction passes ("does not reach the reference at any fraction");
      - ``"too-few-seeds"``: no fraction has 2 seeds paired with the reference.

    Args:
        results: the tidy results table.
        metric: the metric compared.
        higher_is_better: direction of the metric.
        tolerance: allowed drop below ``R`` in metric units (science.md default 0).
        level: one-sided confidence level of the test.
        reference_fraction: real fraction of the reference (1.0).
        n_boot: bootstrap resamples beyond exact enumeration.
        seed: seed of those resamples.
        interval: ``"bootstrap"`` or ``"t"`` one-sided bound (see ``substitution_tests``).

    Returns:
        One row per configuration: ``condition, source, n_synthetic, status, f_star, f_prev,
        replaces_lo, replaces_hi, replaces_interp, diff_at_star, upper_at_star, n_seeds,
        fails_above`` (fractions above ``f_star`` that fail again: a non-monotone curve),
        ``reference_mean``, ``reference_lo``, ``reference_hi``, ``reference_n``. Numbers that do not
        apply to a status are NaN.

    Example:
        >>> rows = [("real", "none", 0, 1.0, s, 0.90 + 0.01 * s) for s in range(3)]
        >>> for f, acc in [(0.2, 0.80), (0.3, 0.90), (1.0, 0.93)]:
        ...     rows += [("pretrain", "fonts", 500, f, s, acc + 0.01 * s) for s in range(3)]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> t["metric"] = "accuracy"
        >>> r = substitutability(t).iloc[0]
        >>> r["status"], round(float(r["replaces_lo"]), 2), round(float(r["replaces_hi"]), 2)
        ('bracketed', 0.7, 0.8)
    """
    ref = reference_values(results, metric=metric, reference_fraction=reference_fraction)
    ref_iv = t_interval(ref.to_numpy(), level=level)
    tests = substitution_tests(results, metric=metric, higher_is_better=higher_is_better, tolerance=tolerance,
                               level=level, reference_fraction=reference_fraction, n_boot=n_boot, seed=seed,
                               interval=interval)
    cols = CONFIG + ["status", "f_star", "f_prev", "replaces_lo", "replaces_hi", "replaces_interp", "diff_at_star",
                     "upper_at_star", "n_seeds", "fails_above", "reference_mean", "reference_lo", "reference_hi",
                     "reference_n"]
    rows = []
    nan = float("nan")
    for key, g in tests.groupby(CONFIG, sort=True):
        g = g.sort_values("real_fraction")
        tested = g[g["n_seeds"] >= 2]
        ref_cols = (ref_iv.estimate, ref_iv.lo, ref_iv.hi, ref_iv.n)
        if tested.empty:
            rows.append((*key, "too-few-seeds", nan, nan, nan, nan, nan, nan, nan, int(g["n_seeds"].max()), [],
                         *ref_cols))
            continue
        f = tested["real_fraction"].to_numpy()
        passing = np.nonzero(tested["passes"].to_numpy())[0]
        interp_f = _crossing(f, tested["diff"].to_numpy(), tested["n_seeds"].to_numpy(float), -tolerance)
        interp = 1 - interp_f if np.isfinite(interp_f) else nan
        if len(passing) == 0:
            # at the largest fraction tested: how far below R it stays
            last = tested.iloc[-1]
            rows.append((*key, "not-reached", nan, nan, nan, nan, nan, float(last["diff"]), float(last["upper"]),
                         int(last["n_seeds"]), [], *ref_cols))
            continue
        i = passing[0]
        star = tested.iloc[i]
        f_star = float(f[i])
        f_prev = float(f[i - 1]) if i > 0 else 0.0
        fails_above = [float(x) for x, ok in zip(f[i + 1:], tested["passes"].to_numpy()[i + 1:]) if not ok]
        rows.append((*key, "bracketed" if i > 0 else "at-least", f_star, f_prev, 1 - f_star, 1 - f_prev, interp,
                     float(star["diff"]), float(star["upper"]), int(star["n_seeds"]), fails_above, *ref_cols))
    return pd.DataFrame(rows, columns=cols)
