"""Substitution curves and substitutability: how much real data can synthetic data replace.

``substitution_curves`` summarises the metric against the real fraction for every condition
(mean and t interval over seeds). ``substitution_tests`` asks, for every pretrain/mix cell,
the non-inferiority question of science.md: with the real-only model on 100% of the real
data as the reference ``R``, is the cell *shown* not worse than ``R`` by more than the
tolerance? ``substitutability`` turns the tests into the claim "replaces at least
``1 - f*``", with the grid bracket and a point estimate (where the mean curve crosses the
tolerance) that has its own confidence interval over seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.optimize import isotonic_regression

from synreal.analysis.stats import paired_differences, select_metric, t_interval
from synreal.analysis.verdicts import Decision, Looks, sequential_verdict
from synreal.errors import UserInputError

CURVE_CONDITIONS = ("real", "real+aug", "kalman", "pretrain", "mix", "synthetic-only")
REAL_ONLY = ("real", "real+aug", "kalman")  # conditions named by the condition alone
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
    if condition in REAL_ONLY:
        return condition
    return f"{condition} {source} ({int(n_synthetic):,})"


def _seed_matrix(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Cells as rows, seeds as columns (NaN where a seed was not run)."""
    return table.pivot_table(index=keys, columns="seed", values="value", aggfunc="first", observed=True)


