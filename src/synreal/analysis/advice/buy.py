"""What to buy: the cheapest purchase that reaches a target (or the best one a budget buys), per option.

For each option (:mod:`~synreal.analysis.advice.options`) and each seed resample of its law:

- **target**: along the frontier ``s(n)`` (the real samples that reach the target error with
  ``n`` synthetic ones), the cost ``n c_syn + s c_real + hours(n, s) c_hour`` is minimised
  over the points inside the region the law's cross-validation trusts
  (:mod:`~synreal.analysis.advice.check`); a curve option has a single point, its fixed ``n``;
- **budget**: along the budget line ``cost(n, s) = budget`` the predicted error is minimised,
  inside the same region.

Intervals come from the same seed resamples as every other interval of the project (a
Student-t interval with the bootstrap standard error, ``k - 1`` degrees of freedom, on the log
scale for counts and money). The saving against real data alone, ``1 - cost / cost_real``
(or, with a budget, the metric gained over real data alone) is computed per resample, paired
by seed; an option is **recommended** only when that interval lies above 0 (the verdict rule
of ``docs/verdicts.md``: a claim only when its interval excludes the threshold). Where the
cheapest point the law predicts lies outside the trusted region, the advice says
"extrapolation: not advised" and names the run that would make it advisable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synreal.analysis import bootstrap as bs
from synreal.analysis.advice.check import CellStatus, LawCheck, cross_validate
from synreal.analysis.advice.options import (
    FittedOption,
    Hours,
    build_options,
    fit_option,
)
from synreal.analysis.advice.results import (
    Advice,
    OptionAdvice,
    Purchase,
    Reason,
    Recommendation,
    Status,
    Suggestion,
    Triple,
)
from synreal.analysis.advice.spec import AdviceSpec, Goal, resolve_goal
from synreal.errors import UserInputError

GRID_POINTS = 241  # synthetic sizes tried per joint option (log-spaced)
GRID_SPAN = 10.0  # the grid runs from n_min / SPAN to n_max * SPAN; only the checked region is advised
CV_BOOT = 200  # seed resamples for the cross-validation intervals (a standard error needs no more)
CHEAPER_OUTSIDE = 0.05  # an optimum outside the region this much cheaper (or better) is named


# ---------------------------------------------------------------- evaluation per resample


def _interval(reps: np.ndarray, est: float, level: float, k: int, log: bool) -> Triple:
    """``(est, lo, hi)`` from seed-bootstrap replicates (t with ``k - 1`` df; log scale for positive amounts)."""
    if not np.isfinite(est):
        return float(est), float("nan"), float("nan")
    reps = reps[~np.isnan(reps)]
    if k < 2 or reps.size < 2:
        return float(est), float("nan"), float("nan")
    if log:
        with np.errstate(divide="ignore"):
            lo, hi = bs.se_interval(np.log(np.maximum(reps, 0)), np.log(est), level, df=k - 1, var_factor=k / (k - 1))
        return float(est), float(np.exp(lo)), float(np.exp(hi))
    lo, hi = bs.se_interval(reps, est, level, df=k - 1, var_factor=k / (k - 1))
    return float(est), float(lo), float(hi)


def price(spec: AdviceSpec, hours: Hours, n: Any, s: Any) -> np.ndarray:
    """What ``n`` synthetic and ``s`` real samples cost, with one training run's compute.

    An unbounded size costs without bound; a free item (price 0) adds nothing, even then.

    Example:
        >>> spec = AdviceSpec.model_validate({"costs": {"real_sample": 0.4, "synthetic_sample": 0.002,
        ...                                             "compute_hour": 2}, "budget": 1})
        >>> float(price(spec, Hours(0.5, 0.0, 0.001, True), 1000, 100))
        43.2
    """
    c = spec.costs
    n, s = np.asarray(n, dtype=float), np.asarray(s, dtype=float)
    total = c.real_sample * s + (c.synthetic_sample * n if c.synthetic_sample else 0.0)
    return total + (c.compute_hour * hours(n, s) if c.compute_hour else 0.0)


def _grid(fo: FittedOption) -> np.ndarray:
    """Synthetic sizes to search: the fixed size of a curve, a wide log grid plus the measured sizes for the joint law."""
    opt = fo.option
    if opt.kind == "curve":
        return np.array([float(opt.n_synthetic)])
    lo, hi = min(opt.sizes), max(opt.sizes)
    wide = np.geomspace(max(1.0, lo / GRID_SPAN), hi * GRID_SPAN, GRID_POINTS)
    return np.unique(np.concatenate([wide, np.asarray(opt.sizes, dtype=float)]))


@dataclass
class _Eval:
    """One option's goal evaluated for the point estimate (row 0) and every resample."""

    n: np.ndarray  # (R,) synthetic samples at the best inside point (NaN: none)
    s: np.ndarray  # (R,)
    value: np.ndarray  # (R,) cost (target) or error (budget); inf when no inside point
    out_j: int | None  # grid index of the point estimate's best point ignoring the region
    frontier: pd.DataFrame
    safe: tuple[float, float, float] | None = None  # (n, s, cost) reaching the target at the one-sided level


