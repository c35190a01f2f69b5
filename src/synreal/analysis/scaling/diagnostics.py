"""Is a scaling fit identified? Structured findings about conditioning, bounds, profile and fit.

:func:`diagnose` records :class:`~synreal.analysis.scaling.findings.Finding` objects on the fit
(problems first) and the suggestions that follow from them; the words live in
:mod:`synreal.analysis.scaling.findings`. What counts as a problem (science.md: "the fitter
must detect this"):

- no degrees of freedom left;
- a parameter at an artificial bound of its search box (``C = 0`` is a physical limit, a note);
- an exponent's interval spanning more than a factor of 3;
- the interval of ``C`` wider than the whole fall of the error over the sizes run;
- the error still removable at the largest size, ``D n^-alpha``, uncertain by more than 10x;
- a profile of ``alpha`` flat up to a bound of its search box;
- over 10% of bootstrap resamples putting an exponent on a bound;
- a lack-of-fit F test rejecting the law at ``p < LACK_OF_FIT_P``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from synreal.analysis.scaling.findings import Diagnosis, Finding, fmt
from synreal.analysis.scaling.laws import NATURAL_LOWER, NONLINEAR, Law, default_bounds, from_coord, log_coord
from synreal.analysis.scaling.solver import aggregate, coarse_axes, fit_batch, response
from synreal.analysis.scaling.tables import Points, RunTable

if TYPE_CHECKING:
    from synreal.analysis.scaling.results import ScalingFit

LACK_OF_FIT_P = 0.001  # strict: seed effects make replicate scatter an imperfect yardstick


def diagnose(fit: ScalingFit, data: RunTable, grid: tuple, notes: list[Finding], method: str) -> None:
    """Fill ``findings``, ``identified``, ``profiles`` and ``suggestions`` of a fresh fit.

    Args:
        fit: the fit, with its point estimate, intervals and bootstraps.
        data: the runs it was fitted to.
        grid: the fine grid of the point fit (its profile).
        notes: findings made while fitting (skipped resamples, no noise estimate).
        method: the bootstrap used (``"seeds"``, ``"residuals"``).
    """
    law, level = fit._law, fit.level
    info = list(notes)
    problems: list[Finding] = []
    weak: set[str] = set()
    if fit.df <= 0:
        problems.append(Finding(Diagnosis.NO_DEGREES_OF_FREEDOM, values={"runs": fit.df + len(law.free),
                                                                          "free": len(law.free)}))
        weak.update(law.free)
    # Parameters at their bounds.
    for p in law.free:
        v = fit.params[p]
        lo, hi = law.bounds[p]
        at_lo = v - lo <= 1e-6 * abs(lo) + 1e-9
        at_hi = hi - v <= 1e-6 * abs(hi) + 1e-9
        if at_lo and p in NATURAL_LOWER:
            info.append(Finding(Diagnosis.NO_GAP, p, {"bound": lo}))
        elif at_lo or at_hi:
            problems.append(Finding(Diagnosis.AT_BOUND, p, {"side": "lower" if at_lo else "upper",
                                                            "bound": lo if at_lo else hi}))
            weak.add(p)
    # Interval widths.
    measured = fit.predict([float(data.pts.n.min()), float(data.pts.n.max())],
                           s=fit.s_ref if law.kind == "joint" else None,
                           interval="mean")
    drop = float(measured["error"].iloc[0] - measured["error"].iloc[1])
    for p in law.free:
        lo, hi = fit.intervals[p]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            continue
        if p in ("C", "gamma"):
            width = hi - lo
            if p == "gamma":
                D_ref, _, _ = law.at_s(fit._param_vector(), fit.s_ref)
                width = width * float(D_ref)
            if drop > 0 and width > drop:
                problems.append(Finding(Diagnosis.GAP_UNRESOLVED, p, {"lo": lo, "hi": hi, "drop": drop}))
                weak.add(p)
        elif p in NONLINEAR and (lo <= 0 or hi / lo > 3):
            problems.append(Finding(Diagnosis.EXPONENT_WIDE, p, {"lo": lo, "hi": hi}))
            weak.add(p)
    # D (or delta) is the error at n = 1, far outside the data, so its own interval is wide even for
    # a well-measured curve; what matters is the error still removable at the largest size run.
    scale_p = "D" if law.kind == "single" else "delta"
    if scale_p in law.free and fit._has_boot():
        _, rlo, rhi = fit.removable()
        if rlo <= 0 or rhi / rlo > 10:
            problems.append(Finding(Diagnosis.REMOVABLE_UNRESOLVED, scale_p, {"n": fit.n_max, "lo": rlo, "hi": rhi}))
            weak.add(scale_p)
    # Flat profiles.
    for p in law.nonlinear:
        prof = _profile(fit, grid, p)
        if prof is None or fit.df <= 0:
            continue
        vals, rss = prof
        fit.profiles[p] = pd.DataFrame({p: vals, "rss": rss})
        # Noise from the exact optimum; the region from the grid's own minimum, which a coarse grid
        # may miss by more than the threshold when the profile is sharp.
        rmin = min(float(np.min(rss)), fit.rss)
        if rmin <= 0:
            continue
        crit = stats.f.ppf(level, 1, fit.df)
        stat = (rss - float(np.min(rss))) / (rmin / fit.df)
        plo, phi, touches = _profile_interval(vals, stat, crit, log_coord(law.bounds[p]))
        info.append(Finding(Diagnosis.PROFILE_INTERVAL, p, {"lo": plo, "hi": phi}))
        if touches:
            problems.append(Finding(Diagnosis.FLAT_PROFILE, p, {"lo": plo, "hi": phi}))
            weak.add(p)
    # Lack of fit: does the law describe the data at all?
    lof = _lack_of_fit(fit, data)
    if lof is not None:
        kind, p_value = lof
        if p_value < LACK_OF_FIT_P:
            problems.insert(0, Finding(kind, values={"p": p_value}))  # the most basic failure first
            weak.update(law.free)
        else:
            info.append(Finding(Diagnosis.FIT_ACCEPTED, values={"p": p_value}))
    # Bootstrap resamples at bounds.
    if fit._has_boot():
        for p in law.nonlinear:
            i = law.names.index(p)
            lo, hi = law.bounds[p]
            r = fit._reps[:, i]
            share = float(np.mean((r <= lo * (1 + 1e-6) + 1e-12) | (r >= hi * (1 - 1e-6))))
            if share > 0.1:
                problems.append(Finding(Diagnosis.BOOTSTRAP_AT_BOUND, p, {"share": share}))
                weak.add(p)
    if method == "seeds" and len(data.seeds) < 5 and fit._has_boot():
        info.append(Finding(Diagnosis.FEW_SEEDS, values={"seeds": len(data.seeds)}))
    if len(np.unique(data.pts.n)) == 3 and len(law.free) >= 3:
        info.append(Finding(Diagnosis.THREE_SIZES))
    fit.identified = {p: (p in law.pin) or (p not in weak) for p in law.names}
    fit.findings = tuple(problems + info)
    fit.suggestions = suggestions(fit, data) if problems else []


def suggestions(fit: ScalingFit, data: RunTable) -> list[str]:
    """What would resolve the problems found, the most pressing first."""
    law, flags = fit._law, fit.flags
    sizes = np.unique(data.pts.n)
    decades = math.log10(sizes.max() / sizes.min())
    sug = []
    if Diagnosis.JOINT_LACK_OF_FIT in flags:
        sug.append("The joint law's dependence on the fine-tuning size does not hold here: fit L(n) at each "
                   "fine-tuning size separately (leave out --s, keep one size with --where).")
    elif Diagnosis.LACK_OF_FIT in flags:
        sug.append("The law does not describe the mean error at each size: look for outliers or a change of "
                   "regime (e.g. a different training schedule at some sizes) before trusting any fit.")
    if len(sizes) < 6 or decades < 2:
        sug.append(f"Run more sizes over a wider range: the {len(sizes)} sizes span {decades:.1f} decades "
                   f"({fmt(sizes.min())} to {fmt(sizes.max())}); add sizes up to {fmt(sizes.max() * 4)} or beyond.")
    if law.kind == "single":
        if data.columns.get("s") is None:
            sug.append("Fit the joint law over several fine-tuning sizes (--s COL, or s= in the API), which "
                       "conditions alpha much better; run a second fine-tuning size if there is none.")
    if law.kind == "single" and "D" not in law.pin:
        sug.append("Pin D to a value from a comparable setting (--pin D=0.48 as in Mikami et al.'s released fit) "
                   "to leave two free parameters.")
    if data.seed is None or len(data.seeds) < 5:
        sug.append("Run more seeds per size (5 or more) so that the noise, and with it the intervals, are known.")
    return sug


def _profile(fit: ScalingFit, grid: tuple, p: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Profile RSS of one non-linear parameter from the coarse grid (minimised over the other)."""
    law = fit._law
    if p not in law.nonlinear or fit.procedure["space"] != "linear":
        return None
    coords, rss = grid
    axes = coarse_axes(law, fine=True)
    prof = rss[0].reshape([len(a) for a in axes])  # the grid is a meshgrid in 'ij' order
    j = law.nonlinear.index(p)
    others = tuple(i for i in range(prof.ndim) if i != j)
    prof = prof.min(axis=others) if others else prof
    return from_coord(axes[j], law.bounds[p]), prof


