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


BASELINE_WORDS = {
    "real+aug": ("Augmentation baseline beside every synthetic gain", "real+aug, the augmentation baseline",
                 "plain augmentation", "augmentation alone"),
    "kalman": ("Kalman baseline beside every learned gain", "kalman, the tracker whose motion model learns nothing",
               "a Kalman filter", "the Kalman tracker"),
}


def _count(df: pd.DataFrame, decision: str) -> int:
    return int((df["decision"] == decision).sum())


def _are(n: int) -> str:
    """'1 is' or '3 are'."""
    return f"{n} {'is' if n == 1 else 'are'}"


@section("augmentation", order=25)
def augmentation_section(ctx: ReportContext) -> Section | None:
    """Every synthetic gain beside the task's baseline (real+aug: plain augmentation; kalman: no learning)."""
    a = ctx.analysis
    assert a is not None  # set when the context is made
    s = a.settings
    base = s.baseline
    title, named, what, alone_words = BASELINE_WORDS.get(base, (f"{base} baseline beside every synthetic gain", base,
                                                                base, base))
    gains, missing = a.gains, a.missing_baselines
    synth_cells = pd.concat([gains[gains["condition"] != base][["config", "real_fraction"]],
                             missing[["config", "real_fraction"]]]).drop_duplicates()
    if synth_cells.empty and gains.empty:
        return None
    sec = Section("augmentation", title)
    body: list[str] = []
    synth = gains[gains["condition"] != base]
    over_real = synth[synth["baseline"] == "real"]
    over_aug = synth[synth["baseline"] == base]
    aug_alone = gains[gains["condition"] == base]
    has_aug = (ctx.results["condition"] == base).any()
    if not synth_cells.empty and not has_aug:
        sec.headlines.append(f"The study has no {base} runs, so it cannot tell a synthetic gain from what "
                             f"{what} would have given.")
    if len(over_aug):
        n = len(over_aug)
        sec.headlines.append(
            f"Of {n} synthetic cells (configuration x real fraction), {_are(_count(over_aug, 'above'))} shown better "
            f"than {named}, {_are(_count(over_aug, 'below'))} shown worse and "
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
        txt = (f"Largest mean gain over the {base} baseline: {b['config']} at {fmt_pct(b['real_fraction'])} "
               f"real, {fmt_signed(b['gain'])} {unit}{link}{verdict} {base} "
               f"({fmt_bounds(b['lower'], b['upper'], b['bound_level'], level=s.level, n=int(b['n_seeds']))})")
        alone = aug_alone[aug_alone["real_fraction"] == b["real_fraction"]]
        if len(alone):
            x = alone.iloc[0]
            txt += f"; {alone_words} gives {fmt_signed(x['gain'])} over real-only there"
        sec.headlines.append(txt + ".")
    if len(gains):
        fig = plot_augmentation_gains(gains, ctx.figures_dir / "augmentation.png", metric=s.metric, level=s.level,
                                      baseline=base)
        sec.figures.append(fig)
        body.append(figure_html(fig, f"synthetic gains over real and {base}",
                                f"Paired gains (mean over seeds, one-sided {s.level:.0%} bounds); grey: {base} over "
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
             cell(synth, c.config, c.real_fraction, base), cell(aug_alone, base, c.real_fraction, "real")]
            for c in synth_cells.sort_values(["config", "real_fraction"]).itertuples()]
    if rows:
        body.append(html_table(["configuration", "real", "gain over real", f"gain over {base}",
                                f"{base} over real ({alone_words})"], rows, numeric=[1, 2, 3, 4],
                               caption=f"Gains in {unit} (positive = better), paired by seed, with one-sided "
                                       f"{s.level:.0%} bounds and the verdict"))
    elif len(aug_alone):
        body.append(html_table(["real", f"{base} over real"],
                               [[fmt_pct(f), cell(aug_alone, base, f, "real")]
                                for f in sorted(aug_alone["real_fraction"])], numeric=[0, 1],
                               caption=f"Gain of {alone_words} in {s.metric}"))
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
