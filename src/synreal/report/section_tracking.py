"""The tracking section: secondary metrics, scene-set realism beside results, and the seed paper's findings.

It formats ``StudyAnalysis.tracking`` (``synreal.analysis.tracking``) and returns None for
studies of other tasks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synreal.report.figures import plot_substitution_curves
from synreal.report.html import figure_html, fmt_num, fmt_pct, html_table
from synreal.report.sections import ReportContext, Section, section
from synreal.report.text import bullets, para


def _realism_figure(table: pd.DataFrame, path, metric: str):  # noqa: ANN001, ANN202
    """Downstream result against realism distance, one point per scene set."""
    from matplotlib.figure import Figure

    from synreal.report.figures import _save, _style, colours

    col = colours(table["source"].tolist())
    with _style():
        fig = Figure(figsize=(5.4, 3.8))
        ax = fig.subplots()
        for r in table.itertuples():
            if np.isfinite(r.distance) and np.isfinite(r.downstream):
                ax.scatter([r.distance], [r.downstream], color=col[r.source], s=36, label=r.source, zorder=3)
        ax.set_xlabel("motion-statistics distance to the real training sequences (0 = alike)")
        ax.set_ylabel(f"{metric} after pre-training (average over fractions)")
        ax.set_title("Does the cheap realism check predict the study?")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=7.5)
        fig.tight_layout()
        return _save(fig, path, tight=True)


@section("tracking", order=35)
def tracking_section(ctx: ReportContext) -> Section | None:
    """A tracking study's secondary metrics, realism and the seed paper's findings."""
    a = ctx.analysis
    assert a is not None  # set when the context is made
    t = a.tracking
    if t is None:
        return None
    s = a.settings
    sec = Section("tracking", "Tracking: association, realism of the scene sets, the seed paper's findings")
    body: list[str] = []
    verb = {"holds": "holds", "contradicted": "is contradicted", "undecided": "cannot be decided",
            "not tested": "is not tested"}
    for c in t.claims:
        sec.headlines.append(f"The seed paper's finding that {c.finding} {verb[c.decision]} here: {c.detail}.")
    if t.rank_correlation is not None:
        rho, p, n = t.rank_correlation
        sec.headlines.append(
            f"The realism distance of the {n} scene sets {'predicts' if p < 1 - s.level and rho < 0 else 'does not predict'} "
            f"their ranking (Spearman's rho {rho:+.2f} between distance and {s.metric}, p = {p:.2f}; negative: closer "
            "scene sets do better).")
    if "AssA" in t.secondary and len(t.secondary["AssA"]):
        curves = t.secondary["AssA"]
        keep = [(c, src, int(n)) not in a.grid_configs
                for c, src, n in zip(curves["condition"], curves["source"], curves["n_synthetic"])]
        fig = plot_substitution_curves(curves[keep], ctx.figures_dir / "substitution_assa.png", metric="AssA",
                                       level=s.level)
        sec.figures.append(fig)
        body.append(figure_html(fig, "substitution curves in AssA",
                                "AssA (association accuracy) against the real fraction: where a motion model shows."))
    rows = []
    main = a.curves[a.curves["real_fraction"] > 0]
    for key, g in main.groupby(["condition", "source", "n_synthetic", "real_fraction"], sort=True):
        row = [f"{key[0]} {key[1]}" if key[1] != "none" else key[0], fmt_pct(key[3]), fmt_num(g["mean"].iloc[0])]
        for m in ("DetA", "AssA", "IDF1", "MOTA"):
            c = t.secondary.get(m)
            v = c[(c["condition"] == key[0]) & (c["source"] == key[1]) & (c["n_synthetic"] == key[2])
                  & np.isclose(c["real_fraction"], key[3])]["mean"] if c is not None else []
            row.append(fmt_num(float(v.iloc[0])) if len(v) else "n/a")
        rows.append(row)
    if rows:
        body.append(html_table(["configuration", "real", s.metric, "DetA", "AssA", "IDF1", "MOTA"], rows,
                               numeric=[1, 2, 3, 4, 5, 6], caption="Mean over seeds of every reported metric"))
    if len(t.realism):
        fig = _realism_figure(t.realism, ctx.figures_dir / "realism.png", s.metric)
        sec.figures.append(fig)
        body.append(figure_html(fig, "realism against downstream result",
                                "Each scene set's distance to the real training sequences on motion statistics "
                                "(synreal mot stats), computed before any training, against its result."))
        body.append(html_table(["scene set", "realism distance", "rank", f"{s.metric} (pretrain)", "rank"],
                               [[r.source, fmt_num(r.distance), int(r.distance_rank) if np.isfinite(r.distance_rank)
                                 else "n/a", fmt_num(r.downstream),
                                 int(r.downstream_rank) if np.isfinite(r.downstream_rank) else "n/a"]
                                for r in t.realism.itertuples()], numeric=[1, 2, 3, 4]))
    if t.claims:
        body.append(bullets([f"{c.finding}: {c.decision} ({c.detail})" for c in t.claims]))
    body.append(para("The learned part of the tracker is its motion model; the Kalman condition is the same "
                     "tracker with a constant-velocity filter. Claims use the study's verdict rule (one-sided "
                     f"{s.level:.0%} bounds, paired by seed); 'undecided' means the seeds cannot tell.", "note"))
    sec.html = "".join(body)
    sec.summary = {"claims": [c.__dict__ for c in t.claims], "realism": t.realism,
                   "rank_correlation": t.rank_correlation, "secondary": t.secondary}
    return sec
