"""Figures for scaling laws and effective data, drawn from fits and tidy tables.

Matplotlib is used through ``matplotlib.figure.Figure`` (no pyplot state, no backend
switching), so the functions are safe to call from a report builder or a test. The figures
are laid out in one column (plot, then legend, then numbers) at 5.4 inches wide with 9-10 pt
text, so that they stay legible when a phone shows them about 400 pixels wide. Every series
drawn has a legend entry and its own colour: data series take colours from
:data:`SERIES_COLOURS`, transfer gaps from :data:`GAP_COLOURS`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from synreal.analysis.scaling import ScalingFit

# Okabe-Ito colours first (safe for colour-blind readers); the two lists never share a colour, and
# neither holds the greys used for reference lines.
SERIES_COLOURS = ["#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#6A3D9A", "#8C564B"]
GAP_COLOURS = ["#D55E00", "#E69F00", "#B8860B", "#A50F15"]
EDGE_GREY = "0.55"  # the "largest size run" marker line
WIDTH_IN = 5.4
DPI = 150
FONT = 10

_EFFECTIVE_COLUMNS = {
    "n_real", "error_mean", "n_eff", "n_eff_lo", "n_eff_hi", "d_t", "d_t_lo", "d_t_hi", "exchange_rate",
    "exchange_rate_lo", "exchange_rate_hi", "identifiable", "note", "beyond", "n_seeds", "edge_n_real", "edge_diff",
    "edge_diff_lo", "edge_diff_hi", "transfer", "beyond_verdict",
}


UNBOUNDED = 1000
"""An interval end of D_T beyond this many times the real size is reported as unbounded, not as a number."""


def colours(n: int, palette: list[str]) -> list[str]:
    """``n`` distinct colours: the palette first, then evenly spaced hues of a colormap.

    Example:
        >>> len(set(colours(9, SERIES_COLOURS)))
        9
    """
    if n <= len(palette):
        return palette[:n]
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["viridis"]
    return [to_hex(cmap(v)) for v in np.linspace(0.0, 0.8, n)]


def _num(x: float) -> str:
    """Compact number for a figure label."""
    if not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def plain_log_axis(axis, *, minor: bool) -> None:
    """Label a log axis with plain numbers (0.85, 1,000) instead of powers of ten.

    Args:
        axis: ``ax.xaxis`` or ``ax.yaxis`` of a log-scaled axes.
        minor: label the 2x, 3x and 5x minor ticks too (for views spanning under a decade).
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    def text(v: float) -> str:
        return f"{v:,.0f}" if v >= 1000 else f"{v:.3g}"

    def sparse(v: float, _: object) -> str:
        lo, hi = sorted(axis.get_view_interval())
        if lo > 0 and hi / lo < 4:  # a narrow view has few minor ticks: label them all
            return text(v)
        lead = round(v / 10 ** np.floor(np.log10(v)), 6) if v > 0 else 0
        return text(v) if lead in (2, 3, 5) else ""  # else 2, 3 and 5 times a power of ten

    axis.set_major_formatter(FuncFormatter(lambda v, _: text(v)))
    axis.set_minor_formatter(FuncFormatter(sparse) if minor else NullFormatter())


def _param_lines(fit: ScalingFit) -> list[str]:
    """One line per parameter: estimate and interval, or why there is none."""
    pct = f"{100 * fit.level:g}%"
    lines = []
    for p in fit.param_names:
        if p in fit.pinned:
            lines.append(f"{p} = {_num(fit.params[p])} (pinned)")
            continue
        lo, hi = fit.intervals[p]
        iv = f"[{_num(lo)}, {_num(hi)}]" if np.isfinite(lo) else "no interval"
        if fit.identified[p]:
            lines.append(f"{p} = {_num(fit.params[p])}  {pct} {iv}")
        else:
            lines.append(f"{p}: not identified, {pct} {iv}")
    return lines


