"""The motion statistics of several sets of sequences, drawn: one panel per distribution
(overlaid histograms on shared bins) and one panel of the rates, each titled with the
distance of every set to the reference set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synreal.tracking.stats import STATISTICS, RealismStats, realism_distance, statistic

#: Colours of the sets in order (the reference first, drawn filled).
COLORS = ("#404040", "#d1495b", "#00798c", "#edae49", "#66a182", "#8d6cab", "#2e4057")


def _bins(samples: list[np.ndarray], log: bool, n: int = 40) -> np.ndarray:
    """Shared bin edges over the central 99.5% of all samples."""
    x = np.concatenate([s[np.isfinite(s)] for s in samples])
    if log:
        # Zeros and rounding dust (an unchanged box gives 1e-15) go to the first bin.
        pos = x[x > 0]
        x = pos[pos > 1e-3 * np.median(pos)] if len(pos) else pos
    if not len(x):
        return np.linspace(0, 1, n + 1)
    lo, hi = np.percentile(x, [0.25, 99.75])
    if hi <= lo:
        hi = lo + (abs(lo) if lo else 1.0)
    return np.geomspace(lo, hi, n + 1) if log else np.linspace(lo, hi, n + 1)


def stats_figure(
    sets: Mapping[str, RealismStats],
    *,
    reference: str | None = None,
    statistics: Sequence[str] | None = None,
    out: str | Path | None = None,
    columns: int = 4,
    dpi: int = 110,
) -> Any:
    """Overlaid distributions of each statistic, and the rates side by side.

    Args:
        sets: label -> statistics; the reference is drawn filled in grey.
        reference: the set the others are compared with (default: the first).
        statistics: names to draw (default: every statistic some set has).
        out: write the figure here (PNG, PDF or SVG by suffix) when given.
        columns: panels per row.
        dpi: resolution of a written PNG.

    Returns:
        The matplotlib figure.

    Example:
        >>> from synreal.tracking.motchallenge import MotSequence, MotTable, SeqInfo
        >>> from synreal.tracking.stats import sequence_stats
        >>> gt = MotTable.from_rows([[f, 1, 3 * f, 0, 10, 20, 1, 1, 1] for f in range(1, 9)])
        >>> s = sequence_stats([MotSequence(SeqInfo("toy", 8, 10.0, 100, 100), gt=gt)])
        >>> len(stats_figure({"a": s, "b": s}).axes) >= 4
        True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(sets)
    ref = reference if reference is not None else labels[0]
    names = list(statistics) if statistics is not None else [s.name for s in STATISTICS if any(x.has(s.name) for x in sets.values())]
    dists = [n for n in names if statistic(n).kind == "distribution"]
    rates = [n for n in names if statistic(n).kind == "rate"]
    panels = len(dists) + (1 if rates else 0)
    rows = max(1, int(np.ceil(panels / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.6 * rows + 0.5), squeeze=False)
    colors = {lab: COLORS[i % len(COLORS)] for i, lab in enumerate(labels)}
    distances = {lab: realism_distance(sets[ref], sets[lab]) for lab in labels}
    flat = axes.ravel()
    for ax, name in zip(flat, dists):
        st = statistic(name)
        samples = {lab: sets[lab].samples(name) for lab in labels if sets[lab].has(name)}
        bins = _bins(list(samples.values()), st.log)
        for lab, x in samples.items():
            # Share of the samples per bin (not density), so that log-spaced bins read right;
            # zeros (a still person, an unchanged box) are counted in the first bin, which
            # then reads "at most this".
            x = np.clip(x, bins[0], bins[-1])
            w = np.full(len(x), 1.0 / max(len(x), 1))
            if lab == ref:
                ax.hist(x, bins=bins, weights=w, color=colors[lab], alpha=0.3, label=lab)
            else:
                ax.hist(x, bins=bins, weights=w, histtype="step", lw=1.4, color=colors[lab], label=lab)
        if st.log:
            ax.set_xscale("log")
        ax.set_yticks([])
        d = ", ".join(f"{distances[lab].per_statistic[name]:.2f}" for lab in labels if lab != ref and lab in samples)
        ax.set_title(f"{st.label}" + (f"\nKS {d}" if d else ""), fontsize=8.5)
        ax.set_xlabel(st.unit, fontsize=8)
        ax.tick_params(labelsize=7)
    if rates:
        ax = flat[len(dists)]
        width = 0.8 / len(labels)
        for i, lab in enumerate(labels):
            vals = [sets[lab].rate(n) / (100.0 if n in ("births", "deaths") else 1.0) for n in rates]
            ax.bar(np.arange(len(rates)) + (i - (len(labels) - 1) / 2) * width, vals, width, color=colors[lab], alpha=0.3 if lab == ref else 0.9)
        ax.set_xticks(np.arange(len(rates)), ["births\n/frame", "deaths\n/frame", "IoU<0.5\nsteps", "overlap\nshare"][: len(rates)]
                      if rates == ["births", "deaths", "low_iou", "overlap"] else rates, fontsize=7)  # fmt: skip
        ax.set_title("rates", fontsize=8.5)
        ax.tick_params(labelsize=7)
    for ax in flat[panels:]:
        ax.axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[lab], alpha=0.3 if lab == ref else 0.9) for lab in labels]
    summary = [f"{lab} (overall {distances[lab].overall:.3f})" if lab != ref else f"{lab} (reference)" for lab in labels]
    fig.legend(handles, summary, loc="upper center", ncol=min(len(labels), 4), fontsize=8.5, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / (2.6 * rows + 0.5)))
    if out is not None:
        p = Path(out)
        p.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(p, dpi=dpi)
    return fig
