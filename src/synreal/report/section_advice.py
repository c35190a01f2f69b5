"""Report section "What to buy": the cheapest mix of real and synthetic data for the spec's goal.

It only formats: the laws, their cross-validation, the purchases, intervals and verdicts are
computed once in :func:`synreal.analysis.study.analyse_study` (``analysis.advice``), and the
sentences come from :mod:`synreal.analysis.advice.words`, which the command line prints too.
"""

from __future__ import annotations

import html

import numpy as np

from synreal.analysis.advice import Advice, OptionAdvice, Recommendation, Status
from synreal.analysis.advice.words import (
    check_sentence,
    count,
    headline,
    money,
    option_sentence,
    pct,
    price,
)
from synreal.report.advice_figures import joint_keys, plot_advice, plot_costs
from synreal.report.html import figure_html, html_table, json_safe
from synreal.report.sections import ReportContext, Section, section
from synreal.report.text import bullets, details, para

VERDICT_WORDS = {
    Recommendation.REFERENCE: "reference",
    Recommendation.RECOMMENDED: "recommended",
    Recommendation.NOT_SHOWN: "not recommended: saving not shown",
    Recommendation.WORSE: "not recommended: worse than real data alone",
    Recommendation.NO_REFERENCE: "no reference: real data alone not advised",
    Recommendation.NO_INTERVAL: "not recommended: no interval",
    Recommendation.NOT_ADVISED: "not advised",
}


def _slug(text: str) -> str:
    """A file-name-safe version of an option key."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)


def _range(t: tuple[float, float, float], f) -> str:
    return f"{f(t[1])} to {f(t[2])}" if np.isfinite(t[1]) and np.isfinite(t[2]) else "n/a"


def _row(o: OptionAdvice, adv: Advice) -> list[str]:
    """One option in the summary table."""
    p = o.point
    if p is None:
        return [o.label, o.status.value, "", "", "", "", VERDICT_WORDS[o.recommendation]]
    syn = count(p.n_synthetic[0]) + ("" if o.n_fixed is not None else f" ({_range(p.n_synthetic, count)})")
    real = f"{count(p.n_real[0])} ({_range(p.n_real, count)})"
    if adv.goal.mode == "target":
        amount = f"{money(p.cost[0])} ({_range(p.cost, money)})"
        cmp = f"{pct(o.comparison[0])} ({_range(o.comparison, pct)})" if o.comparison else ""
    else:
        amount = f"{p.metric[0]:.3f} ({_range(p.metric, lambda v: f'{v:.3f}')})"
        cmp = f"{o.comparison[0]:+.3f} ({_range(o.comparison, lambda v: f'{v:+.3f}')})" if o.comparison else ""
    return [o.label, o.status.value, syn, real, amount, cmp, VERDICT_WORDS[o.recommendation]]


def _check_table(o: OptionAdvice, lv: str) -> str:
    """Every held-out prediction of one option's law."""
    rows = []
    for c in o.check.checks:
        verdict = "untested" if c.passes is None else ("inside" if c.inside else "outside") + (
            "" if c.passes else ", fails adjusted")
        rows.append([c.fold, f"{c.n:,.0f}", f"{c.s:,.0f}", str(c.n_seeds), f"{c.measured:.4f}",
                     "n/a" if not np.isfinite(c.predicted) else f"{c.predicted:.4f}",
                     "n/a" if not np.isfinite(c.lo) else f"{c.lo:.4f} to {c.hi:.4f}", verdict])
    return html_table(["held out", "n synthetic", "s real", "seeds", "measured error", "predicted",
                       f"{lv} prediction interval", "verdict"], rows, numeric=[1, 2, 3, 4, 5])


@section("advice", order=55)
def advice_section(ctx: ReportContext) -> Section | None:
    """What to buy for the study's goal: per option the cheapest purchase, its interval and its saving."""
    assert ctx.analysis is not None  # set when the context is made
    adv = ctx.analysis.advice
    if adv is None:
        return None
    g, c = adv.goal, adv.spec.costs
    lv = f"{100 * adv.level:g}%"
    goal = f"reach {g.metric} {g.value:g}" if g.mode == "target" else f"spend a budget of {money(g.budget)}"
    intro = para(
        f"Prices: {price(c.real_sample)} per real sample, {price(c.synthetic_sample)} per synthetic sample, "
        f"{price(c.compute_hour)} per hour of training compute (the hours of a run are modelled from the measured "
        f"run times). Goal: {goal}. Each option's law (the real-only learning curve, or Mikami's law over synthetic "
        "and real sizes) is first cross-validated on the measured cells; a purchase is advised only inside the "
        f"region where the law predicts held-out cells within their intervals, and {lv} intervals come from "
        "resampling seeds. A synthetic option is recommended only when the interval of its saving against real "
        "data alone lies above 0.")
    figures = [plot_costs(adv, ctx.figures_dir / "advice_costs.png")]
    parts = [intro, para(headline(adv)), figure_html(figures[0], "cost of each option", None)]
    header = ["option", "status", "synthetic", "real", "cost" if g.mode == "target" else g.metric,
              "saving" if g.mode == "target" else "gain over real", "verdict"]
    parts.append(html_table(header, [_row(o, adv) for o in adv.options], numeric=[2, 3, 4, 5],
                            caption=f"What each option buys ({lv} intervals)"))
    parts.append(bullets([option_sentence(o, adv) for o in adv.options]))
    for key in joint_keys(adv):
        o = adv.option(key)
        fig = plot_advice(adv, key, ctx.figures_dir / f"advice_{_slug(key)}.png")
        figures.append(fig)
        parts.append(f"<h3>{html.escape(o.label)}</h3>")
        parts.append(figure_html(fig, f"what to buy: {o.label}",
                                 f"Predicted {g.metric} over synthetic and real samples (contours), the region "
                                 "where the law passed cross-validation (shaded), iso-cost lines, the frontier, the "
                                 f"advised point with its {lv} intervals, and the measured cells."))
    checks = []
    for o in adv.options:
        checks.append(f"<h3>Cross-validation: {html.escape(o.label)}</h3>" + para(check_sentence(o.check))
                      + details("every held-out prediction", _check_table(o, lv)))
    parts.append("".join(checks))
    if adv.skipped:
        parts.append(para("Not priced: " + "; ".join(f"{a} ({b})" for a, b in adv.skipped) + "."))
    headlines = [headline(adv)]
    others = [o for o in adv.options if not o.reference and o is not adv.best and o.status is Status.EXTRAPOLATION]
    headlines += [option_sentence(o, adv) for o in others[:1]]
    return Section(key="advice", title="What to buy", headlines=headlines, html="\n".join(parts), figures=figures,
                   summary=json_safe(adv.to_dict()))