def _best_per_row(masked: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per parameter row, the grid column with the lowest value (``inf`` marks columns outside the region).

    Returns:
        ``(j, found, value)``: the column, whether the row is fitted and has a column in the
        region, and the lowest value (NaN for rows whose fit failed).
    """
    j = np.argmin(masked, axis=1)
    best = masked[np.arange(masked.shape[0]), j]
    fitted = ~np.isnan(P).any(axis=1)
    return j, np.isfinite(best) & fitted, np.where(fitted, best, np.nan)


def _target_eval(fo: FittedOption, check: LawCheck, goal: Goal, spec: AdviceSpec, level: float, k: int) -> _Eval:
    """Cheapest point inside the region where the law reaches the target, per parameter row.

    At each synthetic size the law needs ``s*(n)`` real samples; any ``s >= s*(n)`` reaches the
    target too, so the cheapest advisable ``s`` is ``s*(n)`` or, where ``s*(n)`` lies below the
    region, the region's smallest real size there.
    """
    G = _grid(fo)
    P = fo.stacked()
    star = fo.real_needed(G, goal.error, P)  # (R, G): the frontier of each row
    star = np.where(star < 1.0, 1.0, star)  # at least one real sample
    lo, hi = check.region.column(G)
    S = np.maximum(star, np.where(np.isnan(lo), np.inf, lo))
    cost = price(spec, fo.option.hours, G, S)
    inside = np.isfinite(S) & (S <= hi * (1 + 1e-9)) & check.region.contains(np.broadcast_to(G, S.shape), S)
    j, found, value = _best_per_row(np.where(inside, cost, np.inf), P)
    n = np.where(found, G[j], np.nan)
    s = np.where(found, S[np.arange(P.shape[0]), j], np.nan)
    ok = np.isfinite(star[0])
    free = price(spec, fo.option.hours, G, star[0])
    free = np.where(ok, free, np.inf)
    out_j = int(np.argmin(free)) if np.isfinite(free).any() else None
    frontier = pd.DataFrame({"n_synthetic": G, "n_real": star[0], "cost": np.where(ok, free, np.nan),
                             "advisable": check.region.contains(G, star[0]) & ok,
                             "advised_real": np.where(inside[0], S[0], np.nan),
                             "advised_cost": np.where(inside[0], cost[0], np.nan)})
    return _Eval(n=n, s=s, value=value, out_j=out_j, frontier=frontier,
                 safe=_safe(fo, check, star, G, lo, hi, spec, level, k))


def _safe(fo: FittedOption, check: LawCheck, star: np.ndarray, G: np.ndarray, lo: np.ndarray, hi: np.ndarray,
          spec: AdviceSpec, level: float, k: int) -> tuple[float, float, float] | None:
    """The cheapest point whose real samples reach the target at the one-sided ``level`` (not just on average).

    At each synthetic size the needed real samples get a one-sided upper bound from the
    resamples (the t rule on the log scale); the cheapest such bound inside the region is a
    purchase that reaches the target with that confidence, as far as the law is right.
    """
    if k < 2 or star.shape[0] < 3:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(star)
    # sizes where fewer than 2 resamples reach the target get no bound (NaN, never advised below)
    enough = np.isfinite(logs[1:]).sum(axis=0) >= 2
    up = np.full(G.shape, np.nan)
    if enough.any():
        _, up[enough] = bs.se_interval(logs[1:, enough], logs[0, enough], 2 * level - 1, df=k - 1,
                                       var_factor=k / (k - 1))
    S = np.maximum(np.exp(np.minimum(up, 700.0)), np.where(np.isnan(lo), np.inf, lo))
    cost = price(spec, fo.option.hours, G, S)
    inside = np.isfinite(S) & (S <= hi * (1 + 1e-9)) & check.region.contains(G, S)
    if not inside.any():
        return None
    j = int(np.argmin(np.where(inside, cost, np.inf)))
    return float(G[j]), float(S[j]), float(cost[j])


def _budget_line(fo: FittedOption, spec: AdviceSpec, budget: float) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic sizes and the real samples that exhaust the budget with them (NaN where none is left)."""
    c, h = spec.costs, fo.option.hours
    G = _grid(fo)
    per_n = c.synthetic_sample + c.compute_hour * h.t_n
    per_s = c.real_sample + c.compute_hour * h.t_s
    S = (budget - c.compute_hour * h.t0 - per_n * G) / per_s
    return G, np.where(S >= 1.0, S, np.nan)


def _budget_eval(fo: FittedOption, check: LawCheck, goal: Goal, spec: AdviceSpec) -> _Eval:
    """Lowest predicted error inside the region within the budget, per parameter row.

    More real data lowers the error, so at each synthetic size the best affordable point is on
    the budget line or, where the line runs above the region, the region's largest real size.
    """
    G, line = _budget_line(fo, spec, goal.budget)
    P = fo.stacked()
    lo, hi = check.region.column(G)
    S = np.minimum(line, np.where(np.isnan(hi), -np.inf, hi))
    ok = np.isfinite(line)
    inside = ok & (S >= lo * (1 - 1e-9)) & check.region.contains(G, np.where(ok, S, np.nan))
    err = fo.error(G, np.where(inside, S, 1.0), P)  # (R, G)
    j, found, value = _best_per_row(np.where(inside[None], err, np.inf), P)
    err_line = fo.error(G, np.where(ok, line, 1.0), P[:1])[0]
    free = np.where(ok, err_line, np.inf)
    out_j = int(np.argmin(free)) if np.isfinite(free).any() else None
    frontier = pd.DataFrame({"n_synthetic": G, "n_real": line, "metric": goal.to_metric(np.where(ok, err_line, np.nan)),
                             "advisable": check.region.contains(G, line) & ok,
                             "advised_real": np.where(inside, S, np.nan),
                             "advised_metric": goal.to_metric(np.where(inside, err[0], np.nan))})
    return _Eval(n=np.where(found, G[j], np.nan), s=np.where(found, S[j], np.nan), value=value,
                 out_j=out_j, frontier=frontier)


def _clip(t: Triple, measured: np.ndarray) -> Triple:
    """An interval of an advised size kept to the sizes measured (no advised point lies beyond them)."""
    lo, hi = float(np.min(measured)), float(np.max(measured))
    return t[0], float(np.clip(t[1], lo, hi)), float(np.clip(t[2], lo, hi))


def _purchase(fo: FittedOption, ev: _Eval, goal: Goal, spec: AdviceSpec, level: float, k: int) -> Purchase:
    """The advised purchase of the point estimate, with intervals over the resamples."""
    n0, s0 = float(ev.n[0]), float(ev.s[0])
    hours = float(fo.option.hours(n0, s0))
    fixed_n = fo.option.kind == "curve"
    n_iv = (n0, n0, n0) if fixed_n else _clip(_interval(ev.n[1:], n0, level, k, log=True), fo.option.cells()[0])
    s_iv = _clip(_interval(ev.s[1:], s0, level, k, log=True), fo.option.cells()[1])
    err_at = fo.error(np.array([n0]), np.array([s0]), fo.stacked())[:, 0]  # the law's error at the advised point
    e_iv = _interval(err_at[1:], float(err_at[0]), level, k, log=False)
    metric = tuple(sorted(float(goal.to_metric(v)) for v in e_iv[1:]))
    metric_iv = (float(goal.to_metric(e_iv[0])), *metric) if np.isfinite(e_iv[1]) else (
        float(goal.to_metric(e_iv[0])), float("nan"), float("nan"))
    if goal.mode == "target":
        cost_iv = _interval(ev.value[1:], float(ev.value[0]), level, k, log=True)
    else:
        spent = float(price(spec, fo.option.hours, n0, s0))
        cost_iv = (spent, spent, spent)
    return Purchase(n_synthetic=n_iv, n_real=s_iv, cost=cost_iv, metric=metric_iv, hours=hours, inside=True)


def _outside(fo: FittedOption, ev: _Eval, goal: Goal, spec: AdviceSpec) -> Purchase | None:
    """The point estimate's best point ignoring the region, when it lies outside it (no intervals: extrapolation)."""
    if ev.out_j is None:
        return None
    row = ev.frontier.iloc[ev.out_j]
    if bool(row["advisable"]):
        return None
    n, s = float(row["n_synthetic"]), float(row["n_real"])
    hours = float(fo.option.hours(n, s))
    nan = float("nan")
    if goal.mode == "target":
        cost, metric = float(row["cost"]), goal.value
    else:
        cost, metric = float(price(spec, fo.option.hours, n, s)), float(row["metric"])
    return Purchase(n_synthetic=(n, nan, nan), n_real=(s, nan, nan), cost=(cost, nan, nan), metric=(metric, nan, nan),
                    hours=hours, inside=False)


def _round2(x: float) -> float:
    """Two significant digits (a size to run)."""
    if not np.isfinite(x) or x <= 0:
        return x
    return float(np.round(x, -int(np.floor(np.log10(x))) + 1))


def _suggest(fo: FittedOption, status: Status, outside: Purchase | None, n_train_real: float | None) -> list[Suggestion]:
    """The run that would bring the law's best point inside the checked region."""
    opt = fo.option
    out: list[Suggestion] = []
    if outside is not None:
        n = 0.0 if opt.n_synthetic == 0 else _round2(outside.n_synthetic[0])
        if opt.kind == "curve":
            n = float(opt.n_synthetic)
        s = _round2(max(outside.n_real[0], 1.0))
        frac = None if not n_train_real else float(s / n_train_real)
        too_much = n_train_real is not None and s > n_train_real
        reason = Reason.MORE_REAL_DATA if too_much else (
            Reason.OUTSIDE if status is not Status.ADVISED else Reason.CHEAPER_OUTSIDE)
        out.append(Suggestion(opt.condition, opt.source, n, s, frac, reason))
    elif status is Status.UNTESTED:
        cs = np.asarray(opt.cells()[1])
        s = _round2(2 * float(cs.max()))
        if n_train_real:
            s = min(s, float(n_train_real))
        frac = None if not n_train_real else float(s / n_train_real)
        out.append(Suggestion(opt.condition, opt.source, float(opt.n_synthetic or 0.0), s, frac, Reason.MORE_SIZES))
    return out


def _compare(values: np.ndarray, ref: np.ndarray, goal: Goal, level: float, k: int) -> Triple:
    """Saving ``1 - cost / cost_ref`` (target) or metric gain ``err_ref - err`` (budget), per resample, paired."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if goal.mode == "target":
            d = 1.0 - values / ref
            d = np.where(np.isinf(ref) & np.isfinite(values), 1.0, d)
        else:
            d = ref - values
    est, lo, hi = _interval(d[1:], float(d[0]), level, k, log=False)
    if goal.mode == "target":
        hi = min(hi, 1.0)  # a saving is at most the whole cost (the t interval is symmetric)
    return est, lo, hi


def _recommend(cmp: Triple | None) -> Recommendation:
    """The verdict rule of docs/verdicts.md: recommended only when the interval lies above 0.

    An interval may run off to infinity (a resample whose purchase leaves the checked region
    costs without bound): it is still an interval, and it reaches 0 only if it contains it.
    """
    if cmp is None or np.isnan(cmp[1]) or np.isnan(cmp[2]):
        return Recommendation.NO_INTERVAL
    if cmp[1] > 0:
        return Recommendation.RECOMMENDED
    return Recommendation.WORSE if cmp[2] < 0 else Recommendation.NOT_SHOWN


def _status(ev: _Eval, check: LawCheck) -> Status:
    """Advised, or why not."""
    if np.isfinite(ev.value[0]):
        return Status.ADVISED
    if check.region.empty:
        return Status.MISFIT if check.rejected or CellStatus.FAIL in check.status else Status.UNTESTED
    return Status.EXTRAPOLATION if ev.out_j is not None else Status.UNREACHABLE


def _params(fo: FittedOption) -> dict[str, float]:
    """The law's parameters by their names in the docs (``a, b, c`` for a curve)."""
    names = ("a", "b", "c") if fo.option.kind == "curve" else fo.law.names
    return {p: float(v) for p, v in zip(names, fo.params)}


def advise(
    frame: pd.DataFrame,
    spec: AdviceSpec,
    *,
    metric: str,
    higher_is_better: bool,
    level: float = 0.95,
    n_boot: int = 1000,
    random_state: int = 0,
    n_train_real: float | None = None,
    source: str | None = None,
    cv_boot: int = CV_BOOT,
    item: str = "images",
    real_item: str = "samples",
) -> Advice:
    """What to buy to reach a target (or the best a budget buys), for every option, with intervals.

    Args:
        frame: one row per run: ``condition, source, n_synthetic, n_real, seed, error`` and
            optionally ``hours`` (see :func:`~synreal.analysis.advice.options.build_options`);
            ``condition == "real"`` is real data alone, the reference.
        spec: prices and the goal.
        metric: the metric the errors come from (the target must name it).
        higher_is_better: its direction (error = 1 - metric when True).
        level: coverage of every interval (and of the cross-validation's prediction intervals).
        n_boot: seed resamples (0: no intervals, hence no cross-validation and no advice).
        random_state: seed of the resamples.
        n_train_real: the real training split a study could draw from (suggested runs beyond
            it need more real data).
        source: the file the runs came from, for messages.
        cv_boot: seed resamples behind the cross-validation's prediction intervals (at most
            ``n_boot``; at least 2 for any cell to be checked).
        item, real_item: what a synthetic sample is and what the real size counts, in words.

    Returns:
        An :class:`Advice`.

    Raises:
        UserInputError: a target outside the metric's range or on another metric, a goal no
            option reaches (every law levels off above the target, or the budget pays for no
            run), or runs without a real-only learning curve.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> rows = [{"condition": "real", "source": "none", "n_synthetic": 0, "n_real": s, "seed": k,
        ...          "error": 2 * s**-0.5 + rng.normal(0, 0.002)} for s in (50, 100, 200, 400, 800)
        ...         for k in range(4)]
        >>> rows += [{"condition": "pretrain", "source": "fonts", "n_synthetic": 5000, "n_real": s, "seed": k,
        ...           "error": 1 * s**-0.5 + rng.normal(0, 0.002)} for s in (50, 100, 200, 400, 800)
        ...          for k in range(4)]
        >>> spec = AdviceSpec.model_validate({"costs": {"real_sample": 0.4, "synthetic_sample": 0.002},
        ...                                   "target": {"metric": "accuracy", "value": 0.9}})
        >>> adv = advise(pd.DataFrame(rows), spec, metric="accuracy", higher_is_better=True, n_boot=200)
        >>> ref, pre = adv.options
        >>> round(ref.point.n_real[0], -1), round(pre.point.n_real[0], -1), pre.recommendation.value
        (390.0, 100.0, 'recommended')
    """
    goal = resolve_goal(spec, metric, higher_is_better, source=source)
    options, skipped = build_options(frame, source=source)
    k = int(pd.unique(frame["seed"]).size)
    rng = np.random.default_rng(random_state)
    B = int(n_boot) if k >= 2 else 0
    mult = bs.seed_multiplicities(k, B, rng) if B else np.zeros((0, k), dtype=np.int64)
    fitted = [fit_option(o, mult) for o in options]
    checks = [cross_validate(fo, mult[:max(int(cv_boot), 0)], level) for fo in fitted]
    evals = [_target_eval(fo, chk, goal, spec, level, k) if goal.mode == "target" else
             _budget_eval(fo, chk, goal, spec) for fo, chk in zip(fitted, checks)]
    ref_i = next(i for i, o in enumerate(options) if o.reference)
    ref_status = _status(evals[ref_i], checks[ref_i])
    out = []
    for fo, chk, ev in zip(fitted, checks, evals):
        opt = fo.option
        status = _status(ev, chk)
        point = _purchase(fo, ev, goal, spec, level, k) if status is Status.ADVISED else None
        outside = _outside(fo, ev, goal, spec)
        if outside is not None and point is not None:
            if goal.mode == "target":
                better = outside.cost[0] < (1 - CHEAPER_OUTSIDE) * point.cost[0]
            else:  # in error units (the metric's direction drops out)
                better = goal.to_metric(outside.metric[0]) < (1 - CHEAPER_OUTSIDE) * goal.to_metric(point.metric[0])
            outside = outside if better else None
        comparison = None
        if opt.reference:
            rec = Recommendation.REFERENCE
        elif status is not Status.ADVISED:
            rec = Recommendation.NOT_ADVISED
        elif ref_status is not Status.ADVISED:
            rec = Recommendation.NO_REFERENCE
        else:
            comparison = _compare(ev.value, evals[ref_i].value, goal, level, k)
            rec = _recommend(comparison)
        floor = float(goal.to_metric(fo.params[2])) if opt.kind == "curve" else None
        out.append(OptionAdvice(
            key=opt.key, label=opt.label, condition=opt.condition, source=opt.source, kind=opt.kind,
            reference=opt.reference, n_fixed=opt.n_synthetic, status=status, point=point, outside=outside,
            safe=ev.safe if status is Status.ADVISED else None,
            comparison=comparison, recommendation=rec, frontier=ev.frontier, check=chk, params=_params(fo),
            hours=opt.hours, suggestions=tuple(_suggest(fo, status, outside, n_train_real)), floor=floor, fit=fo))
    if all(o.status is Status.UNREACHABLE for o in out):
        _unreachable(out, goal, source)
    return Advice(spec=spec, goal=goal, level=float(level), n_boot=B, n_seeds=k, n_train_real=n_train_real,
                  options=tuple(out), skipped=tuple(skipped), item=item, real_item=real_item)


def _unreachable(options: list[OptionAdvice], goal: Goal, source: str | None) -> None:
    """No option can reach the goal at all: that is the user's target (or budget) to change."""
    if goal.mode == "budget":
        raise UserInputError(f"a budget of {goal.budget:g} does not pay for a single training run of any option",
                             file=source, key="advice.budget")
    floors = [f"{o.label} levels off at {o.floor:.4g}" for o in options if o.floor is not None]
    why = f" ({'; '.join(floors)})" if floors else ""
    raise UserInputError(f"no option reaches {goal.metric} {goal.value:g}{why}", file=source,
                         key="advice.target.value", hint="lower the target")
