"""Figures of the purchase advice: the metric over (synthetic, real) samples, and the options' costs.

``plot_advice`` draws, for one option whose law spans synthetic sizes, the predicted metric as
contours over synthetic samples (x) and real samples (y), the region where the law passed its
cross-validation, iso-cost lines, the frontier that reaches the target (or the budget line),
the advised point with its intervals, the measured cells (passed, failed, untested), the other
advised options at their fixed sizes, and real data alone as a horizontal line (it buys no
synthetic sample, so it has no place on a log x axis). ``plot_costs`` compares every option's
cost (target) or metric (budget) with its interval. The layout follows
``synreal.report.scaling_figures`` (one column, legend and notes under the plot).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synreal.analysis.advice import (
    Advice,
    CellStatus,
    OptionAdvice,
    Recommendation,
    Status,
)
from synreal.analysis.advice.words import count, money, price, subject
from synreal.report.scaling_figures import (
    DPI,
    FONT,
    SERIES_COLOURS,
    WIDTH_IN,
    _layout,
    _legend,
    plain_log_axis,
)

REGION_COLOUR = "#56B4E9"
FRONTIER_COLOUR = "#D55E00"
COST_COLOUR = "0.45"
OTHER_COLOURS = ["#CC79A7", "#6A3D9A", "#8C564B", "#E69F00", "#A50F15"]  # never the cells' green or the region's blue
REAL_COLOUR = "#000000"


def _extent(o: OptionAdvice, adv: Advice) -> tuple[float, float, float, float]:
    """Axis limits: the measured cells, the advised and suggested points, with a margin."""
    n, s = o.fit.option.cells()
    ns, ss = list(n), list(s)
    for p in (o.point, o.outside):
        if p is not None and np.isfinite(p.n_real[0]):
            ns.append(p.n_synthetic[0])
            ss.append(p.n_real[0])
    ref = adv.reference.point or adv.reference.outside
    if ref is not None and np.isfinite(ref.n_real[0]):
        ss.append(ref.n_real[0])
    return min(ns) / 2.5, max(ns) * 2.5, min(ss) / 2.0, max(ss) * 2.0


def plot_advice(adv: Advice, key: str, path: str | Path) -> Path:
    """Predicted metric over synthetic and real samples for one option, with what to buy marked.

    Args:
        adv: the advice.
        key: the option to draw (one whose law spans synthetic sizes: ``kind == "joint"``).
        path: PNG file to write.

    Returns:
        ``path`` as a Path.

    Example:
        >>> plot_advice(adv, "pretrain|fonts-all|grid", "advice.png")  # doctest: +SKIP
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    o = adv.option(key)
    g = adv.goal
    c = adv.spec.costs
    lv = f"{100 * adv.level:g}%"
    x0, x1, y0, y1 = _extent(o, adv)
    prices = (f"prices: real sample {price(c.real_sample)}, synthetic sample {price(c.synthetic_sample)}, "
              f"compute hour {price(c.compute_hour)}")
    notes = [f"law: {', '.join(f'{k} = {v:.3g}' for k, v in o.params.items())}", prices]
    others = [x for x in adv.options if x.kind == "curve" and not x.reference and x.point is not None
              and x0 <= x.n_fixed <= x1]
    ref = adv.reference
    rp = ref.point or ref.outside
    rows = (4 + (g.mode == "target") + len(set(o.check.status)) + len(others)
            + (rp is not None) + (o.point is not None or o.outside is not None))
    fig, ax, lax, tax = _layout(rows, len(notes))
    handles, labels = [], []

    X, Y = np.meshgrid(np.geomspace(x0, x1, 160), np.geomspace(y0, y1, 160))
    M = g.to_metric(o.fit.error(X.ravel(), Y.ravel())[0].reshape(X.shape))
    lo, hi = np.nanpercentile(M, [2, 98])
    levels = np.unique(np.round(np.linspace(lo, hi, 9), 4))
    if len(levels) >= 2:
        cs = ax.contour(X, Y, M, levels=levels, colors="0.6", linewidths=0.7)
        ax.clabel(cs, fmt=lambda v: f"{v:.3f}", fontsize=FONT - 3)
        handles.append(Line2D([], [], color="0.6", linewidth=0.7))
        labels.append(f"predicted {g.metric} (law fitted on the runs)")

    # the region the law was checked on
    inside = o.check.region.contains(X, Y)
    ax.contourf(X, Y, inside.astype(float), levels=[0.5, 1.5], colors=[REGION_COLOUR], alpha=0.18)
    handles.append(Patch(facecolor=REGION_COLOUR, alpha=0.3))
    labels.append("region where the law passed cross-validation")

    # iso-cost lines: cost(n, s) = C, linear in n and s
    h = o.hours
    per_n = c.synthetic_sample + c.compute_hour * h.t_n
    per_s = c.real_sample + c.compute_hour * h.t_s
    base = c.compute_hour * h.t0
    ref_cost = o.point.cost[0] if o.point is not None else (g.budget if g.mode == "budget" else np.nan)
    if np.isfinite(ref_cost):
        xs = np.geomspace(x0, x1, 300)
        for j, mult in enumerate((0.5, 1.0, 2.0, 4.0)):
            C = ref_cost * mult
            ys = (C - base - per_n * xs) / per_s
            ok = ys > 0
            ax.plot(xs[ok], ys[ok], color=COST_COLOUR, linewidth=1.6 if mult == 1 else 0.8,
                    linestyle="-" if mult == 1 else (0, (4, 3)))
            k = np.flatnonzero(ok & (ys > y0) & (ys < y1))
            if k.size:
                ax.annotate(money(C), (xs[k[0]], ys[k[0]]), fontsize=FONT - 3, color=COST_COLOUR,
                            xytext=(2, 2), textcoords="offset points")
        handles.append(Line2D([], [], color=COST_COLOUR, linestyle=(0, (4, 3)), linewidth=0.8))
        labels.append("iso-cost lines (the advised cost bold)" if g.mode == "target" else "iso-cost lines (the budget bold)")

    # the frontier (target) or the budget line, advisable part solid
    fr = o.frontier
    if g.mode == "target":
        xs, ys, ok = fr["n_synthetic"].to_numpy(), fr["n_real"].to_numpy(), fr["advisable"].to_numpy()
        seen = np.isfinite(ys) & (ys > 0)
        ax.plot(xs[seen], ys[seen], color=FRONTIER_COLOUR, linewidth=1.2, linestyle=":")
        ax.plot(xs, np.where(ok, ys, np.nan), color=FRONTIER_COLOUR, linewidth=2.2)
        handles.append(Line2D([], [], color=FRONTIER_COLOUR, linewidth=2.2))
        labels.append(f"frontier: {g.metric} {g.value:g} reached (dotted: extrapolation)")

    # measured cells
    cn, cs_ = o.fit.option.cells()
    marks = {CellStatus.PASS: ("o", "#009E73", "measured cell, predicted when held out"),
             CellStatus.FAIL: ("X", "#A50F15", "measured cell the law misses when held out"),
             CellStatus.UNTESTED: ("s", "0.5", "measured cell that could not be held out")}
    for st, (m, col, text) in marks.items():
        sel = np.array([s is st for s in o.check.status])
        if sel.any():
            ax.scatter(cn[sel], cs_[sel], marker=m, s=30, color=col, zorder=4, edgecolors="white", linewidths=0.5)
            handles.append(Line2D([], [], marker=m, color=col, linestyle=""))
            labels.append(text)

    # other advised options at their fixed synthetic size
    for i, x in enumerate(others):
        col = OTHER_COLOURS[i % len(OTHER_COLOURS)]
        p = x.point
        yerr = [[max(p.n_real[0] - p.n_real[1], 0)], [max(p.n_real[2] - p.n_real[0], 0)]] if np.isfinite(
            p.n_real[1]) else None
        ax.errorbar([x.n_fixed], [p.n_real[0]], yerr=yerr, fmt="D", color=col, markersize=5, capsize=3, zorder=5)
        handles.append(Line2D([], [], marker="D", color=col, linestyle=""))
        labels.append(f"{x.label}: {count(p.n_real[0])} real, {money(p.cost[0])}")

    # real data alone
    if rp is not None and np.isfinite(rp.n_real[0]):
        style = "-" if ref.point is not None else ":"
        ax.axhline(rp.n_real[0], color=REAL_COLOUR, linewidth=1.0, linestyle=style)
        if ref.point is not None and np.isfinite(rp.n_real[1]):
            ax.axhspan(rp.n_real[1], rp.n_real[2], color=REAL_COLOUR, alpha=0.07, linewidth=0)
        amount = money(rp.cost[0]) if g.mode == "target" else f"{g.metric} {rp.metric[0]:.3f}"
        handles.append(Line2D([], [], color=REAL_COLOUR, linestyle=style))
        labels.append(f"real data alone: {count(rp.n_real[0])} real, {amount}"
                      + ("" if ref.point is not None else " (extrapolation)"))

    # the advised point
    p = o.point
    if p is not None:
        xerr = [[p.n_synthetic[0] - p.n_synthetic[1]], [p.n_synthetic[2] - p.n_synthetic[0]]] if np.isfinite(
            p.n_synthetic[1]) else None
        yerr = [[p.n_real[0] - p.n_real[1]], [p.n_real[2] - p.n_real[0]]] if np.isfinite(p.n_real[1]) else None
        ax.errorbar([p.n_synthetic[0]], [p.n_real[0]], xerr=xerr, yerr=yerr, fmt="*", color=SERIES_COLOURS[0],
                    markersize=13, capsize=3, zorder=6, markeredgecolor="white")
        handles.append(Line2D([], [], marker="*", color=SERIES_COLOURS[0], linestyle="", markersize=10))
        what = money(p.cost[0]) if g.mode == "target" else f"{g.metric} {p.metric[0]:.3f}"
        labels.append(f"advised: {count(p.n_synthetic[0])} synthetic, {count(p.n_real[0])} real, {what} "
                      f"(bars: {lv} intervals)")
    elif o.outside is not None:
        q = o.outside
        ax.plot([q.n_synthetic[0]], [q.n_real[0]], marker="*", color="0.5", markersize=12, linestyle="")
        handles.append(Line2D([], [], marker="*", color="0.5", linestyle="", markersize=10))
        labels.append("the law's best point: extrapolation, not advised")

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    plain_log_axis(ax.xaxis, minor=False)
    plain_log_axis(ax.yaxis, minor=True)
    ax.set_xlabel("synthetic samples n", fontsize=FONT)
    ax.set_ylabel("real samples s", fontsize=FONT)
    goal = f"{g.metric} {g.value:g}" if g.mode == "target" else f"budget {money(g.budget)}"
    ax.set_title(f"What to buy: {subject(o, with_n=False)}, {goal}", fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    _legend(lax, handles, labels)
    if tax is not None:
        tax.text(0.0, 1.0, "\n".join(notes), va="top", ha="left", fontsize=FONT - 2, transform=tax.transAxes)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    return path


def plot_costs(adv: Advice, path: str | Path) -> Path:
    """Every option's cost to reach the target (or metric within the budget) with its interval.

    Bars are coloured by verdict: recommended, real data alone, not recommended; options that
    are not advised are listed at the bottom with their status instead of a bar.

    Args:
        adv: the advice.
        path: PNG file to write.

    Returns:
        ``path`` as a Path.

    Example:
        >>> plot_costs(adv, "advice_costs.png")  # doctest: +SKIP
    """
    from matplotlib.figure import Figure

    g = adv.goal
    opts = list(adv.options)
    height = 1.5 + 0.42 * len(opts)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    ax = fig.add_axes([0.42, 1.0 / height, 0.52, (height - 1.45) / height])
    colour = {Recommendation.RECOMMENDED: "#009E73", Recommendation.REFERENCE: REAL_COLOUR}
    ys = np.arange(len(opts))[::-1]
    drawn = []
    for y, o in zip(ys, opts):
        if o.point is None:
            ax.text(0.02, y, f"not advised ({o.status.value})", va="center", ha="left", fontsize=FONT - 2,
                    transform=ax.get_yaxis_transform(), color="0.4")
            continue
        drawn.append((y, o.point.cost if g.mode == "target" else o.point.metric,
                      colour.get(o.recommendation, "#E69F00")))
    values = [v for _, t3, _ in drawn for v in t3 if np.isfinite(v)]
    lo_ax, hi_ax = (min(values), max(values)) if values else (0.0, 1.0)
    pad = 0.08 * (hi_ax - lo_ax if hi_ax > lo_ax else abs(hi_ax) + 1e-9)
    lo_ax, hi_ax = (0.0 if g.mode == "target" else lo_ax - pad), hi_ax + pad
    for y, t3, col in drawn:
        v, lo, hi = t3
        if np.isfinite(lo) or np.isinf(lo):
            # an interval that runs off without bound ends in an arrow at the edge of the plot
            a, b = (max(lo, lo_ax), min(hi, hi_ax))
            ax.plot([a, b], [y, y], color=col, linewidth=1.5)
            for end, bound, mark in ((a, lo, "<"), (b, hi, ">")):
                ax.plot([end], [y], marker=mark if np.isinf(bound) else "|", color=col, markersize=7)
        ax.plot([v], [y], "o", color=col, markersize=6)
        ax.annotate(money(v) if g.mode == "target" else f"{v:.3f}", (v, y), xytext=(0, 7),
                    textcoords="offset points", ha="center", fontsize=FONT - 3, color=col)
    ax.set_yticks(ys)
    ax.set_yticklabels([o.label for o in opts], fontsize=FONT - 2)
    ax.set_ylim(-0.7, len(opts) - 0.3)
    ax.tick_params(axis="x", labelsize=FONT - 2)
    ax.set_xlim(lo_ax, hi_ax)
    what = f"cost to reach {g.metric} {g.value:g}" if g.mode == "target" else f"{g.metric} bought with {money(g.budget)}"
    ax.set_xlabel(what, fontsize=FONT - 1)
    ax.set_title(f"Each option with its {100 * adv.level:g}% interval", fontsize=FONT - 1)
    fig.text(0.02, 0.1 / height, "green: recommended; black: real data alone; orange: not recommended;\n"
             "an arrow: the interval has no bound on that side",
             fontsize=FONT - 3, color="0.35")
    ax.grid(axis="x", color="0.9")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    return path


def joint_keys(adv: Advice) -> list[str]:
    """The options a contour figure is drawn for (laws over synthetic sizes)."""
    return [o.key for o in adv.options if o.kind == "joint" and o.fit is not None and o.status is not Status.UNTESTED]