def _layout(n_legend_rows: int, n_text_lines: int, plot_in: float = 3.2, right: float = 0.3):
    """A one-column figure: the plot, a legend block under it, then a text block.

    Returns ``(fig, ax, legend_ax, text_ax)``; the two blocks are axes without frames, sized
    from their number of lines so that nothing overlaps whatever the legend holds.
    """
    from matplotlib.figure import Figure

    legend_in = 0.1 + 0.19 * n_legend_rows
    text_in = (0.1 + 0.17 * n_text_lines) if n_text_lines else 0.0
    top, xlab, bottom = 0.55, 0.62, 0.12
    height = top + plot_in + xlab + legend_in + text_in + bottom
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    left = 1.05
    ax = fig.add_axes([left / WIDTH_IN, (height - top - plot_in) / height, (WIDTH_IN - left - right) / WIDTH_IN,
                       plot_in / height])
    lax = fig.add_axes([0.04, (bottom + text_in) / height, 0.92, legend_in / height])
    lax.set_axis_off()
    tax = None
    if n_text_lines:
        tax = fig.add_axes([0.04, bottom / height, 0.92, text_in / height])
        tax.set_axis_off()
    return fig, ax, lax, tax


def _legend(lax, handles: list, labels: list[str], *, ncols: int = 1, title: str | None = None) -> None:
    """The legend at the top of its block."""
    leg = lax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, 1.0), fontsize=FONT - 1, frameon=False,
                     ncols=ncols, handlelength=2.6, borderaxespad=0.0, labelspacing=0.35, title=title,
                     title_fontsize=FONT - 1, alignment="left")
    if title:
        leg.get_title().set_fontstyle("italic")


