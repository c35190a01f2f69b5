"""The flexibility section: which synthetic configuration helps most, with adjusted pair verdicts.

It formats ``StudyAnalysis.ranking`` (``synreal.analysis.ranking``). A configuration is
called better than another only when the lower bound of their paired difference, adjusted
for the number of pairs compared, lies above zero; the intervals shown are those adjusted
bounds, so a pair is never shown with an interval that excludes zero and called "not
significant".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synreal.analysis.ranking import AVERAGE
from synreal.report.figures import plot_ranking
from synreal.report.html import figure_html, fmt_bounds, fmt_interval, fmt_num, fmt_pct, fmt_seeds, fmt_signed, html_table
from synreal.report.sections import ReportContext, Section, section
from synreal.report.text import details, names, para


def _runs_of(by_fraction: pd.DataFrame) -> list[tuple[str, list[float]]]:
    """Consecutive real fractions grouped by their best configuration (rank 1, first by name)."""
    firsts = by_fraction[(by_fraction["rank"] == 1) & (by_fraction["real_fraction"] > 0)]
    firsts = firsts.sort_values(["real_fraction", "config"]).drop_duplicates("real_fraction")
    runs: list[tuple[str, list[float]]] = []
    for f, lab in zip(firsts["real_fraction"], firsts["config"]):
        if runs and runs[-1][0] == lab:
            runs[-1][1].append(float(f))
        else:
            runs.append((lab, [float(f)]))
    return runs


def _span(fs: list[float]) -> str:
    """'5% real' or '5% to 20% real'."""
    return f"{fmt_pct(fs[0])} real" if len(fs) == 1 else f"{fmt_pct(fs[0])} to {fmt_pct(fs[-1])} real"


def _pair_bounds(r: pd.Series | tuple, level: float) -> str:
    get = r.__getitem__ if isinstance(r, pd.Series) else lambda k: getattr(r, k)
    return fmt_bounds(get("lower"), get("upper"), get("bound_level"), level=level, family=int(get("family")),
                      n=int(get("n_seeds")))


@section("flexibility", order=20)
def flexibility_section(ctx: ReportContext) -> Section | None:
    """Ranking of synthetic configurations with intervals and adjusted paired verdicts."""
    a = ctx.analysis
    assert a is not None  # set when the context is made
    rk = a.ranking
    if rk is None or rk.by_fraction.empty:
        return None
    s = a.settings
    lev = s.level
    sec = Section("flexibility", "Flexibility: which synthetic configuration helps most")
    body: list[str] = []
    main = rk.by_fraction[rk.by_fraction["real_fraction"] > 0]
    configs = main["config"].unique().tolist()
    if len(configs) == 1:
        sec.headlines.append(f"Only one pretrain/mix configuration ({configs[0]}) was run, so which synthetic "
                             "distribution helps most cannot be assessed.")
    elif len(configs) > 1 and rk.overall.empty:
        sec.headlines.append("The pretrain/mix configurations share no real fraction, so they cannot be ranked on "
                             "average; see the per-fraction ranks below.")
    elif len(configs) > 1:
        ov = rk.overall
        best = ov.iloc[0]
        fr = ", ".join(fmt_pct(f) for f in rk.fractions)
        sec.headlines.append(
            f"Of {len(ov)} synthetic configurations, {best['config']} has the best mean {s.metric} averaged over "
            f"real fractions {fr} ({fmt_num(best['mean'])}, "
            f"{fmt_interval(best['lo'], best['hi'], level=lev, n=int(best['n_seeds']))}; "
            f"{fmt_seeds(best['n_seeds'])}).")
        avg_pairs = rk.pairs[rk.pairs["scope"] == AVERAGE]
        vs_best = avg_pairs[(avg_pairs["better"] == best["config"]) | (avg_pairs["worse"] == best["config"])]
        shown = vs_best[(vs_best["better"] == best["config"]) & vs_best["significant"]]
        ties = vs_best[~vs_best["significant"]]
        family = int(avg_pairs["family"].iloc[0]) if len(avg_pairs) else 1
        adj = f"paired by seed, bounds adjusted for {family} comparison{'s' if family > 1 else ''}"
        if len(ties) == 0 and len(shown):
            nxt = shown.sort_values("diff").iloc[0]
            sec.headlines.append(
                f"It is shown better than every other configuration ({adj}); closest: {nxt['worse']} by "
                f"{fmt_signed(nxt['diff'])} ({_pair_bounds(nxt, lev)}).")
        elif len(shown) == 0:
            t = ties.sort_values("diff").iloc[0]
            other = t["worse"] if t["better"] == best["config"] else t["better"]
            sec.headlines.append(
                f"It cannot be told apart from {names([x for x in ties['worse'].tolist() + ties['better'].tolist() if x != best['config']])} "
                f"({adj}; closest: {other}, {fmt_signed(t['diff'])}, {_pair_bounds(t, lev)}): no configuration is "
                "shown best.")
        else:
            t = ties.sort_values("diff").iloc[0]
            tied = [x for x in ties["worse"].tolist() + ties["better"].tolist() if x != best["config"]]
            sec.headlines.append(
                f"It is shown better than {names(shown['worse'].tolist())} but cannot be told apart from "
                f"{names(tied)} ({adj}; {fmt_signed(t['diff'])}, {_pair_bounds(t, lev)}).")
        runs = _runs_of(main)
        if len(runs) > 1:
            sec.headlines.append("The configuration with the best mean depends on the amount of real data: "
                                 + "; ".join(f"{lab} at {_span(fs)}" for lab, fs in runs) + ".")
        span = fmt_pct(rk.fractions[0]) + (f" to {fmt_pct(rk.fractions[-1])}" if len(rk.fractions) > 1 else "")
        title = f"{s.metric} averaged over {len(rk.fractions)} real fractions ({span})"
        body.append(figure_html(plot_ranking(ov, ctx.figures_dir / "ranking.png", metric=s.metric, level=lev,
                                             title=title),
                                "ranking of synthetic configurations",
                                f"Mean over seeds of each seed's average {s.metric} over real fractions {fr}, with "
                                f"{lev:.0%} t intervals."))
        body.append(html_table(["rank", "configuration", f"{s.metric} (average)", f"{lev:.0%} interval", "seeds"],
                               [[int(r.rank), r.config, fmt_num(r.mean),
                                 fmt_interval(r.lo, r.hi, level=lev, n=int(r.n_seeds)).removeprefix(f"{lev:.0%} interval "),
                                 int(r.n_seeds)] for r in ov.itertuples()], numeric=[0, 2, 4]))
        body.append(_pairs_table(avg_pairs, lev, "Pairwise differences of the averages, paired by seed"))
    synth_only = rk.by_fraction[rk.by_fraction["real_fraction"] == 0]
    if not synth_only.empty:
        b = synth_only.iloc[0]
        ref = a.curves[(a.curves["condition"] == "real") & np.isclose(a.curves["real_fraction"], 1.0)]
        against = (f", against {fmt_num(float(ref['mean'].iloc[0]))} for real-only training on all the real data"
                   if len(ref) else "")
        many = f"the best of {len(synth_only)}, " if len(synth_only) > 1 else ""
        sec.headlines.append(
            f"Trained on synthetic data alone ({many}{b['config']}), the model reaches {s.metric} "
            f"{fmt_num(b['mean'])} on the real test set "
            f"({fmt_interval(b['lo'], b['hi'], level=lev, n=int(b['n_seeds']))}){against}.")
    if len(rk.by_fraction):
        piv = rk.by_fraction.assign(cell=[f"{fmt_num(m)} (#{int(r)})" for m, r in zip(rk.by_fraction["mean"],
                                                                                     rk.by_fraction["rank"])])
        fr_list = sorted(piv["real_fraction"].unique())
        labels = sorted(piv["config"].unique())
        lookup = {(c, f): v for c, f, v in zip(piv["config"], piv["real_fraction"], piv["cell"])}
        body.append(html_table(["configuration"] + [(fmt_pct(f) + " real") if f > 0 else "synthetic only"
                                                    for f in fr_list],
                               [[c] + [lookup.get((c, f), "not run") for f in fr_list] for c in labels],
                               numeric=list(range(1, len(fr_list) + 1)),
                               caption=f"Mean {s.metric} and rank (#1 = best) at each real fraction"))
        per = rk.pairs[rk.pairs["scope"] != AVERAGE]
        if len(per):
            title = f"Pairwise verdicts at each real fraction ({int(per['significant'].sum())} of {len(per)} decided)"
            body.append(details(title, _pairs_table(per, lev, None, with_fraction=True)))
    body.append(para(f"Intervals of the means are two-sided {lev:.0%} t intervals over seeds. Pairs are compared on "
                     "the seeds both ran; the bounds of a pair are one-sided Student-t bounds whose error budget "
                     f"{1 - lev:.2f} is shared by the pairs of one scope (the average, or one real fraction: "
                     "Bonferroni), so a pair is called better exactly when its shown lower bound is above zero. "
                     "The unadjusted paired t-test p-value is given for reference.", "note"))
    sec.html = "".join(body)
    sec.figures = sorted(ctx.figures_dir.glob("ranking.png"))
    sec.summary = {"metric": s.metric, "level": lev, "fractions_averaged": rk.fractions, "overall": rk.overall,
                   "by_fraction": rk.by_fraction, "pairs": rk.pairs}
    return sec


def _pairs_table(pairs: pd.DataFrame, level: float, caption: str | None, *, with_fraction: bool = False) -> str:
    from synreal.report.html import fmt_p

    head = (["real"] if with_fraction else []) + ["better mean", "worse mean", "difference", "adjusted bounds",
                                                  "seeds", "p (unadjusted)", "verdict"]
    rows = []
    for r in pairs.itertuples():
        verdict = "shown better" if r.significant else ("too few seeds" if r.decision == "too few seeds"
                                                        else "cannot tell apart")
        row = [r.better, r.worse, fmt_signed(r.diff),
               f"{fmt_signed(r.lower)} to {fmt_signed(r.upper)} ({round(100 * r.bound_level, 2):g}%)",
               int(r.n_seeds), fmt_p(r.p), verdict]
        rows.append(([fmt_pct(r.real_fraction)] if with_fraction else []) + row)
    off = 1 if with_fraction else 0
    return html_table(head, rows, numeric=[i + off for i in (2, 3, 4, 5)] + ([0] if with_fraction else []),
                      caption=caption)
