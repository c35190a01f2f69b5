"""Figures for scaling laws and effective data, drawn from fits and tidy tables.

Matplotlib is used through ``matplotlib.figure.Figure`` (no pyplot state, no backend
switching), so the functions are safe to call from a report builder or a test.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from synreal.analysis.scaling import ScalingFit

_EFFECTIVE_COLUMNS = {
    "n_real", "error_mean", "n_eff", "n_eff_lo", "n_eff_hi", "d_t", "d_t_lo", "d_t_hi", "exchange_rate",
    "exchange_rate_lo", "exchange_rate_hi", "identifiable", "note", "beyond", "n_seeds",
}


def _num(x: float) -> str:
    """Compact number for a figure label."""
    if not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _plain_log_axis(axis, *, minor: bool) -> None:
    """Label a log axis with plain numbers (0.85, 1,000) instead of powers of ten."""
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
    for p in fit._law.names:
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


def plot_scaling(fit: ScalingFit, path: str | Path, *, title: str | None = None) -> Path:
    """Log-log figure of a scaling fit: runs, fitted curve, extrapolation band, gap, parameters.

    Points are the runs (small dots) and their mean per size (with the seed range as a bar);
    the fitted curve is solid over the sizes run and dashed beyond, up to 10x the largest
    size, inside the shaded interval of the curve; ``C`` (the transfer gap) is a dotted
    asymptote; a box lists the parameters with their intervals and the verdict kind. A joint
    fit draws one colour per fine-tuning size.

    Args:
        fit: a :class:`synreal.analysis.scaling.ScalingFit`.
        path: PNG file to write.
        title: figure title (the law by default).

    Returns:
        ``path`` as a Path.

    Example:
        >>> plot_scaling(fit, "scaling.png")  # doctest: +SKIP
    """
    from matplotlib.figure import Figure

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(8.6, 4.6), dpi=120)
    ax = fig.add_axes([0.085, 0.12, 0.5, 0.78])
    data = fit.data
    n_lo, n_hi = float(data["n"].min()), float(data["n"].max())
    grid = np.geomspace(n_lo / 1.3, 10 * n_hi, 200)
    groups = [None] if fit.law == "single" else sorted(data["s"].unique())
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2", "#7f7f7f",
              "#bcbd22"]
    ymin, ymax = np.inf, 0.0
    for i, s in enumerate(groups):
        col = colors[i % len(colors)]
        rows = data if s is None else data[data["s"] == s]
        label = None if s is None else f"s = {_num(float(s))}"
        ax.scatter(rows["n"], rows["error"], s=9, color=col, alpha=0.35, linewidths=0)
        agg = rows.groupby("n")["error"].agg(["mean", "min", "max"]).reset_index()
        ax.errorbar(agg["n"], agg["mean"], yerr=[agg["mean"] - agg["min"], agg["max"] - agg["mean"]],
                    fmt="o", ms=4.5, color=col, capsize=2, lw=1, label=label)
        pred = fit.predict(grid, s=s, interval="mean")
        inside = grid <= n_hi * 1.0001
        ax.plot(grid[inside], pred["error"][inside], color=col, lw=1.6)
        ax.plot(grid[~inside], pred["error"][~inside], color=col, lw=1.6, ls="--")
        if pred["lo"].notna().any():
            ax.fill_between(grid, pred["lo"], pred["hi"], color=col, alpha=0.15, lw=0)
        D, alpha, C = fit._law.at_s(fit._param_vector(), None if s is None else float(s))
        if float(C) > 0:
            ax.axhline(float(C), color=col, ls=":", lw=1)
            ymin = min(ymin, float(C))
        finite = pd.concat([rows["error"], pred["error"], pred["lo"].dropna()])
        finite = finite[finite > 0]
        ymin, ymax = min(ymin, float(finite.min())), max(ymax, float(finite.max()), float(pred["hi"].max()) if
                                                        pred["hi"].notna().any() else 0.0)
    ax.axvline(n_hi, color="0.6", lw=0.8, ls="-")
    ax.text(n_hi, 1.0, " largest size run", transform=ax.get_xaxis_transform(), fontsize=7, color="0.4", va="top")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if np.isfinite(ymin) and ymax > 0:
        lo, hi = np.log10(ymin), np.log10(ymax)
        pad = max(0.06 * (hi - lo), 0.005)
        ax.set_ylim(10 ** (lo - pad), 10 ** (hi + pad))
        _plain_log_axis(ax.yaxis, minor=hi - lo < 1.2)  # label minor ticks when no power of ten is in view
    _plain_log_axis(ax.xaxis, minor=False)
    ax.set_xlabel("synthetic pre-training size n")
    ax.set_ylabel("test error")
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    if fit.law == "joint":
        ax.legend(fontsize=7, loc="lower left")
    pct = f"{100 * fit.level:g}%"
    ax.set_title(title or f"Scaling law {('L(n) = D n^-alpha + C' if fit.law == 'single' else 'L(n, s)')}",
                 fontsize=10)
    text = "\n".join(_param_lines(fit) + ["", f"band: {pct} interval of the curve", "dotted: C (transfer gap)",
                                           "dashed: extrapolation to 10x", "", f"verdict: {fit.verdict_kind}"])
    fig.text(0.61, 0.9, text, fontsize=7.5, va="top", family="monospace",
             bbox={"boxstyle": "round", "fc": "#f7f7f7", "ec": "0.7"})
    fig.savefig(path)
    return path


def plot_effective_data(table: pd.DataFrame, path: str | Path, *, title: str | None = None) -> Path:
    """Effective data transferred ``D_T`` (with intervals) against the real size, per group.

    Groups are the rows' ``by`` columns (everything that is not an output column of
    :func:`synreal.analysis.equivalency.effective_data`). Points outside the measured real
    curve have no value: they are drawn as hollow triangles at the top (better than the
    largest real set) or bottom edge, labelled "not identifiable".

    Args:
        table: the output of ``effective_data``.
        path: PNG file to write.
        title: figure title.

    Returns:
        ``path`` as a Path.

    Example:
        >>> plot_effective_data(effective_data(real, treated, by=["source"]), "eff.png")  # doctest: +SKIP
    """
    from matplotlib.figure import Figure
    from matplotlib.transforms import blended_transform_factory

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    by = [c for c in table.columns if c not in _EFFECTIVE_COLUMNS]
    fig = Figure(figsize=(8.6, 4.4), dpi=120)
    ax = fig.add_axes([0.09, 0.12, 0.52, 0.78])
    edge = blended_transform_factory(ax.transData, ax.transAxes)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2"]
    keys = list(table.groupby(by, sort=True).groups) if by else [None]
    n_groups = max(len(keys), 1)
    any_missing = False
    for i, key in enumerate(keys):
        rows = table if key is None else table.groupby(by, sort=True).get_group(key if isinstance(key, tuple) else (key,))
        rows = rows.sort_values("n_real")
        col = colors[i % len(colors)]
        # Nudge groups sideways (multiplicatively, the axis is log) so bars do not overlap.
        shift = 1.0 + 0.04 * (i - (n_groups - 1) / 2)
        x = rows["n_real"].to_numpy(dtype=float) * shift
        ok = rows["identifiable"].to_numpy(dtype=bool)
        parts = key if isinstance(key, tuple) else (key,)
        label = "all" if key is None else ", ".join(f"{c}={v}" for c, v in zip(by, parts))
        y, lo, hi = (rows[c].to_numpy(dtype=float) for c in ("d_t", "d_t_lo", "d_t_hi"))
        yerr = np.vstack([np.where(np.isfinite(lo), y - lo, 0), np.where(np.isfinite(hi), hi - y, 0)])
        ax.errorbar(x[ok], y[ok], yerr=yerr[:, ok], fmt="o-", ms=4.5, color=col, capsize=2, lw=1.1, label=label)
        above = ~ok & (rows["beyond"].to_numpy() == "above")
        below = ~ok & ~above
        if above.any():
            ax.scatter(x[above], np.full(above.sum(), 0.97), marker="^", s=40, facecolors="none", edgecolors=col,
                       transform=edge, clip_on=False)
        if below.any():
            ax.scatter(x[below], np.full(below.sum(), 0.03), marker="v", s=40, facecolors="none", edgecolors=col,
                       transform=edge, clip_on=False)
        any_missing |= bool((~ok).any())
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xscale("log")
    nr = table["n_real"].to_numpy(dtype=float)
    ax.set_xlim(nr.min() / 1.35, nr.max() * 1.35)  # the edge markers do not widen the limits themselves
    _plain_log_axis(ax.xaxis, minor=np.log10(nr.max() / nr.min()) < 1.2)
    finite = table.loc[table["identifiable"].astype(bool), ["d_t", "d_t_lo", "d_t_hi"]].to_numpy(dtype=float)
    finite = np.abs(finite[np.isfinite(finite)])
    if finite.size:
        ax.set_yscale("symlog", linthresh=max(float(np.percentile(finite, 10)), 1.0))
        lo_y, hi_y = ax.get_ylim()
        ax.set_ylim(lo_y, hi_y * (2.5 if hi_y > 0 else 1.0))  # head room for the not-identifiable markers
    ax.set_xlabel("real training samples n_real")
    ax.set_ylabel("effective data transferred D_T (real samples)")
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.set_title(title or "Effective data transferred by synthetic pre-training", fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.63, 0.9), fontsize=7.5, frameon=False)
    if any_missing:
        fig.text(0.635, 0.2, "hollow triangles: not identifiable\n(beyond the measured real curve;\n"
                 "^ better than the largest real set)", fontsize=7, va="top", color="0.3")
    fig.savefig(path)
    return path
