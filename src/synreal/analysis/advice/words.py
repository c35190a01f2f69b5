"""The advice in words: the one place where an :class:`Advice` becomes sentences.

The command line and the report's "What to buy" section print the same sentences, so that
what a number may claim is said the same way everywhere: a saving is called a saving only
when its interval lies above 0 (``Recommendation.RECOMMENDED``), and a point outside the
region where the law was checked is "extrapolation: not advised", with the run that would
make it advisable.
"""

from __future__ import annotations

import numpy as np

from synreal.analysis.advice.check import LawCheck
from synreal.analysis.advice.results import (
    Advice,
    OptionAdvice,
    Purchase,
    Reason,
    Recommendation,
    Status,
    Suggestion,
)


def money(x: float) -> str:
    """An amount of money: two decimals, thousands separated.

    Example:
        >>> money(1248.5), money(float("inf"))
        ('1,248.50', 'unbounded')
    """
    if x is None or not np.isfinite(x):
        return "unbounded" if x is not None and np.isinf(x) else "n/a"
    return f"{x:,.2f}"


def price(x: float) -> str:
    """A unit price: two decimals, or three significant digits below 0.1.

    Example:
        >>> price(0.4), price(0.002)
        ('0.40', '0.002')
    """
    return f"{x:,.2f}" if x >= 0.1 or x == 0 else f"{x:.3g}"


def count(x: float) -> str:
    """A number of samples as advice states it: two significant digits from 100 up.

    Example:
        >>> count(487.1), count(63.4), count(3522.2)
        ('490', '63', '3,500')
    """
    if x is None or not np.isfinite(x):
        return "unbounded" if x is not None and np.isinf(x) else "n/a"
    if x >= 100:
        x = float(np.round(x, -int(np.floor(np.log10(x))) + 1))
    return f"{x:,.0f}"


def pct(x: float) -> str:
    """A fraction as a whole percentage.

    Example:
        >>> pct(0.834), pct(-0.1), pct(float("-inf"))
        ('83%', '-10%', 'unbounded')
    """
    if x is None or np.isnan(x):
        return "n/a"
    return "unbounded" if np.isinf(x) else f"{100 * x:.0f}%"


def _metric(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.3f}"


def _iv(t: tuple[float, float, float], f, level: float) -> str:
    """'95% interval a to b', or 'no interval'."""
    if not (np.isfinite(t[1]) and np.isfinite(t[2])) and not (np.isinf(t[1]) or np.isinf(t[2])):
        return "no interval"
    return f"{100 * level:g}% interval {f(t[1])} to {f(t[2])}"


def subject(o: OptionAdvice, *, with_n: bool = True, item: str = "images") -> str:
    """What the option does, as the subject of a sentence.

    Example:
        >>> from types import SimpleNamespace as N
        >>> subject(N(condition="pretrain", source="fonts", n_fixed=10000.0, reference=False))
        'pre-training on 10,000 fonts images'
    """
    n = "" if (o.n_fixed is None or not with_n) else f"{int(o.n_fixed):,} "
    if o.reference or o.condition == "real":
        return "real data alone"
    if o.condition == "real+aug":
        return "real data with plain augmentation"
    if o.condition == "kalman":
        return "the Kalman tracker (it learns nothing)"
    if o.condition == "pretrain":
        return f"pre-training on {n}{o.source} {item}"
    if o.condition in ("mix", "mix+aug"):
        aug = " with augmentation" if o.condition == "mix+aug" else ""
        return f"mixing {n}{o.source} {item} into the real data{aug}"
    if o.condition == "synthetic":
        return f"{n}synthetic samples ({o.source})" if n else f"synthetic data ({o.source})"
    return f"{o.condition} {o.source}" + (f" ({n.strip()})" if n else "")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _buys(o: OptionAdvice, p: Purchase, level: float, real: str = "samples") -> str:
    """'about N synthetic (interval) and S real samples (interval)'; a size the goal fixes has no interval."""
    def amount(t: tuple[float, float, float], noun: str) -> str:
        fixed = bool(np.isfinite(t[1]) and np.isclose(t[1], t[2], rtol=1e-9))
        return f"about {count(t[0])} {noun}" + ("" if fixed else f" ({_iv(t, count, level)})")

    real = amount(p.n_real, f"real {real}")
    if o.n_fixed is None:
        return f"{amount(p.n_synthetic, 'synthetic')} and {real}"
    return real


