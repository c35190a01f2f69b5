"""Report sections "scaling" (Mikami's law per source) and "equivalency" (effective data).

Both read the tidy results only. "scaling" fits ``L(n)`` on the ``pretrain`` runs of each
source that has at least 3 synthetic sizes at one real fraction (and the joint ``L(n, s)``,
with ``s`` the real size, where two or more fractions qualify); "equivalency" inverts the
``real`` learning curve at each ``pretrain`` model's error. Each returns ``None`` when the
study has no data for it.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from synreal.analysis.equivalency import effective_data
from synreal.analysis.scaling import ScalingFit, fit_scaling_law
from synreal.report.scaling_figures import plot_effective_data, plot_scaling
from synreal.report.sections import ReportContext, Section, section

N_BOOT = 1000  # resamples per fit unless ctx.meta["n_boot"] says otherwise


def _num(x: float) -> str:
    """A number for a sentence."""
    if x is None or not np.isfinite(x):
        return "unbounded" if x is not None and np.isinf(x) else "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.0f}"
    return f"{x:.3g}"


def _slug(text: str) -> str:
    """A file-name-safe version of a source name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in str(text))


def _error_table(ctx: ReportContext, condition: str) -> pd.DataFrame:
    """Rows of one condition for the primary metric, with ``error`` (lower is better)."""
    t = ctx.metric_table()
    t = t[t["condition"] == condition].copy()
    higher = ctx.meta.get("higher_is_better", True)
    t["error"] = 1.0 - t["value"].astype(float) if higher else t["value"].astype(float)
    return t


def _interval(t: tuple[float, float, float], pct: str) -> str:
    """'0.012 (95% interval 0.008 to 0.016)'."""
    g, lo, hi = t
    if not np.isfinite(lo):
        return f"{_num(g)} (no interval)"
    return f"{_num(g)} ({pct} interval {_num(lo)} to {_num(hi)})"


def _headline(source: str, fit: ScalingFit, at: str) -> str:
    """One sentence for the report's lead, with its interval or its reason for none."""
    pct = f"{100 * fit.level:g}%"
    n2 = 2 * fit.n_max
    if fit.verdict_kind == "more-data-pays":
        return (f"More synthetic data from {source} pays{at}: 2x more ({_num(n2)} samples) lowers the error by "
                f"{_interval(fit.gains['2x'], pct)}, 10x by {_interval(fit.gains['10x'], pct)}.")
    if fit.verdict_kind == "gap-dominates" and not fit.ill_conditioned:
        C = fit._law.at_s(fit._param_vector(), fit.s_ref)[2]
        return (f"The transfer gap dominates for {source}{at}: the error that no amount of this data removes is "
                f"C = {_num(float(C))}, and 2x more data ({_num(n2)}) lowers the error by only "
                f"{_interval(fit.gains['2x'], pct)}: change the synthesis rather than adding more of it.")
    return f"{source}{at}: {fit.verdict}"


