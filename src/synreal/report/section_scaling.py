"""Report sections "scaling" (Mikami's law per source) and "equivalency" (effective data).

Both only format: which runs are fitted, which fit speaks for a source and what a sentence
may claim are decided in :func:`synreal.analysis.scaling.scaling_analysis` and
:func:`synreal.analysis.equivalency.equivalency_analysis`. Each section returns ``None`` when
the study has no data for it.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from synreal.analysis.equivalency import (
    Beyond,
    EquivalencyAnalysis,
    SourceEquivalency,
    Transfer,
)
from synreal.analysis.scaling import Claim, ScalingFit, SourceScaling
from synreal.report.html import figure_html, html_table, json_safe
from synreal.report.scaling_figures import UNBOUNDED, plot_effective_data, plot_scaling
from synreal.report.sections import ReportContext, Section, section


def _num(x: float) -> str:
    """A number for a sentence."""
    if x is None or not np.isfinite(x):
        return "unbounded" if x is not None and np.isinf(x) else "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.0f}"
    return f"{x:.3g}"


def _pct(level: float) -> str:
    """0.95 -> '95%'."""
    return f"{100 * level:g}%"


def _slug(text: str) -> str:
    """A file-name-safe version of a source name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in str(text))


def _interval(t: tuple[float, float, float], pct: str) -> str:
    """'0.012 (95% interval 0.008 to 0.016)'."""
    g, lo, hi = t
    if not np.isfinite(lo):
        return f"{_num(g)} (no interval)"
    return f"{_num(g)} ({pct} interval {_num(lo)} to {_num(hi)})"


# ---------------------------------------------------------------- scaling


def _where(src: SourceScaling) -> str:
    """Which fit a headline speaks for."""
    if src.primary_fraction is None:
        return f" (joint fit over real sizes, at {_num(src.joint.s_ref)} real samples)"
    return f" (at real fraction {src.primary_fraction:g})"


def _scaling_headline(src: SourceScaling) -> str:
    """One sentence for the report's lead, with its interval or its reason for none."""
    fit, at, source = src.primary, _where(src), src.source
    pct = _pct(fit.level)
    n2 = 2 * fit.n_max
    if src.claim is Claim.MORE_DATA_PAYS:
        return (f"More synthetic data from {source} pays{at}: 2x more ({_num(n2)} samples) lowers the error by "
                f"{_interval(fit.gains['2x'], pct)}, 10x by {_interval(fit.gains['10x'], pct)}.")
    if src.claim is Claim.GAP_DOMINATES:
        return (f"The transfer gap dominates for {source}{at}: the error that no amount of this data removes is "
                f"C = {_interval(src.gap, pct)}, and 2x more data ({_num(n2)}) lowers the error by only "
                f"{_interval(fit.gains['2x'], pct)}: change the synthesis rather than adding more of it.")
    return f"{source}{at}: {fit.verdict}"


def _params_html(fit: ScalingFit) -> str:
    """Parameter table with intervals; unidentified parameters show no point value."""
    rows = []
    for _, r in fit.table().iterrows():
        if r["pinned"]:
            est, iv = _num(r["estimate"]), "pinned"
        elif not r["identified"]:
            est, iv = "not identified", f"{_num(r['lo'])} to {_num(r['hi'])}"
        else:
            est, iv = _num(r["estimate"]), f"{_num(r['lo'])} to {_num(r['hi'])}"
        rows.append([r["param"], est, iv])
    return html_table(["parameter", "estimate", f"{_pct(fit.level)} interval"], rows, numeric=[1])


def _list(title: str, items: list[str]) -> str:
    """A titled bullet list."""
    return f"<p>{title}</p><ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in items) + "</ul>"


def _fit_html(title: str, fit: ScalingFit, figure) -> str:
    """Body of one fit: figure, parameters, verdict, diagnostics, suggestions."""
    boot = {"seeds": "seed", "residuals": "residual"}.get(fit.procedure["bootstrap"], "no")
    caption = ("Runs (dots), their mean and range per size, the fitted law with its interval band, the transfer "
               "gap C with its band, and the law extrapolated to 10x the largest size (dashed)"
               + ("; the fit is not identified, so the curve is an illustration only." if fit.ill_conditioned
                  else "."))
    parts = [f"<h3>{html.escape(title)}</h3>", figure_html(figure, title, caption),
             f"<p>Law: <code>{html.escape(fit.to_dict()['law'])}</code>, fitted by bounded least squares in "
             f"{fit.procedure['space']} space; intervals from a {boot} bootstrap "
             f"({fit.procedure['n_boot_used']} resamples).</p>",
             _params_html(fit), f"<p><strong>Verdict.</strong> {html.escape(fit.verdict)}</p>"]
    if fit.diagnostics:
        parts.append(_list("Diagnostics:", fit.diagnostics))
    if fit.suggestions:
        parts.append(_list("What would resolve it:", fit.suggestions))
    return "\n".join(parts)