def scaling_figure(fit: ScalingFit, *, title: str | None = None) -> Figure:
    """The figure of a scaling fit (see :func:`plot_scaling`), not yet saved.

    Args:
        fit: a :class:`synreal.analysis.scaling.ScalingFit`.
        title: figure title (the law by default).

    Returns:
        A matplotlib ``Figure``; ``fig.axes[0]`` is the plot, ``fig.axes[1]`` holds the legend,
        ``fig.axes[2]`` the parameter lines.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    data = fit.data
    pct = f"{100 * fit.level:g}%"
    shaky = fit.ill_conditioned
    n_lo, n_hi = float(data["n"].min()), float(data["n"].max())
    grid = np.geomspace(n_lo / 1.3, 10 * n_hi, 200)
    groups = [None] if fit.law == "single" else sorted(data["s"].unique())
    fit_cols, gap_cols = colours(len(groups), SERIES_COLOURS), colours(len(groups), GAP_COLOURS)
    if len(groups) > len(GAP_COLOURS):  # colormap fallbacks must not meet: gaps take the warm end of turbo
        from matplotlib import colormaps
        from matplotlib.colors import to_hex

        gap_cols = [to_hex(colormaps["turbo"](v)) for v in np.linspace(0.62, 0.98, len(groups))]
    handles: list = []
    labels: list[str] = []
    few = len(groups) <= 3  # more gap bands and labels than that would only cover each other
    s_max = None if fit.law == "single" or not few else _num(float(max(groups)))
    ncols = 1 if few else 2
    lines = _param_lines(fit) + [f"verdict: {fit.verdict_kind}"]
    n_rows = -(-(len(groups) * 2 + 2) // ncols) + int(shaky) + int(not few)
    # Room on the right for the labels of the gap lines ("C" or "C, s=575").
    fig, ax, lax, tax = _layout(n_rows, len(lines), right=(0.35 if s_max is None else 0.45 + 0.07 * len(s_max)))
    ymin, ymax = np.inf, 0.0
    for i, s in enumerate(groups):
        col, gcol = fit_cols[i], gap_cols[i]
        rows = data if s is None else data[data["s"] == s]
        tag = "" if s is None else f"s = {_num(float(s))}: "
        ax.scatter(rows["n"], rows["error"], s=10, color=col, alpha=0.35, linewidths=0)
        agg = rows.groupby("n")["error"].agg(["mean", "min", "max"]).reset_index()
        ax.errorbar(agg["n"], agg["mean"], yerr=[agg["mean"] - agg["min"], agg["max"] - agg["mean"]],
                    fmt="o", ms=4.5, color=col, capsize=2, lw=1)
        pred = fit.predict(grid, s=s, interval="mean")
        inside = grid <= n_hi * 1.0001
        ax.plot(grid[inside], pred["error"][inside], color=col, lw=1.7, ls="-." if shaky else "-")
        ax.plot(grid[~inside], pred["error"][~inside], color=col, lw=1.7, ls="--")
        band = pred["lo"].notna().any()
        if band:
            ax.fill_between(grid, pred["lo"], pred["hi"], color=col, alpha=0.15, lw=0)
        curve = Line2D([], [], color=col, marker="o", ms=4.5, lw=1.7, ls="-." if shaky else "-")
        handles.append((Patch(color=col, alpha=0.2), curve) if band else curve)
        what = "runs (mean, range over seeds) and fit" if s is None and "seed" in data.columns else "runs and fit"
        labels.append(f"{tag}{what}" + (f", {pct} band" if band else ""))
        C, clo, chi = fit.gap_interval(None if s is None else float(s))
        gap_band = np.isfinite(clo) and np.isfinite(chi) and chi > 0 and few
        if C > 0:
            ax.axhline(C, color=gcol, ls=":", lw=1.4)
            if few:
                ax.text(1.0, C, " C" if s is None else f" C, s={_num(float(s))}", color=gcol, fontsize=FONT - 2,
                        va="center", ha="left", transform=ax.get_yaxis_transform(), clip_on=False)
            ymin = min(ymin, C)
        if gap_band:
            ax.axhspan(max(clo, 1e-12), chi, color=gcol, alpha=0.12, lw=0)
            ymin = min(ymin, max(clo, C / 3 if C > 0 else chi / 3))
        gap_line = Line2D([], [], color=gcol, ls=":", lw=1.4)
        handles.append((Patch(color=gcol, alpha=0.25), gap_line) if gap_band else gap_line)
        labels.append(f"{tag}transfer gap C = {_num(C)}" + (f", {pct} band" if gap_band else "")
                      + ("" if C > 0 else " (no line on a log axis)"))
        finite = pd.concat([rows["error"], pred["error"], pred["lo"].dropna()])
        finite = finite[finite > 0]
        top = float(pred["hi"].max()) if pred["hi"].notna().any() else 0.0
        ymin, ymax = min(ymin, float(finite.min())), max(ymax, float(finite.max()), top)
    ax.axvline(n_hi, color=EDGE_GREY, lw=0.9)
    handles += [Line2D([], [], color="0.25", lw=1.7, ls="--"), Line2D([], [], color=EDGE_GREY, lw=0.9)]
    labels += ["extrapolation to 10x n", f"largest size run ({_num(n_hi)})"]
    ax.set_xscale("log")
    ax.set_yscale("log")
    if np.isfinite(ymin) and ymax > 0:
        lo, hi = np.log10(ymin), np.log10(ymax)
        pad = max(0.06 * (hi - lo), 0.005)
        ax.set_ylim(10 ** (lo - pad), 10 ** (hi + pad))
        plain_log_axis(ax.yaxis, minor=hi - lo < 1.2)  # label minor ticks when no power of ten is in view
    plain_log_axis(ax.xaxis, minor=False)
    ax.tick_params(labelsize=FONT - 1, which="both")
    ax.set_xlabel("synthetic pre-training size n", fontsize=FONT)
    ax.set_ylabel("test error", fontsize=FONT)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    law = "L(n) = D n^-alpha + C" if fit.law == "single" else "L(n, s)"
    ax.set_title("\n".join(textwrap.wrap(title or f"Scaling law {law}", 52)), fontsize=FONT + 1)
    if shaky:
        ax.text(0.02, 0.03, "not identified: illustration only", transform=ax.transAxes, fontsize=FONT - 1,
                color="0.3", style="italic")
    title = "\n".join(t for t, on in (("Not identified: illustration only", shaky),
                                      (f"gap bands omitted for {len(groups)} fine-tuning sizes", not few)) if on)
    _legend(lax, handles, labels, ncols=ncols, title=title or None)
    tax.text(0.0, 1.0, "\n".join(lines), fontsize=FONT - 1, va="top", family="monospace", transform=tax.transAxes)
    return fig


def plot_scaling(fit: ScalingFit, path: str | Path, *, title: str | None = None) -> Path:
    """Log-log figure of a scaling fit: runs, fitted curve, extrapolation, gap, parameters.

    Points are the runs (small dots) and their mean per size (with the seed range as a bar);
    the fitted curve is solid over the sizes run and dashed beyond, up to 10x the largest size,
    inside the shaded interval of the curve; the transfer gap ``C`` is a dotted line with its
    interval as a band. A fit the diagnostics flag as not identified is drawn all the same
    (dash-dotted, every such series labelled "not identified: illustration only"). A joint fit
    draws one colour per fine-tuning size. Under the plot: the legend, then the parameters with
    their intervals and the verdict kind.

    Args:
        fit: a :class:`synreal.analysis.scaling.ScalingFit`.
        path: PNG file to write.
        title: figure title (the law by default).

    Returns:
        ``path`` as a Path.

    Example:
        >>> plot_scaling(fit, "scaling.png")  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scaling_figure(fit, title=title).savefig(path)
    return path


