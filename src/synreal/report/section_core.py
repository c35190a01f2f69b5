"""The report sections that every study has: sample images and provenance.

Importing this module registers them in ``synreal.report.sections.SECTIONS``. The claims
of the report live in their own sections (substitution, flexibility, augmentation,
scaling, equivalency, retrieval), each formatting the study's analysis.
"""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np

import synreal
from synreal.report.figures import plot_image_grid
from synreal.report.html import figure_html, fmt_pct, html_table
from synreal.report.sections import ReportContext, Section, section
from synreal.report.text import bullets, details, para


# ---------------------------------------------------------------- samples


@section("samples", order=90)
def samples_section(ctx: ReportContext) -> Section | None:
    """Grids of sample images, real and synthetic, when the study supplies them."""
    samples = ctx.samples
    if not samples:
        return None
    fig = plot_image_grid(samples, ctx.figures_dir / "samples.png")
    shapes = {str(k): list(np.shape(getattr(v, "images", v))) for k, v in samples.items()}
    return Section("samples", "Samples", html=figure_html(fig, "sample images", "The first images of each set."),
                   figures=[fig], summary={"shapes": shapes})


# ---------------------------------------------------------------- provenance


def _fmt_value(v: object) -> str:
    """A provenance value: integers with separators, other numbers with 2 decimals."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.2f}"
    return str(v)


@section("provenance", order=100)
def provenance_section(ctx: ReportContext) -> Section:
    """Configuration, seeds, version, data fingerprint, timings and what was reused."""
    meta, res = ctx.meta, ctx.results
    metric = meta.metric
    seeds = meta.seeds or sorted(res["seed"].unique().tolist())
    n_runs = int(res["run_id"].nunique()) if "run_id" in res.columns else int((res["metric"] == metric).sum())
    rows = [["study", meta.name],
            ["synreal version (runs)", meta.version],
            ["synreal version (report)", synreal.__version__],
            ["data fingerprint", meta.data_fingerprint or "n/a"],
            ["seeds", ", ".join(str(s) for s in seeds)],
            ["real fractions", ", ".join(fmt_pct(f) for f in (meta.real_fractions
                                                              or sorted(res["real_fraction"].unique())))],
            ["real training images (100%)", f"{meta.n_train_real:,}" if meta.n_train_real else "n/a"],
            ["primary metric", f"{metric} ({'higher' if meta.higher_is_better else 'lower'} is better)"],
            ["runs", f"{n_runs:,}"]]
    reused = meta.reused
    if reused is not None:
        rows.append(["runs reused from the store", f"{reused:,} of {n_runs:,}"])
    failed = meta.failed
    rows.append(["failed runs", str(len(failed))])
    body = [html_table(["", ""], rows)]
    summary: dict[str, Any] = {"seeds": seeds, "n_runs": n_runs, "version": meta.version,
                               "report_version": synreal.__version__, "data_fingerprint": meta.data_fingerprint,
                               "reused": reused, "failed": failed}
    secs = res[res["metric"] == "train_seconds"]
    if len(secs):
        by = secs.groupby("condition")["value"].agg(["count", "sum", "median"]).reset_index()
        body.append(html_table(["condition", "runs", "train time, total (s)", "median per run (s)"],
                               [[r.condition, int(r.count), f"{r.sum:,.1f}", f"{r.median:,.2f}"]
                                for r in by.itertuples()]
                               + [["all", int(by["count"].sum()), f"{by['sum'].sum():,.1f}", ""]],
                               numeric=[1, 2, 3], caption="Training time (metric train_seconds)"))
        summary["train_seconds"] = by
    timings = meta.timings
    if timings:
        body.append(html_table(["item", "value"], [[k.replace("_", " "), _fmt_value(v)] for k, v in timings.items()],
                               numeric=[1], caption="Timings of the last execution"))
        summary["timings"] = timings
    if failed:
        body.append(details(f"Failed runs ({len(failed)})", bullets([str(f) for f in failed])))
    spec = meta.spec
    if spec is not None:
        text = json.dumps(spec, indent=2, sort_keys=True, default=str)
        body.append(details("Resolved study configuration", f"<pre>{html.escape(text)}</pre>"))
    body.append(para("Every number in this report is computed from results.csv beside it; summary.json holds the "
                   "numbers behind each sentence.", "note"))
    return Section("provenance", "Provenance", html="".join(body), summary=summary)