def substitution_curves(results: pd.DataFrame, *, metric: str = "accuracy", level: float = 0.95) -> pd.DataFrame:
    """The metric against the real fraction, per condition, with a t interval over seeds.

    Conditions other than real, the baselines (real+aug, kalman), pretrain, mix and synthetic-only are left out
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


def _sign(higher_is_better: bool) -> float:
    return 1.0 if higher_is_better else -1.0


def paired_cell_differences(
    results: pd.DataFrame,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    reference_fraction: float = 1.0,
) -> pd.DataFrame:
    """Per-seed ``metric(cell) - metric(R)`` of every pretrain/mix cell, oriented so positive is better.

    Args:
        results: the tidy results table.
        metric: the metric compared.
        higher_is_better: direction of the metric (differences are sign-flipped when lower is better).
        reference_fraction: real fraction of the reference ``R`` (1.0).

    Returns:
        Cells as rows (index ``condition, source, n_synthetic, real_fraction``), seeds as
        columns; NaN where a seed is missing from the cell or from ``R``.

    Example:
        >>> rows = [("real", "none", 0, 1.0, s, 0.90 + 0.01 * s) for s in range(2)]
        >>> rows += [("mix", "a", 10, 0.5, s, 0.92 + 0.01 * s) for s in range(2)]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> t["metric"] = "accuracy"
        >>> paired_cell_differences(t).round(3).values.tolist()
        [[0.02, 0.02]]
    """
    ref = reference_values(results, metric=metric, reference_fraction=reference_fraction)
    t = select_metric(results, metric, conditions=SUBSTITUTE_CONDITIONS)
    if t.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=CELL))
    m = _seed_matrix(t, CELL)
    if ref.index.has_duplicates:
        paired_differences(ref, ref)  # raises the user error that names the duplicated seed
    cols = sorted(set(m.columns) | set(ref.index))
    m = m.reindex(columns=cols)
    r = ref.reindex(cols)
    return _sign(higher_is_better) * (m - r.to_numpy()[None, :])


def substitution_tests(
    results: pd.DataFrame,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    tolerance: float = 0.0,
    level: float = 0.95,
    looks: Looks | None = None,
    reference_fraction: float = 1.0,
) -> pd.DataFrame:
    """Each pretrain/mix cell against the reference ``R`` as a non-inferiority test (science.md).

    Per seed ``d = metric(f) - metric(R)`` (sign-flipped when lower is better, so positive is
    always better). The cell ``passes`` when the lower one-sided bound of the mean of ``d``
    lies above ``-tolerance``: the difference is *shown* to be within the tolerance (a wide
    interval makes a pass harder, never easier). It is decided ``below`` when the upper bound
    lies below ``-tolerance`` (shown worse than the tolerance allows), and ``undecided`` when
    the bounds straddle it. With adaptive seeds (``looks``) the verdict is taken at the first
    look that decides (see ``synreal.analysis.verdicts``).

    Args:
        results: the tidy results table.
        metric: the metric compared.
        higher_is_better: direction of the metric.
        tolerance: allowed drop below ``R`` in metric units (0 asks for ``f`` to be shown better).
        level: one-sided confidence level of each bound (ignored when ``looks`` is given).
        looks: the seed schedule (default: one look at whatever seeds the data has).
        reference_fraction: real fraction of the reference (1.0).

    Returns:
        Columns ``condition, source, n_synthetic, real_fraction, diff, lower, upper,
        bound_level, n_seeds, seeds_available, decision, passes, final``: ``diff`` and the
        bounds at the look that decided (or the last look run), ``decision`` one of above /
        below / undecided / too few seeds (above means within the tolerance), ``final`` False
        while more seeds could still decide an undecided cell.

    Example:
        >>> rows = [("real", "none", 0, 1.0, s, 0.90 + 0.01 * s) for s in range(3)]
        >>> rows += [("pretrain", "fonts", 500, 0.5, s, 0.895 + 0.01 * s + 0.001 * (s - 1)) for s in range(3)]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> t["metric"] = "accuracy"
        >>> r = substitution_tests(t, tolerance=0.01).iloc[0]
        >>> round(float(r["diff"]), 3), r["decision"], bool(r["passes"])
        (-0.005, 'above', True)
    """
    if not np.isfinite(tolerance) or tolerance < 0:
        raise UserInputError(f"tolerance must be a number >= 0, found {tolerance}", key="report.tolerance")
    cols = CELL + ["diff", "lower", "upper", "bound_level", "n_seeds", "seeds_available", "decision", "passes", "final"]
    diffs = paired_cell_differences(results, metric=metric, higher_is_better=higher_is_better,
                                    reference_fraction=reference_fraction)
    if diffs.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for key, d in diffs.iterrows():
        d = d.dropna()
        lk = looks or Looks.fixed(len(d), level)
        v = sequential_verdict(d, -tolerance, lk)
        rows.append((*key, v.estimate, v.bounds.lower, v.bounds.upper, v.bounds.bound_level, v.n_seeds,
                     v.seeds_available, v.decision.value, v.decision is Decision.ABOVE, v.final))
    out = pd.DataFrame(rows, columns=cols)
    out["n_synthetic"] = out["n_synthetic"].astype(int)
    out["real_fraction"] = out["real_fraction"].astype(float)
    return out.sort_values(CELL, ignore_index=True)


def _crossing(fractions: np.ndarray, diffs: np.ndarray, weights: np.ndarray, target: float) -> float:
    """Fraction where the increasing (isotonic) fit of ``diffs`` first reaches ``target``.

    Interpolated linearly in log fraction between grid points. Returns 0 when the fit is
    already at the target at the smallest fraction (the crossing lies below the grid) and
    ``inf`` when it never reaches it.
    """
    fit = isotonic_regression(diffs, weights=weights, increasing=True).x
    above = np.nonzero(fit >= target)[0]
    if len(above) == 0:
        return float("inf")
    i = above[0]
    if i == 0:
        return 0.0
    x0, x1 = np.log(fractions[i - 1]), np.log(fractions[i])
    w = (target - fit[i - 1]) / (fit[i] - fit[i - 1])
    return float(np.exp(x0 + w * (x1 - x0)))


def crossing_interval(
    fractions: np.ndarray,
    diffs: np.ndarray,
    target: float,
    *,
    level: float = 0.95,
    n_grid: int = 2000,
) -> tuple[float, float, float]:
    """Where the mean substitution curve crosses ``target``, with a confidence interval over seeds.

    The point is the crossing of the isotonic fit of the mean differences, linear in log
    fraction. The interval inverts the paired t-test over seeds: it holds every fraction ``f``
    (on a fine log grid between the smallest and largest fraction run) at which the seeds'
    curves, each interpolated linearly in log fraction, have a mean that a two-sided
    ``level`` t-test does not tell apart from ``target``. Interpolation is linear in the
    seed values, so at the true crossing of the interpolated true curve the test is exact
    under normal seed noise, and so is the coverage; a bootstrap of the crossing undercovers
    with 6 to 12 seeds (measured by ``synreal.analysis.calibration``: 0.91 for 0.95).

    Args:
        fractions: increasing real fractions (the grid), shape ``(F,)``.
        diffs: paired differences, shape ``(F, k)`` (fractions by seeds, no NaN).
        target: ``-tolerance``.
        level: two-sided coverage of the interval.
        n_grid: points of the fine grid.

    Returns:
        ``(point, lo, hi)`` as real fractions; ``point`` is 0 below the grid and ``inf`` when
        the mean curve never reaches ``target``; ``lo`` is 0 when the interval reaches the
        smallest fraction run (the crossing may lie below the grid) and ``hi`` is ``inf`` when
        it reaches the largest; both are NaN with fewer than 2 seeds or without a point.

    Example:
        >>> f = np.array([0.1, 0.2, 0.4, 1.0])
        >>> d = np.array([[-0.05, -0.04, -0.045], [-0.02, -0.025, -0.015], [0.01, 0.02, 0.0], [0.02, 0.03, 0.01]])
        >>> p, lo, hi = crossing_interval(f, d, -0.01)
        >>> round(p, 3), round(lo, 3), round(hi, 3)
        (0.252, 0.193, 0.623)
    """
    f = np.asarray(fractions, dtype=float)
    x = np.asarray(diffs, dtype=float)
    k = x.shape[1]
    point = _crossing(f, x.mean(axis=1), np.ones(len(f)), target)
    nan = float("nan")
    if k < 2 or not 0 < point < np.inf:
        return point, nan, nan
    logf = np.log(f)
    grid = np.linspace(logf[0], logf[-1], n_grid)
    # every seed's curve on the fine grid (linear in log fraction), then a t statistic per point
    curves = np.stack([np.interp(grid, logf, x[:, j]) for j in range(k)], axis=1)
    mean = curves.mean(axis=1)
    se = curves.std(axis=1, ddof=1) / np.sqrt(k)
    q = float(sps.t.ppf(0.5 + level / 2, k - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = np.abs(mean - target) <= q * se
    inside = np.flatnonzero(keep)
    if len(inside) == 0:  # no spread between seeds: the crossing is known exactly
        return point, point, point
    lo = 0.0 if inside[0] == 0 else float(np.exp(grid[inside[0]]))
    hi = float("inf") if inside[-1] == n_grid - 1 else float(np.exp(grid[inside[-1]]))
    return point, min(lo, point), max(hi, point)


SUBSTITUTABILITY_COLUMNS = CONFIG + [
    "status", "f_star", "f_prev", "prev_decision", "replaces_lo", "replaces_hi", "point", "point_lo", "point_hi",
    "point_note", "diff_at_star", "lower_at_star", "n_seeds", "largest_fraction", "diff_at_largest",
    "lower_at_largest", "upper_at_largest", "decision_at_largest", "undecided", "reference_mean", "reference_lo",
    "reference_hi", "reference_n",
]


def substitutability(
    results: pd.DataFrame,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    tolerance: float = 0.0,
    level: float = 0.95,
    looks: Looks | None = None,
    reference_fraction: float = 1.0,
    tests: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """How much of the real data each pretrain/mix configuration replaces (science.md).

    ``f*`` is the smallest grid fraction from which every larger fraction run passes the
    non-inferiority test of ``substitution_tests``; ``f_prev`` is the grid point below it.
    ``status`` is one of:

    - ``"replaces"``: ``f* < 1``; the claim is "replaces at least ``1 - f*``", and the grid
      brackets the answer between ``1 - f*`` and ``1 - f_prev`` (``prev_decision`` says
      whether ``f_prev`` was shown worse, or is undecided);
    - ``"none"``: the largest fraction run passes but no smaller one: not shown to replace
      any of the real data;
    - ``"not-shown"``: the largest fraction run is undecided: not shown to replace any of the
      real data, and not even shown within the tolerance there;
    - ``"worse"``: the largest fraction run is shown worse than ``R`` by more than the
      tolerance: the configuration is worse than real-only training and no claim is made;
    - ``"too-few-seeds"``: no fraction has 2 seeds paired with ``R``.

    The point estimate ``point`` (a share of the real data replaced) is where the mean curve
    crosses ``-tolerance``, with a confidence interval over seeds (``crossing_interval``);
    ``point_note`` says why it is missing or why it lies outside the bracket.

    Args:
        results: the tidy results table.
        metric: the metric compared.
        higher_is_better: direction of the metric.
        tolerance: allowed drop below ``R`` in metric units.
        level: one-sided level of each test; the point's interval is two-sided at ``level``.
        looks: the seed schedule of adaptive seeds (default: one look).
        reference_fraction: real fraction of the reference (1.0).
        tests: the output of ``substitution_tests`` with the same settings, if already computed.

    Returns:
        One row per configuration with the columns ``SUBSTITUTABILITY_COLUMNS``; numbers
        that do not apply to a status are NaN; ``undecided`` lists the undecided fractions.

    Example:
        >>> rows = [("real", "none", 0, 1.0, s, 0.90 + 0.01 * s) for s in range(3)]
        >>> for f, acc in [(0.2, 0.80), (0.3, 0.90), (1.0, 0.93)]:
        ...     rows += [("pretrain", "fonts", 500, f, s, acc + 0.01 * s + 0.001 * (s % 2)) for s in range(3)]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> t["metric"] = "accuracy"
        >>> r = substitutability(t, tolerance=0.01).iloc[0]
        >>> r["status"], round(float(r["replaces_lo"]), 2), round(float(r["replaces_hi"]), 2), r["prev_decision"]
        ('replaces', 0.7, 0.8, 'below')
    """
    ref = reference_values(results, metric=metric, reference_fraction=reference_fraction)
    ref_iv = t_interval(ref.to_numpy(), level=level)
    if tests is None:
        tests = substitution_tests(results, metric=metric, higher_is_better=higher_is_better, tolerance=tolerance,
                                   level=level, looks=looks, reference_fraction=reference_fraction)
    diffs = paired_cell_differences(results, metric=metric, higher_is_better=higher_is_better,
                                    reference_fraction=reference_fraction)
    nan = float("nan")
    ref_cols = (ref_iv.estimate, ref_iv.lo, ref_iv.hi, ref_iv.n)
    rows = []
    for key, g in tests.groupby(CONFIG, sort=True):
        g = g.sort_values("real_fraction").reset_index(drop=True)
        tested = g[g["n_seeds"] >= 2].reset_index(drop=True)
        undecided = [float(f) for f, dec in zip(g["real_fraction"], g["decision"]) if dec == "undecided"]
        if tested.empty:
            rows.append((*key, "too-few-seeds", nan, nan, "", nan, nan, nan, nan, nan, "no fraction has 2 seeds",
                         nan, nan, int(g["n_seeds"].max()), float(g["real_fraction"].max()), nan, nan, nan,
                         "too few seeds", undecided, *ref_cols))
            continue
        f = tested["real_fraction"].to_numpy(float)
        passes = tested["passes"].to_numpy(bool)
        last = tested.iloc[-1]
        # f*: the start of the unbroken run of passing fractions that ends at the largest one
        i = len(passes)
        while i > 0 and passes[i - 1]:
            i -= 1
        largest = (float(last["real_fraction"]), float(last["diff"]), float(last["lower"]), float(last["upper"]),
                   str(last["decision"]))
        if i == len(passes):
            status = {"below": "worse", "undecided": "not-shown"}.get(str(last["decision"]), "not-shown")
            f_star = f_prev = nan
            prev_dec = ""
            star = None
        else:
            f_star = float(f[i])
            status = "none" if np.isclose(f_star, 1.0) else "replaces"
            f_prev = float(f[i - 1]) if i > 0 else 0.0
            prev_dec = str(tested.iloc[i - 1]["decision"]) if i > 0 else "not run"
            star = tested.iloc[i]
        point, plo, phi, note = _point(key, diffs, f, tolerance, level, status, f_star, f_prev)
        rep_lo = 1 - f_star if status == "replaces" else nan
        rep_hi = 1 - f_prev if status == "replaces" else nan
        rows.append((*key, status, f_star, f_prev, prev_dec, rep_lo, rep_hi, point, plo, phi, note,
                     float(star["diff"]) if star is not None else nan,
                     float(star["lower"]) if star is not None else nan,
                     int(star["n_seeds"]) if star is not None else int(last["n_seeds"]),
                     *largest, undecided, *ref_cols))
    return pd.DataFrame(rows, columns=SUBSTITUTABILITY_COLUMNS)


def _point(key: tuple, diffs: pd.DataFrame, fractions: np.ndarray, tolerance: float, level: float, status: str,
           f_star: float, f_prev: float) -> tuple[float, float, float, str]:
    """The crossing as a share replaced, its interval, and a note when it is missing or outside the bracket."""
    nan = float("nan")
    sub = diffs.loc[[(*key, fr) for fr in fractions if (*key, fr) in diffs.index]]
    complete = sub.dropna(axis=1)
    if complete.shape[1] < 2:
        return nan, nan, nan, "fewer than 2 seeds run at every fraction"
    fr = np.array([k[-1] for k in complete.index], dtype=float)
    p, lo, hi = crossing_interval(fr, complete.to_numpy(), -tolerance, level=level)
    if p == 0.0:
        return nan, nan, nan, f"the mean curve is within the tolerance already at {fr[0]:.0%}, the smallest fraction run"
    if not np.isfinite(p):
        return nan, nan, nan, "the mean curve does not reach the tolerance at any fraction run"
    point = 1 - p
    p_lo = max(0.0, 1 - hi) if np.isfinite(hi) else 0.0
    p_hi = 1 - lo if np.isfinite(lo) else nan
    note = ""
    if status == "replaces" and not (1 - f_star - 1e-12 <= point <= 1 - f_prev + 1e-12):
        note = (f"the mean curve crosses the tolerance at {p:.0%} real, below {f_prev:.0%}, but the seeds do not show "
                f"{f_prev:.0%} within the tolerance")
    elif status != "replaces":
        note = "the mean curve crosses the tolerance, but no fraction below the largest is shown within it"
    return point, p_lo, p_hi, note