@section("scaling", order=50)
def scaling_section(ctx: ReportContext) -> Section | None:
    """Mikami's scaling law for each source with at least 3 synthetic sizes at one real fraction."""
    assert ctx.analysis is not None  # set when the context is made
    analysis = ctx.analysis.scaling
    if analysis is None:
        return None
    headlines, bodies, figures = [], [], []
    for src in analysis.sources:
        headlines.append(_scaling_headline(src))
        named = [(f"fraction {f:g}", fit) for f, fit in src.by_fraction.items()]
        if src.joint is not None:
            named.append(("joint over real sizes", src.joint))
        for name, fit in named:
            fig = plot_scaling(fit, ctx.figures_dir / f"scaling_{_slug(src.source)}_{_slug(name)}.png",
                               title=f"{src.source}: {name}")
            figures.append(fig)
            bodies.append(_fit_html(f"{src.source}, {name}", fit, fig))
    intro = ("<p>Test error after fine-tuning against the number of synthetic pre-training samples n, fitted with "
             "Mikami et al.'s law <code>L(n) = D n^-alpha + C</code>: alpha is the pre-training rate and C the "
             "transfer gap, the error no amount of this synthetic data removes. If the error still removable at the "
             "largest size (D n^-alpha) is below C, more data buys little and the synthesis must change.</p>")
    return Section(key="scaling", title="Scaling law of synthetic pre-training", headlines=headlines,
                   html=intro + "\n".join(bodies), figures=figures, summary=json_safe(analysis.to_dict()))


# ---------------------------------------------------------------- equivalency


def _end(x: float, n_real: float) -> str:
    """An interval end for a sentence: ``unbounded`` beyond ``UNBOUNDED`` times the real size."""
    cap = UNBOUNDED * max(float(n_real), 1.0)
    if x is not None and np.isfinite(x) and abs(x) > cap:
        return f"{'beyond' if x > 0 else 'below'} {_num(np.sign(x) * cap)} (unbounded)"
    return _num(x)


def _edge_words(a: SourceEquivalency, pct: str, real: str = "samples") -> str:
    """How the treated models compare with the real runs at the end of the measured curve."""
    end = "largest" if a.beyond == "above" else "smallest"
    d, lo, hi = a.edge_diff
    ref = f"the real-only model on the {end} real set measured ({_num(a.edge_n_real)} real {real})"
    iv = (f"error difference {d:+.3g}, {pct} interval {lo:+.3g} to {hi:+.3g}" if a.edge is not Beyond.NO_INTERVAL
          else f"error difference {d:+.3g}, no interval")
    if a.edge is Beyond.MATCH_OR_BEAT:
        return f"match or beat {ref} ({iv})"
    if a.edge is Beyond.WORSE:
        return f"are worse than {ref} ({iv})"
    if a.edge is Beyond.CANNOT_TELL:
        return f"cannot be told apart from {ref} ({iv})"
    return f"differ from {ref} ({iv}: too few seeds to tell)"


def _equivalency_headline(a: SourceEquivalency, item: str = "samples", real: str = "samples") -> str:
    """A sentence for one source, claiming only what the interval of D_T supports.

    ``item`` names a synthetic sample and ``real`` what the real size counts (images, frames).
    """
    pct = _pct(a.level)
    lead = f"Pretraining on {_num(a.n_synthetic)} {a.source} {item}"
    at = f"at {_num(a.n_real)} real {real}"
    d, lo, hi = a.d_t
    iv = f"{pct} interval {_end(lo, a.n_real)} to {_end(hi, a.n_real)}"
    if a.transfer is Transfer.WORTH:
        text = f"{lead} is worth {_num(d)} extra real {real} {at} ({iv})"
        if a.exchange_rate is not None:
            r, rlo, rhi = a.exchange_rate
            text += (f": about {_num(r)} synthetic {item} per real one ({pct} interval {_num(rlo)} to "
                     f"{_end(rhi, a.n_synthetic)})")
        return text + "."
    if a.transfer is Transfer.COSTS:
        return f"{lead} costs the equivalent of {_num(-d)} real {real} {at} (D_T = {_num(d)}, {iv})."
    if a.transfer is Transfer.CANNOT_TELL:
        return (f"{lead} cannot be told apart from no transfer {at}: D_T = {_num(d)} real {real} ({iv}).")
    if a.transfer is Transfer.NO_INTERVAL:
        return (f"{lead} gives D_T = {_num(d)} real {real} {at}, with no interval (fewer than 2 seeds, or no "
                "bootstrap): it cannot be told apart from no transfer.")
    return (f"Pretrained on {_num(a.n_synthetic)} {a.source} {item}, the models {at} "
            f"{_edge_words(a, pct, real)}; the effective data is not identifiable (beyond the measured real curve).")