def _effective_axis(ax, values: np.ndarray) -> None:
    """A y axis in real samples that reads well: linear with signed ticks, or symlog for wide ranges."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator, SymmetricalLogLocator

    def signed(v: float, _: object) -> str:
        return "0" if abs(v) < 1e-9 else f"{v:+,.0f}" if abs(v) >= 1 else f"{v:+.2g}"

    v = np.abs(values[np.isfinite(values)])
    nonzero = v[v > 0]
    if nonzero.size and nonzero.max() / max(np.median(nonzero), 1e-12) > 30:
        linthresh = 10 ** np.floor(np.log10(max(np.median(nonzero), 1.0)))
        ax.set_yscale("symlog", linthresh=linthresh, linscale=1.0)
        ax.yaxis.set_major_locator(SymmetricalLogLocator(base=10, linthresh=linthresh, subs=[1.0, 3.0]))
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(signed))


def effective_figure(table: pd.DataFrame, *, by: list[str] | None = None, title: str | None = None) -> Figure:
    """The figure of :func:`plot_effective_data`, not yet saved.

    Args:
        table: the output of ``effective_data``.
        by: the columns that tell treatments apart (default: every column that is not an
            output column of ``effective_data``).
        title: figure title.

    Returns:
        A matplotlib ``Figure``; ``fig.axes[0]`` is the plot, ``fig.axes[1]`` holds the legend.
    """
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    by = [c for c in table.columns if c not in _EFFECTIVE_COLUMNS] if by is None else list(by)
    keys = list(table[by].drop_duplicates().sort_values(by).itertuples(index=False, name=None)) if by else [None]
    cols = colours(len(keys), SERIES_COLOURS)
    # interval ends beyond UNBOUNDED times the real size are drawn as unbounded, as the sentences say
    table = table.copy()
    cap = UNBOUNDED * np.maximum(table["n_real"].to_numpy(dtype=float), 1.0)
    table["d_t_hi"] = np.where(table["d_t_hi"].to_numpy(dtype=float) > cap, np.inf, table["d_t_hi"])
    ident = table["identifiable"].astype(bool).to_numpy()
    has_above = bool((~ident & (table["beyond"].to_numpy() == "above")).any())
    has_below = bool((~ident & (table["beyond"].to_numpy() != "above")).any())
    clipped = bool((ident & np.isinf(table["d_t_hi"].to_numpy(dtype=float))).any())
    n_rows = len(keys) + 1 + int(has_above) + int(has_below) + int(clipped)
    fig, ax, lax, _ = _layout(n_rows, 0, plot_in=3.0)
    edge = blended_transform_factory(ax.transData, ax.transAxes)
    finite = table.loc[table["identifiable"].astype(bool), ["d_t", "d_t_lo", "d_t_hi"]].to_numpy(dtype=float)
    _effective_axis(ax, finite.ravel())
    handles: list = []
    labels: list[str] = []
    unbounded: list[tuple[float, float, str]] = []
    grouped = table.groupby(by, sort=True) if by else None
    for i, key in enumerate(keys):
        rows = table if key is None else grouped.get_group(key)
        rows = rows.sort_values("n_real")
        col = cols[i]
        # Nudge groups sideways (multiplicatively, the axis is log) so bars do not overlap.
        shift = 1.0 + 0.04 * (i - (len(keys) - 1) / 2)
        x = rows["n_real"].to_numpy(dtype=float) * shift
        ok = rows["identifiable"].to_numpy(dtype=bool)
        parts = key or ()
        label = "all" if key is None else ", ".join(
            f"{c} = {_num(float(v)) if isinstance(v, (int, float, np.number)) else v}" for c, v in zip(by, parts))
        y, lo, hi = (rows[c].to_numpy(dtype=float) for c in ("d_t", "d_t_lo", "d_t_hi"))
        has = np.isfinite(lo) & np.isfinite(hi)
        yerr = np.vstack([np.where(has, y - lo, 0), np.where(has, hi - y, 0)])
        ax.errorbar(x[ok], y[ok], yerr=yerr[:, ok], fmt="o-", ms=4.5, color=col, capsize=2, lw=1.1)
        up = ok & np.isinf(hi) & np.isfinite(lo)  # the interval runs off the curve: a bar to the top, an arrow
        if up.any():
            unbounded += [(xi, li, col) for xi, li in zip(x[up], lo[up])]
            ax.scatter(x[up], np.full(up.sum(), 0.985), marker="^", s=28, color=col, transform=edge, clip_on=False)
        above = ~ok & (rows["beyond"].to_numpy() == "above")
        below = ~ok & ~above
        if above.any():
            ax.scatter(x[above], np.full(above.sum(), 0.94), marker="^", s=44, facecolors="none", edgecolors=col,
                       transform=edge, clip_on=False)
        if below.any():
            ax.scatter(x[below], np.full(below.sum(), 0.06), marker="v", s=44, facecolors="none", edgecolors=col,
                       transform=edge, clip_on=False)
        handles.append(Line2D([], [], color=col, marker="o", ms=4.5, lw=1.1))
        labels.append(label)
    ax.axhline(0, color="0.3", lw=0.8)
    handles.append(Line2D([], [], color="0.3", lw=0.8))
    labels.append("no transfer (D_T = 0)")
    if has_above:
        handles.append(Line2D([], [], ls="", marker="^", ms=7, mfc="none", mec="0.3"))
        labels.append("beyond the real curve: lower error than it reaches (not identifiable)")
    if has_below:
        handles.append(Line2D([], [], ls="", marker="v", ms=7, mfc="none", mec="0.3"))
        labels.append("beyond the real curve: higher error than it starts at (not identifiable)")
    if clipped:
        handles.append(Line2D([], [], ls="", marker="^", ms=5.5, color="0.3"))
        labels.append("interval reaches beyond the curve's asymptote (unbounded)")
    ax.set_xscale("log")
    nr = table["n_real"].to_numpy(dtype=float)
    ax.set_xlim(nr.min() / 1.35, nr.max() * 1.35)  # the edge markers do not widen the limits themselves
    plain_log_axis(ax.xaxis, minor=np.log10(nr.max() / nr.min()) < 1.6)
    if finite.size:
        # Room for the edge markers, padded on the axis's own scale (linear or symlog), with 0 in view.
        tr = ax.yaxis.get_transform()
        lo_y, hi_y = ax.get_ylim()
        lo_t, hi_t = tr.transform([min(lo_y, 0.0), max(hi_y, 0.0)])
        span = hi_t - lo_t
        ax.set_ylim(*tr.inverted().transform([lo_t - 0.1 * span, hi_t + 0.12 * span]))
    for xi, li, col in unbounded:
        ax.plot([xi, xi], [li, ax.get_ylim()[1]], color=col, lw=1.1)
    ax.tick_params(labelsize=FONT - 1, which="both")
    ax.set_xlabel("real training samples n_real", fontsize=FONT)
    ax.set_ylabel("effective data transferred D_T\n(real samples)", fontsize=FONT)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.set_title("\n".join(textwrap.wrap(title or "Effective data transferred by synthetic pre-training", 52)),
                 fontsize=FONT + 1)
    _legend(lax, handles, labels)
    return fig


def plot_effective_data(table: pd.DataFrame, path: str | Path, *, by: list[str] | None = None,
                        title: str | None = None) -> Path:
    """Effective data transferred ``D_T`` (with intervals) against the real size, per group.

    Groups are the ``by`` columns (default: everything that is not an output column of
    :func:`synreal.analysis.equivalency.effective_data`), one colour each. The y axis is in
    real samples with signed labels (symlog when the values span more than a factor of 30
    around their median). Points outside the measured real curve have no value: they are
    drawn as hollow triangles at the top (lower error than the curve reaches) or bottom edge;
    an interval that runs off the curve's asymptote ends in a filled triangle at the top.

    Args:
        table: the output of ``effective_data``.
        path: PNG file to write.
        by: the columns that tell treatments apart.
        title: figure title.

    Returns:
        ``path`` as a Path.

    Example:
        >>> plot_effective_data(effective_data(real, treated, by=["source"]), "eff.png")  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    effective_figure(table, by=by, title=title).savefig(path)
    return path