def _params_html(fit: ScalingFit) -> str:
    """Parameter table with intervals; unidentified parameters show no point value."""
    pct = f"{100 * fit.level:g}%"
    rows = []
    for _, r in fit.table().iterrows():
        if r["pinned"]:
            est, iv = _num(r["estimate"]), "pinned"
        elif not r["identified"]:
            est, iv = "not identified", f"{_num(r['lo'])} to {_num(r['hi'])}"
        else:
            est, iv = _num(r["estimate"]), f"{_num(r['lo'])} to {_num(r['hi'])}"
        rows.append(f"<tr><td>{html.escape(r['param'])}</td><td>{est}</td><td>{iv}</td></tr>")
    return (f"<table><thead><tr><th>parameter</th><th>estimate</th><th>{pct} interval</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _fit_html(title: str, fit: ScalingFit, figure: str) -> str:
    """Body of one fit: figure, parameters, verdict, diagnostics, suggestions."""
    parts = [f"<h3>{html.escape(title)}</h3>", f'<img src="{html.escape(figure)}" alt="{html.escape(title)}">',
             f"<p>Law: <code>{html.escape(fit.to_dict()['law'])}</code>, fitted by bounded least squares in "
             f"{fit.procedure['space']} space; intervals from a "
             f"{ {'seeds': 'seed', 'residuals': 'residual'}.get(fit.procedure['bootstrap'], 'no')} bootstrap "
             f"({fit.procedure['n_boot_used']} resamples).</p>",
             _params_html(fit), f"<p><strong>Verdict.</strong> {html.escape(fit.verdict)}</p>"]
    if fit.diagnostics:
        parts.append("<p>Diagnostics:</p><ul>" + "".join(f"<li>{html.escape(d)}</li>" for d in fit.diagnostics) + "</ul>")
    if fit.suggestions:
        parts.append("<p>What would resolve it:</p><ul>" +
                     "".join(f"<li>{html.escape(s)}</li>" for s in fit.suggestions) + "</ul>")
    return "\n".join(parts)


@section("scaling", order=50)
def scaling_section(ctx: ReportContext) -> Section | None:
    """Mikami's scaling law for each source with at least 3 synthetic sizes at one real fraction."""
    t = _error_table(ctx, "pretrain")
    if t.empty:
        return None
    t = t[t["n_synthetic"].astype(float) > 0]
    n_boot = int(ctx.meta.get("n_boot", N_BOOT))
    headlines: list[str] = []
    bodies: list[str] = []
    figures = []
    summary: dict[str, Any] = {}
    for source, rows in t.groupby("source", sort=True):
        sizes = rows.groupby("real_fraction")["n_synthetic"].nunique()
        fractions = sorted(sizes[sizes >= 3].index)
        if not fractions:
            continue
        fits: dict[str, ScalingFit] = {}
        for f in fractions:
            sub = rows[rows["real_fraction"] == f]
            fits[f"fraction {f:g}"] = fit_scaling_law(sub, n="n_synthetic", error="error", seed="seed", n_boot=n_boot,
                                                      level=ctx.level, random_state=0)
        joint = None
        if len(fractions) >= 2:
            sub = rows[rows["real_fraction"].isin(fractions)]
            joint = fit_scaling_law(sub, n="n_synthetic", error="error", s="n_real", seed="seed", n_boot=n_boot,
                                    level=ctx.level, random_state=0)
        if joint is not None and not joint.ill_conditioned:
            primary, at = joint, f" (joint fit over real sizes, at {_num(joint.s_ref)} real samples)"
        else:
            key = f"fraction {fractions[-1]:g}"
            primary, at = fits[key], f" (at real fraction {fractions[-1]:g})"
        headlines.append(_headline(str(source), primary, at))
        summary[str(source)] = {"primary": "joint" if primary is joint else f"fraction {fractions[-1]:g}",
                                "fits": {k: v.to_dict() for k, v in fits.items()}}
        if joint is not None:
            summary[str(source)]["fits"]["joint"] = joint.to_dict()
        all_fits = list(fits.items()) + ([("joint over real sizes", joint)] if joint is not None else [])
        for name, fit in all_fits:
            fig = ctx.figures_dir / f"scaling_{_slug(source)}_{_slug(name)}.png"
            plot_scaling(fit, fig, title=f"{source}: {name}")
            figures.append(fig)
            bodies.append(_fit_html(f"{source}, {name}", fit, fig.name))
    if not headlines:
        return None
    intro = ("<p>Test error after fine-tuning against the number of synthetic pre-training samples n, fitted with "
             "Mikami et al.'s law <code>L(n) = D n^-alpha + C</code>: alpha is the pre-training rate and C the "
             "transfer gap, the error no amount of this synthetic data removes. If the error still removable at the "
             "largest size (D n^-alpha) is below C, more data buys little and the synthesis must change.</p>")
    return Section(key="scaling", title="Scaling law of synthetic pre-training", headlines=headlines,
                   html=intro + "\n".join(bodies), figures=figures, summary=summary)


def _equivalency_headline(source: str, rows: pd.DataFrame, level: float) -> str:
    """A sentence for one source at its largest synthetic size, where the answer is identifiable if anywhere."""
    pct = f"{100 * level:g}%"
    n_syn = rows["n_synthetic"].max()
    r = rows[rows["n_synthetic"] == n_syn].sort_values("n_real")
    ok = r[r["identifiable"]]
    if ok.empty:
        side = r["beyond"].iloc[0]
        where = ("better than the real-only model on the largest real set measured" if side == "above"
                 else "worse than the real-only model on the smallest real set measured")
        return (f"Pretrained on {_num(float(n_syn))} samples from {source}, the models are {where}: "
                "the effective data is not identifiable (beyond the measured real curve).")
    row = ok.iloc[0]
    d, lo, hi = row["d_t"], row["d_t_lo"], row["d_t_hi"]
    iv = f" ({pct} interval {_num(lo)} to {_num(hi)})" if np.isfinite(lo) else " (no interval)"
    if d >= 0:
        text = (f"Pretraining on {_num(float(n_syn))} samples from {source} is worth {_num(d)} extra real samples "
                f"at {_num(float(row['n_real']))} real{iv}")
        if np.isfinite(row["exchange_rate"]):
            text += (f": about {_num(row['exchange_rate'])} synthetic samples per real one "
                     f"({pct} interval {_num(row['exchange_rate_lo'])} to {_num(row['exchange_rate_hi'])})")
    else:
        text = (f"Pretraining on {_num(float(n_syn))} samples from {source} costs the equivalent of {_num(-d)} real "
                f"samples at {_num(float(row['n_real']))} real{iv}")
    return text + "."


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: numpy scalars unwrapped, NaN and infinities as None."""
    out = []
    for row in table.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            v = v.item() if isinstance(v, np.generic) else v
            clean[str(k)] = None if isinstance(v, float) and not np.isfinite(v) else v
        out.append(clean)
    return out


@section("equivalency", order=30)
def equivalency_section(ctx: ReportContext) -> Section | None:
    """Effective real data transferred by synthetic pre-training (Hernandez et al.)."""
    real = _error_table(ctx, "real")
    treated = _error_table(ctx, "pretrain")
    if treated.empty or real.empty or real["n_real"].nunique() < 3:
        return None
    real = real[["n_real", "seed", "error"]].reset_index(drop=True)
    treated = treated[["source", "n_synthetic", "n_real", "seed", "error"]].reset_index(drop=True)
    table = effective_data(real, treated, by=["source", "n_synthetic"], n_boot=int(ctx.meta.get("n_boot", N_BOOT)),
                           level=ctx.level,
                           random_state=0)
    fig = plot_effective_data(table, ctx.figures_dir / "equivalency_effective_data.png")
    headlines = [_equivalency_headline(str(s), rows, ctx.level) for s, rows in table.groupby("source", sort=True)]
    pct = f"{100 * ctx.level:g}%"
    body = []
    for _, r in table.iterrows():
        if r["identifiable"]:
            dt = f"{_num(r['d_t'])} ({_num(r['d_t_lo'])} to {_num(r['d_t_hi'])})"
            rate = (f"{_num(r['exchange_rate'])} ({_num(r['exchange_rate_lo'])} to {_num(r['exchange_rate_hi'])})"
                    if np.isfinite(r["exchange_rate"]) else "n/a")
        else:
            dt, rate = html.escape(r["note"]), "n/a"
        body.append(f"<tr><td>{html.escape(str(r['source']))}</td><td>{_num(float(r['n_synthetic']))}</td>"
                    f"<td>{_num(float(r['n_real']))}</td><td>{r['error_mean']:.4f}</td><td>{dt}</td><td>{rate}</td></tr>")
    curve = table.attrs["real_curve"]
    intro = (f"<p>The real-only learning curve <code>e(n) = a n^-b + c</code> (a = {_num(curve['a'])}, "
             f"b = {_num(curve['b'])}, c = {_num(curve['c'])}, fitted on {_num(curve['n_range'][0])} to "
             f"{_num(curve['n_range'][1])} real samples) is inverted at each pretrained model's error: the effective "
             "data transferred D_T is how many more real samples the real-only model would need to match it, and the "
             f"exchange rate n_synthetic / D_T how many synthetic samples replace one real sample ({pct} intervals "
             "over seeds). Outside the measured real curve the answer is not identifiable.</p>")
    html_body = (intro + f'<img src="{fig.name}" alt="effective data transferred">'
                 f"<table><thead><tr><th>source</th><th>n_synthetic</th><th>n_real</th><th>error</th>"
                 f"<th>D_T ({pct} interval)</th><th>synthetic per real ({pct} interval)</th></tr></thead>"
                 f"<tbody>{''.join(body)}</tbody></table>")
    summary = {"real_curve": curve, "rows": _records(table)}
    return Section(key="equivalency", title="Equivalency: effective real data", headlines=headlines,
                   html=html_body, figures=[fig], summary=summary)
