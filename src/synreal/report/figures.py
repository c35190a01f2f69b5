"""The report's figures, drawn with matplotlib's Agg renderer in one consistent style.

Figures are built on ``matplotlib.figure.Figure`` objects (never ``pyplot``), so drawing
touches no global backend state and works headless. Colours follow the Okabe-Ito palette
(readable with colour-vision deficiencies); the real-only baselines are always black
(``real``) and grey (``real+aug``), and ``mix`` is drawn dashed beside solid ``pretrain``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from synreal.analysis.substitution import config_label
from synreal.errors import UserInputError

# Okabe-Ito without its black and grey (reserved for the real-only baselines), then darker
# companions, so that no two series of a figure share a colour below 12 configurations
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442",
           "#7F3C8D", "#11A579", "#3969AC", "#E73F74", "#80BA5A"]
BASELINE_STYLE = {"real": {"color": "#000000", "linestyle": "-"}, "real+aug": {"color": "#8c8c8c", "linestyle": "-"},
                  "kalman": {"color": "#8c8c8c", "linestyle": "-"}}
LINESTYLE = {"pretrain": "-", "mix": "--", "synthetic-only": ":"}
DPI = 110

STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


@contextmanager
def _style() -> Iterator[None]:
    """The report style, applied only while one figure is drawn."""
    with matplotlib.rc_context(STYLE):
        yield


def _save(fig: Figure, path: Path, *, tight: bool = False) -> Path:
    """Write a PNG without a timestamp (same figure, same bytes).

    ``tight`` crops to the drawn content; it costs a second draw, so figures laid out with
    ``tight_layout`` leave it off.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None}, **({"bbox_inches": "tight"} if tight else {}))
    return path


def colours(labels: list[str]) -> dict[str, str]:
    """A stable colour per label (sorted order, palette cycled).

    Args:
        labels: configuration names (duplicates allowed).

    Returns:
        label -> hex colour; the same labels always get the same colours.

    Example:
        >>> colours(["b", "a"])["a"]
        '#0072B2'
    """
    return {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(sorted(set(labels)))}


