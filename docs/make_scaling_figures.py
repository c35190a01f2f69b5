"""Draw the figures of docs/scaling.md into docs/img/scaling/.

    .venv/bin/python docs/make_scaling_figures.py

The Mikami et al. figures need ../shared/data/cg-transfer (skipped with a note when absent);
the others come from examples/scaling/pretrain_runs.csv and a small simulated study.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from synreal.analysis.equivalency import effective_data
from synreal.analysis.scaling import fit_scaling_law
from synreal.report.scaling_figures import plain_log_axis, plot_effective_data, plot_scaling

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "img" / "scaling"
CG = REPO.parent / "shared" / "data" / "cg-transfer" / "results_finetune.csv"
EXAMPLE = REPO / "examples" / "scaling" / "pretrain_runs.csv"
PTASKS = ["objdet", "semseg", "mulclass", "normal"]  # the column order of the authors' notebook
FTASKS = [("objdet", "coco"), ("semseg", "ade20k"), ("sinclass", "imagenet")]


def figure1_points() -> pd.DataFrame:
    """Last evaluation of every r50 / 64k / 1% / full-renderer setting with pre-training."""
    d = pd.read_csv(CG)
    d = d[(d["model"] == "r50") & (d["pscale"] == "64k") & (d["fratio"] == 1) & (d["pdata"] == "bop")
          & (d["pretrain.data"] > 0)]
    return d.loc[d.groupby(["ptask", "ftask", "fdata", "pretrain.data"])["n_eval"].idxmax()]


def mikami_figure1() -> None:
    """The 12 panels of Figure 1 with synreal's fit of the released procedure (D pinned at 0.48)."""
    last = figure1_points()
    fig = Figure(figsize=(11, 7), dpi=110)
    axes = fig.subplots(3, 4, squeeze=False)
    grid = np.geomspace(1e3, 6.4e4, 100)
    for i, (ftask, fdata) in enumerate(FTASKS):
        for j, ptask in enumerate(PTASKS):
            ax = axes[i][j]
            g = last[(last["ptask"] == ptask) & (last["ftask"] == ftask)]
            fit = fit_scaling_law(g, n="pretrain.data", metric="value", higher_is_better=True, pin={"D": 0.48},
                                  bounds={"alpha": (0.1, 1.5), "C": (0, 1)}, n_boot=300)
            ax.plot(g["pretrain.data"], 1 - g["value"], "o", ms=3.5, color="k")
            pred = fit.predict(grid, interval="mean")
            ax.plot(grid, pred["error"], "--", color="#1f77b4" if not fit.ill_conditioned else "#d62728", lw=1.2)
            ax.set_xscale("log")
            ax.set_yscale("log")
            flag = "  (not identified)" if fit.ill_conditioned else ""
            ax.set_title(f"pre {ptask} -> {ftask}/{fdata}", fontsize=8)
            ax.text(0.97, 0.95, f"alpha={fit.params['alpha']:.3f}\nC={fit.params['C']:.4f}{flag}",
                    transform=ax.transAxes, ha="right", va="top", fontsize=7)
            ax.tick_params(labelsize=6, which="both")
            plain_log_axis(ax.yaxis, minor=True)
            plain_log_axis(ax.xaxis, minor=False)
            if i == 2:
                ax.set_xlabel("# of pretrain images", fontsize=7)
            if j == 0:
                ax.set_ylabel("test error", fontsize=7)
    fig.suptitle("Mikami et al. 2022, Figure 1 reproduced: r50, 64k pool, 1% fine-tuning data; "
                 "L(n) = 0.48 n^-alpha + C (red: flagged as ill-conditioned)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(OUT / "mikami_figure1.png")


def mikami_imagenet_panel() -> None:
    """The multi-class -> ImageNet panel as ``synreal fit`` draws it."""
    last = figure1_points()
    g = last[(last["ptask"] == "mulclass") & (last["ftask"] == "sinclass")]
    fit = fit_scaling_law(g, n="pretrain.data", metric="value", higher_is_better=True, pin={"D": 0.48},
                          bounds={"alpha": (0.1, 1.5), "C": (0, 1)})
    plot_scaling(fit, OUT / "mikami_mulclass_imagenet.png",
                 title="Mikami Fig. 1, multi-class pre-training -> ImageNet (1%)")


def examples() -> None:
    """The single and joint fits of examples/scaling/pretrain_runs.csv."""
    t = pd.read_csv(EXAMPLE)
    single = fit_scaling_law(t[t["n_real"] == 575], n="n_synthetic", metric="accuracy", higher_is_better=True,
                             seed="seed")
    plot_scaling(single, OUT / "example_single.png", title="examples/scaling: L(n) at 575 real samples")
    joint = fit_scaling_law(t, n="n_synthetic", metric="accuracy", higher_is_better=True, seed="seed", s="n_real")
    plot_scaling(joint, OUT / "example_joint.png", title="examples/scaling: joint L(n, s) over s = 144, 575")


def effective() -> None:
    """Effective data of a simulated study: pre-training worth 150 / 400 real samples, plus one beyond the curve."""
    rng = np.random.default_rng(0)
    sizes = [144, 287, 575, 862, 1150]

    def curve(n):
        return 3 * np.asarray(n, dtype=float) ** -0.5 + 0.02

    real = pd.DataFrame([{"n_real": n, "seed": k, "error": curve(n) + rng.normal(0, 0.003)}
                         for n in sizes for k in range(5)])
    rows = []
    for src, worth in (("render-digits", {1000: 150, 5000: 400}), ("noisy-npz", {1000: 40, 5000: 60})):
        for m, extra in worth.items():
            for n in sizes:
                for k in range(5):
                    rows.append({"source": src, "n_synthetic": m, "n_real": n, "seed": k,
                                 "error": curve(n + extra) + rng.normal(0, 0.003)})
    table = effective_data(real, pd.DataFrame(rows), by=["source", "n_synthetic"], n_boot=1000)
    plot_effective_data(table, OUT / "effective_data.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    examples()
    effective()
    if CG.is_file():
        mikami_figure1()
        mikami_imagenet_panel()
    else:
        print(f"skipped the Mikami figures: {CG} is not present")
    for p in sorted(OUT.glob("*.png")):
        print(p.relative_to(REPO))


if __name__ == "__main__":
    main()
