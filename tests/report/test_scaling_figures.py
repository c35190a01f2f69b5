"""Scaling and effective-data figures: every series in the legend, one colour per series, readable axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from synreal.analysis.equivalency import effective_data
from synreal.analysis.scaling import fit_scaling_law
from synreal.report.scaling_figures import DPI, WIDTH_IN, effective_figure, plot_scaling, scaling_figure

SIZES = np.array([1e3, 2e3, 4e3, 8e3, 16e3, 32e3, 64e3])
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scaling" / "pretrain_runs.csv"


def runs(rng, sizes=SIZES, noise=0.0005, s=None):
    n = np.repeat(sizes, 3)
    t = pd.DataFrame({"n": n, "seed": np.tile([0, 1, 2], len(sizes)), "error": 2 * n**-0.4 + 0.02})
    if s is not None:
        t["s"] = s
        t["error"] *= (s / 1000) ** -0.3
    t["error"] += rng.normal(0, noise, len(t))
    return t


def legend_labels(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[1].get_legend().get_texts()]


def plot_colours(ax) -> dict[str, set[str]]:
    """Colours of the curves (solid/dash-dot/dashed lines over n) and of the gap lines (dotted), by kind."""
    out: dict[str, set[str]] = {"curve": set(), "gap": set()}
    for line in ax.get_lines():
        ls = line.get_linestyle()
        if ls == ":":
            out["gap"].add(to_hex(line.get_color()))
        elif ls in ("-", "-.", "--") and len(line.get_xdata()) > 2:
            out["curve"].add(to_hex(line.get_color()))
    return out


def test_identified_single_fit_draws_and_labels_every_series():
    fit = fit_scaling_law(runs(np.random.default_rng(0)), seed="seed", n_boot=100)
    assert not fit.ill_conditioned
    fig = scaling_figure(fit)
    ax, labels = fig.axes[0], legend_labels(fig)
    assert any(lab.startswith("runs (mean, range over seeds) and fit") for lab in labels)
    assert any(lab.startswith("transfer gap C = ") and "band" in lab for lab in labels)
    assert "extrapolation to 10x n" in labels and any(lab.startswith("largest size run") for lab in labels)
    assert fig.axes[1].get_legend().get_title().get_text() == ""  # nothing to warn about
    # The extrapolation reaches 10x the largest size; the gap is drawn at C.
    xmax = max(float(np.max(line.get_xdata())) for line in ax.get_lines())
    assert xmax == np.float64(10 * 64e3)
    gap_y = [line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert gap_y == [fit.at_s()[2]]
    colours = plot_colours(ax)
    assert len(colours["curve"]) == 1 and len(colours["gap"]) == 1 and not colours["curve"] & colours["gap"]


def test_unidentified_fit_still_draws_gap_and_extrapolation_labelled_as_illustration():
    t = pd.read_csv(EXAMPLE)
    t = t[(t["n_real"] == 575) & (t["n_synthetic"] <= 4000)]  # four sizes: not identified (docs/scaling.md)
    fit = fit_scaling_law(t, n="n_synthetic", metric="accuracy", higher_is_better=True, seed="seed", n_boot=200)
    assert fit.ill_conditioned and fit.at_s()[2] > 0
    fig = scaling_figure(fit)
    ax = fig.axes[0]
    assert "illustration only" in fig.axes[1].get_legend().get_title().get_text()
    assert any("illustration only" in t.get_text() for t in ax.texts)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert dashed and float(np.max(dashed[0].get_xdata())) == np.float64(40_000)
    assert [line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"] == [fit.at_s()[2]]


def test_joint_fit_gives_every_fine_tuning_size_its_own_curve_and_gap_colours():
    rng = np.random.default_rng(2)
    t = pd.concat([runs(rng, s=s) for s in (1000.0, 4000.0, 16000.0)], ignore_index=True)
    fit = fit_scaling_law(t, s="s", seed="seed", n_boot=60, space="log")
    fig = scaling_figure(fit)
    labels = legend_labels(fig)
    for s in ("1,000", "4,000", "16,000"):
        assert any(lab.startswith(f"s = {s}: runs and fit") for lab in labels)
        assert any(lab.startswith(f"s = {s}: transfer gap C") for lab in labels)
    colours = plot_colours(fig.axes[0])
    assert len(colours["curve"]) == 3 and len(colours["gap"]) == 3 and not colours["curve"] & colours["gap"]


def test_figure_is_laid_out_for_phone_width(tmp_path):
    from PIL import Image

    fit = fit_scaling_law(runs(np.random.default_rng(3)), seed="seed", n_boot=50)
    path = plot_scaling(fit, tmp_path / "f.png")
    with Image.open(path) as im:
        assert im.size[0] == round(WIDTH_IN * DPI)
    # At 400 px wide, 9 pt text at this width and resolution stays about 9 px high.
    assert 9 * (DPI / 72) * 400 / (WIDTH_IN * DPI) > 8.5


def test_effective_data_axis_reads_in_real_samples_with_several_labelled_ticks():
    n = np.array([100, 200, 400, 800, 1600.0])
    real = pd.DataFrame([{"n_real": v, "seed": k, "error": 3 * v**-0.5 + 0.02} for v in n for k in range(3)])
    treated = pd.DataFrame([{"source": "a", "n_synthetic": 1000, "n_real": v, "seed": k,
                             "error": 3 * (v + 150) ** -0.5 + 0.02 + 0.001 * (k - 1)} for v in n[:4] for k in range(3)])
    table = effective_data(real, treated, by=["source", "n_synthetic"], n_boot=50)
    fig = effective_figure(table, by=["source", "n_synthetic"])
    ax = fig.axes[0]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(ticks) >= 3 and "0" in ticks
    assert not any("10^" in t or "$" in t for t in ticks)
    assert all(t == "0" or t[0] in "+-" for t in ticks)  # signed real samples
    labels = legend_labels(fig)
    assert "source = a, n_synthetic = 1,000" in labels and "no transfer (D_T = 0)" in labels


def test_groups_never_share_a_colour_however_many_there_are():
    from synreal.report.scaling_figures import GAP_COLOURS, SERIES_COLOURS, colours

    assert not set(SERIES_COLOURS) & set(GAP_COLOURS)
    for n in (1, 4, 6, 7, 12):
        assert len(set(colours(n, SERIES_COLOURS))) == n
    n = np.array([100, 200, 400, 800.0])
    real = pd.DataFrame([{"n_real": v, "seed": k, "error": 3 * v**-0.5 + 0.02} for v in n for k in range(2)])
    treated = pd.DataFrame([{"n_synthetic": m, "n_real": v, "seed": k, "error": 3 * (v + m / 100) ** -0.5 + 0.02}
                            for m in range(1000, 9000, 1000) for v in n[:3] for k in range(2)])
    fig = effective_figure(effective_data(real, treated, by=["n_synthetic"], n_boot=0), by=["n_synthetic"])
    series = [to_hex(line.get_color()) for line in fig.axes[0].get_lines() if line.get_marker() == "o"]
    assert len(series) == 8 and len(set(series)) == 8