def _profile_interval(vals: np.ndarray, stat: np.ndarray, crit: float, log: bool) -> tuple[float, float, bool]:
    """Likelihood-ratio interval from a profile: where ``stat`` crosses ``crit`` (interpolated).

    Returns ``(lo, hi, touches)``; ``touches`` is True when any grid end lies inside, i.e. the
    data cannot exclude the edge of the search box.
    """
    u = np.log(vals) if log else vals
    inside = stat <= crit
    i0 = int(np.argmin(stat))
    lo_i = i0
    while lo_i > 0 and inside[lo_i - 1]:
        lo_i -= 1
    hi_i = i0
    while hi_i < len(u) - 1 and inside[hi_i + 1]:
        hi_i += 1

    def cross(a: int, b: int) -> float:  # a inside, b outside
        w = (crit - stat[a]) / (stat[b] - stat[a])
        return float(u[a] + w * (u[b] - u[a]))

    ulo = u[lo_i] if lo_i == 0 else cross(lo_i, lo_i - 1)
    uhi = u[hi_i] if hi_i == len(u) - 1 else cross(hi_i, hi_i + 1)
    back = np.exp if log else float
    return float(back(ulo)), float(back(uhi)), bool(inside[0] or inside[-1])


def _lack_of_fit(fit: ScalingFit, data: RunTable) -> tuple[Diagnosis, float] | None:
    """``(what fails, p)`` of an F test of the law against a richer model, or None if untestable.

    The joint law is tested against a separate ``L(n)`` at each fine-tuning size (which it
    constrains); the single law, when sizes have replicate runs, against the mean at each size
    (pure error).
    """
    law, space = fit._law, fit.procedure["space"]
    pts = data.pts
    z = response(data.y, space)
    if law.kind == "joint":
        rss_sep, p_sep = 0.0, 0
        single = Law("single", default_bounds("single", data.y), {})
        for v in np.unique(pts.s):
            rows = data.s == v
            if len(np.unique(data.n[rows])) < 4:
                return None
            sub_pts = Points(np.unique(data.n[rows]), None)
            idx = np.searchsorted(sub_pts.n, data.n[rows])
            M = np.zeros((int(rows.sum()), len(sub_pts.n)))
            M[np.arange(int(rows.sum())), idx] = 1.0
            W, Z, WQ = aggregate(M, np.ones((1, int(rows.sum()))), z[rows][None])
            P, _ = fit_batch(single, sub_pts, W, Z, WQ, space)
            rss_sep += float(np.sum((z[rows] - response(single.value(P[0], data.n[rows], None), space)) ** 2))
            p_sep += 3
        df_sep = data.n_runs - p_sep
        extra = p_sep - len(law.free)
        if df_sep <= 0 or extra <= 0 or rss_sep <= 0:
            return None
        F = ((fit.rss - rss_sep) / extra) / (rss_sep / df_sep)
        return Diagnosis.JOINT_LACK_OF_FIT, float(stats.f.sf(max(F, 0.0), extra, df_sep))
    m = len(pts.n)
    if data.n_runs <= m or m <= len(law.free):
        return None
    means = (z @ data.indicator()) / np.bincount(data.point, minlength=m)
    pure = float(np.sum((z - means[data.point]) ** 2))
    df_pure, df_lof = data.n_runs - m, m - len(law.free)
    if pure <= 0:
        return None
    F = ((fit.rss - pure) / df_lof) / (pure / df_pure)
    return Diagnosis.LACK_OF_FIT, float(stats.f.sf(max(F, 0.0), df_lof, df_pure))