_TRANSFER_WORDS = {
    Transfer.WORTH.value: "worth real samples",
    Transfer.CANNOT_TELL.value: "cannot tell apart from no transfer",
    Transfer.COSTS.value: "costs real samples",
    Transfer.NO_INTERVAL.value: "no interval",
}
_BEYOND_WORDS = {
    Beyond.MATCH_OR_BEAT.value: "match or beat the real-only model at the {end} real size",
    Beyond.WORSE.value: "worse than the real-only model at the {end} real size",
    Beyond.CANNOT_TELL.value: "cannot tell apart from the real-only model at the {end} real size",
    Beyond.NO_INTERVAL.value: "no interval",
}


def _row_cells(r: Any) -> list[str]:
    """One row of the effective-data table."""
    if r["identifiable"]:
        dt = f"{_num(r['d_t'])} ({_end(r['d_t_lo'], r['n_real'])} to {_end(r['d_t_hi'], r['n_real'])})"
        verdict = _TRANSFER_WORDS[r["transfer"]]
        rate = (f"{_num(r['exchange_rate'])} ({_num(r['exchange_rate_lo'])} to {_num(r['exchange_rate_hi'])})"
                if r["transfer"] == Transfer.WORTH.value and np.isfinite(r["exchange_rate"]) else "n/a")
    else:
        end = "largest" if r["beyond"] == "above" else "smallest"
        dt, rate = r["note"], "n/a"
        verdict = _BEYOND_WORDS[r["beyond_verdict"]].format(end=end)
    return [str(r["source"]), _num(float(r["n_synthetic"])), _num(float(r["n_real"])), f"{r['error_mean']:.4f}", dt,
            verdict, rate]


def _equivalency_html(ana: EquivalencyAnalysis, fig) -> str:
    """Intro, figure and the table of every treatment."""
    curve, pct = ana.curve, _pct(ana.settings.level)
    intro = (f"<p>The real-only learning curve <code>e(n) = a n^-b + c</code> (a = {_num(curve['a'])}, "
             f"b = {_num(curve['b'])}, c = {_num(curve['c'])}, fitted on {_num(curve['n_range'][0])} to "
             f"{_num(curve['n_range'][1])} real samples) is inverted at each pretrained model's error: the effective "
             "data transferred D_T is how many more real samples the real-only model would need to match it, and the "
             f"exchange rate n_synthetic / D_T how many synthetic samples replace one real sample ({pct} intervals "
             "over seeds). Synthetic data is said to be worth real samples only where the interval of D_T lies "
             "above 0. Outside the measured real curve the answer is not identifiable; the models are then compared "
             "with the real runs at the nearest end of the curve.</p>")
    caption = (f"D_T with its {pct} interval against the real size; triangles at the top or bottom edge mark "
               "treatments beyond the measured real curve.")
    table = html_table(["source", "n_synthetic", "n_real", "error", f"D_T ({pct} interval)", "verdict",
                        f"synthetic per real ({pct} interval)"],
                       [_row_cells(r) for _, r in ana.table.iterrows()], numeric=[1, 2, 3])
    return intro + figure_html(fig, "effective data transferred", caption) + table


@section("equivalency", order=30)
def equivalency_section(ctx: ReportContext) -> Section | None:
    """Effective real data transferred by synthetic pre-training (Hernandez et al.)."""
    assert ctx.analysis is not None  # set when the context is made
    ana = ctx.analysis.equivalency
    if ana is None:
        return None
    fig = plot_effective_data(ana.table, ctx.figures_dir / "equivalency_effective_data.png",
                              by=["source", "n_synthetic"])
    summary = {"real_curve": ana.curve, "headlines": list(ana.sources), "rows": ana.table}
    return Section(key="equivalency", title="Equivalency: effective real data",
                   headlines=[_equivalency_headline(a, ctx.meta.item, ctx.meta.real_item) for a in ana.sources],
                   html=_equivalency_html(ana, fig), figures=[fig], summary=json_safe(summary))