def _goal(adv: Advice) -> str:
    g = adv.goal
    return f"{g.metric} {g.value:g}" if g.mode == "target" else f"a budget of {money(g.budget)}"


def suggestion(sg: Suggestion, real: str = "samples") -> str:
    """The run that would make a better point advisable.

    Example:
        >>> suggestion(Suggestion("pretrain", "fonts", 20000.0, 150.0, 0.21, Reason.OUTSIDE))
        'run pretrain fonts at n_synthetic = 20,000 with 150 real samples (real fraction 0.21)'
    """
    frac = f" (real fraction {sg.real_fraction:.2f})" if sg.real_fraction is not None and sg.real_fraction <= 1 else ""
    where = f"{sg.condition}" + (f" {sg.source}" if sg.source not in ("none", "") else "")
    syn = f" at n_synthetic = {sg.n_synthetic:,.0f}" if sg.n_synthetic > 0 else ""
    text = f"run {where}{syn} with {count(sg.n_real)} real {real}{frac}"
    if sg.reason is Reason.MORE_REAL_DATA:
        text += ", which needs more real data than the study's training split holds: label more first"
    return text


def _suggestions(o: OptionAdvice, real: str = "samples") -> str:
    if not o.suggestions:
        return ""
    return " To make it advisable, " + "; ".join(suggestion(s, real) for s in o.suggestions) + "."


def _comparison(o: OptionAdvice, adv: Advice) -> str:
    """The clause that compares an advised option with real data alone, and the verdict."""
    lv = adv.level
    c = o.comparison
    rec = o.recommendation
    if rec is Recommendation.NO_REFERENCE:
        return "; real data alone is not advised for this goal, so no saving can be stated"
    if rec is Recommendation.NO_INTERVAL:
        return "; no interval (fewer than 2 seeds), so no saving can be claimed: not recommended"
    if adv.goal.mode == "target":
        if rec is Recommendation.RECOMMENDED:
            return f"; saving {pct(c[0])} against real data alone ({_iv(c, pct, lv)}): recommended"
        if rec is Recommendation.WORSE:
            return (f"; it costs more than real data alone (saving {pct(c[0])}, {_iv(c, pct, lv)}): "
                    "not recommended")
        return (f"; the saving against real data alone, {pct(c[0])} ({_iv(c, pct, lv)}), is not shown (its interval "
                "reaches 0): not recommended")
    f = lambda v: f"{v:+.3f}"
    if rec is Recommendation.RECOMMENDED:
        return f"; {f(c[0])} over real data alone ({_iv(c, f, lv)}): recommended"
    if rec is Recommendation.WORSE:
        return f"; worse than real data alone ({f(c[0])}, {_iv(c, f, lv)}): not recommended"
    return (f"; the gain over real data alone, {f(c[0])} ({_iv(c, f, lv)}), is not shown (its interval reaches 0): "
            "not recommended")


