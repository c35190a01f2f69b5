"""The augmentation-baseline section: every synthetic gain beside what plain augmentation gives.

It formats ``StudyAnalysis.gains`` (``synreal.analysis.augmentation``): a gain is claimed
only when its lower bound lies above zero; otherwise the cell "cannot be told apart" from
its baseline, with the interval.
"""

from __future__ import annotations

import pandas as pd

from synreal.report.figures import plot_augmentation_gains
from synreal.report.html import figure_html, fmt_bounds, fmt_pct, fmt_signed, html_table
from synreal.report.sections import ReportContext, Section, section
from synreal.report.text import para


def _count(df: pd.DataFrame, decision: str) -> int:
    return int((df["decision"] == decision).sum())


def _are(n: int) -> str:
    """'1 is' or '3 are'."""
    return f"{n} {'is' if n == 1 else 'are'}"


@section("augmentation", order=25)
def augmentation_section(ctx: ReportContext) -> Section | None:
    """Every synthetic gain beside the gain of plain augmentation (real+aug)."""
    a = ctx.analysis
    assert a is not None  # set when the context is made
    s = a.settings
    gains, missing = a.gains, a.missing_baselines
    synth_cells = pd.concat([gains[gains["condition"] != "real+aug"][["config", "real_fraction"]],
                             missing[["config", "real_fraction"]]]).drop_duplicates()
    if synth_cells.empty and gains.empty:
        return None
    sec = Section("augmentation", "Augmentation baseline beside every synthetic gain")
    body: list[str] = []
    synth = gains[gains["condition"] != "real+aug"]
    over_real = synth[synth["baseline"] == "real"]
    over_aug = synth[synth["baseline"] == "real+aug"]
    aug_alone = gains[gains["condition"] == "real+aug"]
    has_aug = (ctx.results["condition"] == "real+aug").any()
    if not synth_cells.empty and not has_aug:
        sec.headlines.append("The study has no real+aug runs, so it cannot tell a synthetic gain from what plain "
                             "augmentation would have given.")
    if len(over_aug):
        n = len(over_aug)
        sec.headlines.append(
            f"Of {n} synthetic cells (configuration x real fraction), {_are(_count(over_aug, 'above'))} shown better "
            f"than real+aug, the augmentation baseline, {_are(_count(over_aug, 'below'))} shown worse and "
            f"{_count(over_aug, 'undecided')} cannot be told apart from it; {_count(over_real, 'above')} of "
            f"{len(over_real)} {'is' if _count(over_real, 'above') == 1 else 'are'} shown better than real-only "
            f"training (one-sided {s.level:.0%} bounds, paired by seed).")
    elif len(over_real):
        sec.headlines.append(f"Of {len(over_real)} synthetic cells, {_count(over_real, 'above')} are shown better "
                             f"than real-only training (one-sided {s.level:.0%} bounds, paired by seed).")
    unit = s.metric if s.higher_is_better else f"{s.metric} reduction"
    if len(over_aug):
        b = over_aug.sort_values(["gain", "config"], ascending=[False, True]).iloc[0]
        verdict = {"above": "it is shown better than", "below": "it is shown worse than",
                   "undecided": "it cannot be told apart from", "too few seeds": "it has too few seeds against"}[b["decision"]]
        link = "; " if b["decision"] == "above" else ", but "
        txt = (f"Largest mean gain over the augmentation baseline: {b['config']} at {fmt_pct(b['real_fraction'])} "
               f"real, {fmt_signed(b['gain'])} {unit}{link}{verdict} real+aug "
               f"({fmt_bounds(b['lower'], b['upper'], b['bound_level'], level=s.level, n=int(b['n_seeds']))})")
        alone = aug_alone[aug_alone["real_fraction"] == b["real_fraction"]]
        if len(alone):
            x = alone.iloc[0]
            txt += f"; augmentation alone gives {fmt_signed(x['gain'])} over real-only there"
        sec.headlines.append(txt + ".")
    if len(gains):
        fig = plot_augmentation_gains(gains, ctx.figures_dir / "augmentation.png", metric=s.metric, level=s.level)
        sec.figures.append(fig)
        body.append(figure_html(fig, "synthetic gains over real and real+aug",
                                f"Paired gains (mean over seeds, one-sided {s.level:.0%} bounds); grey: real+aug over "
                                "real."))

    def cell(df: pd.DataFrame, config: str, f: float, baseline: str) -> str:
        r = df[(df["config"] == config) & (df["real_fraction"] == f) & (df["baseline"] == baseline)]
        if r.empty:
            return "not run"
        r0 = r.iloc[0]
        word = {"above": "better", "below": "worse", "undecided": "cannot tell", "too few seeds": "too few seeds"}
        return (f"{fmt_signed(r0['gain'])} [{fmt_signed(r0['lower'])} to {fmt_signed(r0['upper'])}] "
                f"{word[r0['decision']]}")

    rows = [[c.config, fmt_pct(c.real_fraction), cell(synth, c.config, c.real_fraction, "real"),
             cell(synth, c.config, c.real_fraction, "real+aug"), cell(aug_alone, "real+aug", c.real_fraction, "real")]
            for c in synth_cells.sort_values(["config", "real_fraction"]).itertuples()]
    if rows:
        body.append(html_table(["configuration", "real", "gain over real", "gain over real+aug",
                                "real+aug over real (augmentation alone)"], rows, numeric=[1, 2, 3, 4],
                               caption=f"Gains in {unit} (positive = better), paired by seed, with one-sided "
                                       f"{s.level:.0%} bounds and the verdict"))
    elif len(aug_alone):
        body.append(html_table(["real", "real+aug over real"],
                               [[fmt_pct(f), cell(aug_alone, "real+aug", f, "real")]
                                for f in sorted(aug_alone["real_fraction"])], numeric=[0, 1],
                               caption=f"Gain of augmentation alone in {s.metric}"))
    if len(missing):
        body.append(para("Baselines not run at the fraction of a synthetic cell: "
                         + "; ".join(f"{m.baseline} at {fmt_pct(m.real_fraction)} (for {m.config})"
                                     for m in missing.itertuples()) + ".", "note"))
    body.append(para("A gain is claimed only when its lower one-sided bound lies above zero, a loss only when the "
                     "upper bound lies below; anything else cannot be told apart. Scaling-grid cells are left out (the Scaling section analyses them).",
                     "note"))
    sec.html = "".join(body)
    sec.summary = {"metric": s.metric, "level": s.level, "gains": gains, "missing_baselines": missing}
    return sec