def _pct_axis(ax, fractions: list[float]) -> None:
    """Log x axis with ticks at the real fractions run, labelled in percent."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(fractions))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{round(100 * x, 1):g}%"))


def _band(ax, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, colour: str) -> None:
    """Shade an interval where it exists (cells with one seed have none)."""
    ok = np.isfinite(lo) & np.isfinite(hi)
    if ok.sum() >= 2:
        ax.fill_between(x[ok], lo[ok], hi[ok], color=colour, alpha=0.15, linewidth=0)
    elif ok.any():
        ax.errorbar(x[ok], (lo[ok] + hi[ok]) / 2, yerr=(hi[ok] - lo[ok]) / 2, fmt="none", ecolor=colour)


def plot_substitution_curves(
    curves: pd.DataFrame,
    path: Path,
    *,
    reference: tuple[float, float, float] | None = None,
    metric: str = "accuracy",
    level: float = 0.95,
    tests: pd.DataFrame | None = None,
    tolerance: float = 0.0,
) -> Path:
    """Metric against real fraction, one panel per synthetic source, with interval bands.

    Every panel repeats ``real`` and ``real+aug`` so that each synthetic curve is read
    against its baselines; the reference (real on 100%) is a horizontal line, and the
    tolerance a shaded strip below it (above it when lower is better). With ``tests``, each
    synthetic point shows its non-inferiority verdict: filled (shown within the tolerance),
    open (undecided), a cross (shown worse). Legends sit below the panels, never on the data.

    Args:
        curves: the table of ``synreal.analysis.substitution.substitution_curves``.
        path: PNG file to write.
        reference: (mean, lo, hi) of the reference, or None.
        metric: y-axis label.
        level: confidence level, for the caption of the bands.
        tests: the table of ``substitution_tests`` (optional).
        tolerance: the substitutability tolerance in metric units, signed towards "worse"
            (positive when higher is better).

    Returns:
        ``path``.

    Example:
        >>> c = pd.DataFrame({"condition": "real", "source": "none", "n_synthetic": 0,
        ...                   "real_fraction": [0.1, 1.0], "mean": [0.7, 0.9], "lo": [0.68, 0.88],
        ...                   "hi": [0.72, 0.92], "n_seeds": 3})
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "c.png"
        >>> plot_substitution_curves(c, p).exists()
        True
    """
    from matplotlib.lines import Line2D

    curves = curves[curves["real_fraction"] > 0]
    synth = curves[curves["condition"].isin(["pretrain", "mix"])]
    sources = sorted(synth["source"].unique()) or [None]
    fractions = sorted(curves["real_fraction"].unique())
    keys = synth[["condition", "source", "n_synthetic"]].drop_duplicates()
    labels = [config_label(*k) for k in keys.itertuples(index=False)]
    col = colours(labels)
    decision = {}
    if tests is not None and len(tests):
        decision = {(r.condition, r.source, int(r.n_synthetic), round(float(r.real_fraction), 12)): r.decision
                    for r in tests.itertuples()}
    ncols = min(3, len(sources))
    nrows = -(-len(sources) // ncols)
    with _style():
        fig = Figure(figsize=(4.3 * ncols, 3.9 * nrows))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
        for ax, src in zip(axes.ravel(), sources):
            handles = []
            if reference is not None:
                handles.append(ax.axhline(reference[0], color="#000000", linewidth=0.8, linestyle=":",
                                          label="reference R (real, 100%)"))
                if tolerance:
                    handles.append(ax.axhspan(reference[0] - tolerance, reference[0], color="#D55E00", alpha=0.10,
                                              linewidth=0, label=f"tolerance ({abs(tolerance):g})"))
            for cond in BASELINE_STYLE:
                g = curves[curves["condition"] == cond].sort_values("real_fraction")
                if g.empty:
                    continue
                st = BASELINE_STYLE[cond]
                x = g["real_fraction"].to_numpy()
                handles += ax.plot(x, g["mean"], marker="o", markersize=3, label=cond, **st)
                _band(ax, x, g["lo"].to_numpy(float), g["hi"].to_numpy(float), st["color"])
            if src is not None:
                for key, g in synth[synth["source"] == src].groupby(["condition", "source", "n_synthetic"]):
                    g = g.sort_values("real_fraction")
                    lab = config_label(*key)
                    x = g["real_fraction"].to_numpy()
                    y = g["mean"].to_numpy(float)
                    handles += ax.plot(x, y, color=col[lab], linestyle=LINESTYLE.get(key[0], "-"), label=lab)
                    _band(ax, x, g["lo"].to_numpy(float), g["hi"].to_numpy(float), col[lab])
                    for xi, yi in zip(x, y):
                        dec = decision.get((key[0], key[1], int(key[2]), round(float(xi), 12)))
                        face = col[lab] if dec in (None, "above") else "white"
                        ax.plot([xi], [yi], marker="x" if dec == "below" else "o", markersize=5,
                                markerfacecolor=face, markeredgecolor=col[lab], color=col[lab], linestyle="none")
            if decision and src is not None:
                handles += [Line2D([], [], marker="o", color="#444444", linestyle="none", label="within tolerance"),
                            Line2D([], [], marker="o", color="#444444", markerfacecolor="white", linestyle="none",
                                   label="undecided"),
                            Line2D([], [], marker="x", color="#444444", linestyle="none", label="shown worse")]
            _pct_axis(ax, fractions)
            ax.set_title(f"source: {src}" if src is not None else "real-only baselines")
            ax.set_xlabel("real training data used")
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=7.5)
        for ax in axes.ravel()[len(sources):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel(metric)
        sep = " " if ncols > 1 else "\n"
        fig.suptitle(f"{metric} against real fraction{sep}(mean over seeds, {level:.0%} interval bands)", fontsize=10)
        fig.tight_layout()
        return _save(fig, path, tight=True)


def plot_ranking(
    overall: pd.DataFrame,
    path: Path,
    *,
    metric: str = "accuracy",
    level: float = 0.95,
    title: str | None = None,
) -> Path:
    """Dot-and-whisker chart of configurations ranked by mean metric (best on top).

    Args:
        overall: ``config, mean, lo, hi, rank`` (e.g. ``Ranking.overall``).
        path: PNG file to write.
        metric: x-axis label.
        level: confidence level of the whiskers.
        title: figure title (default says what the whiskers are).

    Returns:
        ``path``.

    Example:
        >>> r = pd.DataFrame({"config": ["a", "b"], "mean": [0.9, 0.8], "lo": [0.88, 0.78],
        ...                   "hi": [0.92, 0.82], "rank": [1, 2]})
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "r.png"
        >>> plot_ranking(r, p).exists()
        True
    """
    r = overall.sort_values(["rank", "config"], ascending=[False, False])
    labels = r["config"].tolist()
    col = colours(labels)
    with _style():
        fig = Figure(figsize=(6.5, 0.9 + 0.32 * len(r)))
        ax = fig.subplots()
        y = np.arange(len(r))
        lo, hi, m = r["lo"].to_numpy(float), r["hi"].to_numpy(float), r["mean"].to_numpy(float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.hlines(y[ok], lo[ok], hi[ok], colors=[col[lab] for lab, o in zip(labels, ok) if o], linewidth=2)
        ax.scatter(m, y, color=[col[lab] for lab in labels], zorder=3, s=22)
        ax.set_yticks(y, [f"{rk}. {lab}" for rk, lab in zip(r["rank"], labels)])
        ax.set_xlabel(metric)
        ax.grid(axis="y", visible=False)
        ax.set_title(title or f"{metric} by synthetic configuration (mean, {level:.0%} interval over seeds)")
        fig.tight_layout()
        return _save(fig, path, tight=True)


def plot_augmentation_gains(gains: pd.DataFrame, path: Path, *, metric: str = "accuracy", level: float = 0.95,
                            baseline: str = "real+aug") -> Path:
    """Synthetic gains over ``real`` (left) and over ``real+aug`` (right) against real fraction.

    The left panel also shows what augmentation alone gains over ``real`` (grey), so a
    synthetic gain can be read against it. Error bars are the verdict's bounds (``lower``
    to ``upper``); the legend sits below the panels.

    Args:
        gains: the table of ``synreal.analysis.augmentation.augmentation_gains``.
        path: PNG file to write.
        metric: name in the y-axis label.
        level: one-sided level of each bound, for the title.
        baseline: the baseline condition (``real+aug``, ``kalman``).

    Returns:
        ``path``.

    Example:
        >>> g = pd.DataFrame({"condition": "mix", "source": "f", "n_synthetic": 10, "real_fraction": [0.1, 1.0],
        ...                   "config": "mix f (10)", "baseline": "real", "gain": [0.05, 0.01],
        ...                   "lower": [0.03, -0.01], "upper": [0.07, 0.03], "n_seeds": 3})
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "g.png"
        >>> plot_augmentation_gains(g, p).exists()
        True
    """
    synth = gains[gains["condition"] != baseline]
    aug = gains[(gains["condition"] == baseline) & (gains["baseline"] == "real")]
    col = colours(synth["config"].unique().tolist())
    fractions = sorted(gains["real_fraction"].unique())
    with _style():
        fig = Figure(figsize=(9.5, 4.4))
        axes = fig.subplots(1, 2, sharey=True)
        for ax, against in zip(axes, ("real", baseline)):
            ax.axhline(0, color="#000000", linewidth=0.8)
            rows = [(lab, g) for lab, g in synth[synth["baseline"] == against].groupby("config")]
            if against == "real" and not aug.empty:
                rows.append((f"{baseline} (the baseline alone)", aug))
            for i, (lab, g) in enumerate(rows):
                g = g.sort_values("real_fraction")
                is_aug = lab.startswith(baseline)
                c = BASELINE_STYLE[baseline]["color"] if is_aug else col[lab]
                # small horizontal offsets keep overlapping error bars apart on the log axis
                x = g["real_fraction"].to_numpy() * (1 + 0.03 * (i - (len(rows) - 1) / 2))
                m = g["gain"].to_numpy(float)
                err = np.vstack([m - g["lower"].to_numpy(float), g["upper"].to_numpy(float) - m])
                cond = g["condition"].iloc[0]
                ax.errorbar(x, m, yerr=np.nan_to_num(err), color=c, marker="o", markersize=3, capsize=2,
                            linestyle="--" if is_aug else LINESTYLE.get(cond, "-"), label=lab)
            _pct_axis(ax, fractions)
            ax.set_xlabel("real training data used")
            ax.set_title(f"gain over {against}")
            if rows:
                ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=7.5)
        axes[0].set_ylabel(f"{metric} gain (positive = better)")
        fig.suptitle(f"synthetic gains beside the {baseline} baseline (mean, one-sided {level:.0%} bounds)",
                     fontsize=10)
        fig.tight_layout()
        return _save(fig, path, tight=True)


def _as_images(name: str, value: object) -> np.ndarray:
    """The (N, C, H, W) float array of an ImageSet-like value, checked."""
    arr = np.asarray(getattr(value, "images", value), dtype=float)
    if arr.ndim != 4 or arr.shape[1] not in (1, 3) or len(arr) == 0:
        raise UserInputError(f"sample images {name!r}: expected a non-empty (N, C, H, W) array with C = 1 or 3, "
                             f"found shape {arr.shape}")
    if not np.isfinite(arr).all() or arr.min() < 0 or arr.max() > 1:
        raise UserInputError(f"sample images {name!r}: expected values in [0, 1], "
                             f"found {np.nanmin(arr):.3g} .. {np.nanmax(arr):.3g}")
    return arr


def plot_image_grid(images_by_name: Mapping[str, object], path: Path, *, per_row: int = 10) -> Path:
    """One row of sample images per name (real and each synthetic source side by side).

    Args:
        images_by_name: name -> float array ``(N, C, H, W)`` in ``[0, 1]`` (or anything with
            such an ``images`` attribute, e.g. an ``ImageSet``); C is 1 (grey) or 3 (RGB).
        path: PNG file to write.
        per_row: images shown per name (the first ones).

    Returns:
        ``path``.

    Raises:
        UserInputError: when a value is not such an array.

    Example:
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "s.png"
        >>> plot_image_grid({"real": np.zeros((3, 1, 8, 8))}, p).exists()
        True
    """
    if not images_by_name:
        raise UserInputError("plot_image_grid needs at least one named image array")
    arrays = {name: _as_images(name, v)[:per_row] for name, v in images_by_name.items()}
    ncols = max(len(a) for a in arrays.values())
    with _style():
        fig = Figure(figsize=(0.85 * ncols + 1.4, 0.95 * len(arrays)))
        axes = fig.subplots(len(arrays), ncols, squeeze=False)
        for r, (name, arr) in enumerate(arrays.items()):
            for c in range(ncols):
                ax = axes[r, c]
                ax.set_axis_off()
                if c < len(arr):
                    img = arr[c]
                    if img.shape[0] == 1:
                        ax.imshow(img[0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                    else:
                        ax.imshow(np.transpose(img, (1, 2, 0)), interpolation="nearest")
            axes[r, 0].text(-0.15, 0.5, name, transform=axes[r, 0].transAxes, ha="right", va="center", fontsize=9)
        fig.subplots_adjust(left=0.16, wspace=0.05, hspace=0.1)
        return _save(fig, path, tight=True)