def option_sentence(o: OptionAdvice, adv: Advice, *, margin: bool = True) -> str:
    """One sentence per option: its purchase with intervals and whether it is recommended, or why not.

    Args:
        o: the option.
        adv: the advice it belongs to (goal, level).
        margin: also name the purchase that reaches the target with a one-sided margin for the
            law's uncertainty (left out of the report's lead).

    Returns:
        A sentence.
    """
    lv, g = adv.level, adv.goal
    subj, real = subject(o, item=adv.item), adv.real_item
    if o.status is Status.ADVISED:
        p = o.point
        if g.mode == "target":
            text = (f"Reaching {_goal(adv)} with {subj} needs {_buys(o, p, lv, real)}, costing {money(p.cost[0])} "
                    f"({_iv(p.cost, money, lv)})")
        else:
            text = (f"With {_goal(adv)}, {subj} buys {g.metric} {_metric(p.metric[0])} ({_iv(p.metric, _metric, lv)}) "
                    f"with {_buys(o, p, lv, real)}")
        text += "." if o.reference else _comparison(o, adv) + "."
        shown = o.reference or o.recommendation is Recommendation.RECOMMENDED
        if margin and shown and o.safe is not None:
            syn = f"{count(o.safe[0])} synthetic and " if o.n_fixed is None else ""
            text += (f" (The law puts the average run at the target there; with a one-sided {100 * lv:g}% margin for "
                     f"its uncertainty, buy {syn}{count(o.safe[1])} real {real}, costing {money(o.safe[2])}.)")
        if o.outside is not None:
            q = o.outside
            better = (f"costing {money(q.cost[0])}" if g.mode == "target" else f"reaching {g.metric} {_metric(q.metric[0])}")
            text += (f" The law predicts a better point outside the cells where it was checked (about "
                     f"{count(q.n_synthetic[0])} synthetic and {count(q.n_real[0])} real {real}, {better}): "
                     "extrapolation, not advised." + _suggestions(o, real))
        return text
    if o.status is Status.EXTRAPOLATION:
        q = o.outside
        where = ""
        if q is not None:
            amount = (f"costing {money(q.cost[0])}" if g.mode == "target"
                      else f"reaching {g.metric} {_metric(q.metric[0])}")
            syn = f"{count(q.n_synthetic[0])} synthetic and " if o.n_fixed is None else ""
            where = f" (about {syn}{count(q.n_real[0])} real {real}, {amount})"
        return (f"{_cap(subj)}, {_goal(adv)}: extrapolation, not advised: the law's best point{where} lies outside "
                "the cells where it was checked." + _suggestions(o, real))
    if o.status is Status.UNREACHABLE:
        if g.mode == "budget":
            return f"{_cap(subj)}: {_goal(adv)} does not pay for a single training run with one real sample."
        floor = f": its learning curve levels off at {g.metric} {_metric(o.floor)}" if o.floor is not None else (
            " within 10x the synthetic sizes run")
        return f"{_cap(subj)} does not reach {_goal(adv)}{floor}."
    inside, tested = o.check.coverage
    if o.status is Status.MISFIT:
        return (f"{_cap(subj)}: not advised: its law misses the measured cells when they are held out "
                f"({tested - inside} of {tested} outside their {100 * lv:g}% prediction intervals).")
    return (f"{_cap(subj)}: not advised: its law could not be checked (no measured cell can be held out with "
            "enough sizes left)." + _suggestions(o, real))


def check_sentence(check: LawCheck) -> str:
    """How the law fared when each measured cell was held out.

    Args:
        check: the cross-validation of one option.

    Returns:
        A sentence.
    """
    inside, tested = check.coverage
    if tested == 0:
        return "No measured cell could be held out (too few sizes, or fewer than 2 seeds): the law is unchecked."
    adj = f"{100 * check.adjusted_level:.4g}%"
    text = (f"Held out one at a time (and the largest sizes together), {inside} of {tested} measured values fall "
            f"inside their {100 * check.level:g}% prediction intervals")
    if check.rejected:
        return (text + f": a right law does this badly with probability {check.p_value:.2g}, so the law is rejected "
                "and nothing is advised from it.")
    failed = check.failed
    if not failed:
        return text + f"; none lies outside its interval adjusted for the {tested} checks ({adj})."
    cells = ", ".join(f"n = {c.n:,.0f}, s = {c.s:,.0f} (measured error {c.measured:.4f}, predicted "
                      f"{c.predicted:.4f})" for c in failed[:3])
    more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
    verb = "lies outside its interval" if len(failed) == 1 else "lie outside their intervals"
    return (text + f"; {len(failed)} {verb} adjusted for the {tested} checks ({adj}): {cells}{more}. "
            "Advice avoids the points nearest them.")


def headline(adv: Advice) -> str:
    """The lead: real data alone, then the best recommended option (or why none is recommended).

    Args:
        adv: the advice.

    Returns:
        One or two sentences.
    """
    ref = adv.reference
    best = adv.best
    lead = option_sentence(ref, adv, margin=False)
    if best is not None and not best.reference:
        return f"{lead} {option_sentence(best, adv, margin=False)}"
    advised = [o for o in adv.options if not o.reference and o.status is Status.ADVISED]
    if ref.status is not Status.ADVISED:
        return lead + (f" {option_sentence(advised[0], adv, margin=False)}" if advised else "")
    return f"{lead} No synthetic option is shown to do better than real data alone for {_goal(adv)}."
