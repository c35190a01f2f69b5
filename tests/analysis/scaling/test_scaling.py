"""Scaling-law fits: recovery, interval coverage, ill-conditioning, verdicts, bad input, Mikami's Figure 1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from synreal.analysis import bootstrap as bs
from synreal.analysis import scaling as sc
from synreal.analysis.scaling import fit_curve_batch, fit_scaling_law, make_law, prepare_runs
from synreal.errors import UserInputError
from synreal.report.scaling_figures import plot_scaling
from synreal.report.section_scaling import scaling_section
from synreal.report.sections import ReportContext

SIZES = np.array([1e3, 2e3, 4e3, 8e3, 16e3, 32e3, 64e3])
CG = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "cg-transfer" / "results_finetune.csv"


def law(n, D, alpha, C):
    return D * n ** (-alpha) + C


def simulate(rng, *, D=2.0, alpha=0.4, C=0.05, seeds=3, noise=0.002, seed_effect=0.0, sizes=SIZES):
    """Runs from the single law: iid noise per run plus an optional shift shared by a seed's runs."""
    n = np.repeat(sizes, seeds)
    seed = np.tile(np.arange(seeds), len(sizes))
    shift = rng.normal(0, seed_effect, seeds)[seed] if seed_effect else 0.0
    return pd.DataFrame({"n": n, "seed": seed, "error": law(n, D, alpha, C) + shift + rng.normal(0, noise, n.size)})


# --------------------------------------------------------------------------- recovery


def test_recovers_single_law_parameters_from_noisy_runs():
    rng = np.random.default_rng(1)
    fit = fit_scaling_law(simulate(rng, noise=0.0005), seed="seed", n_boot=200)
    assert fit.params["alpha"] == pytest.approx(0.4, abs=0.02)
    assert fit.params["C"] == pytest.approx(0.05, abs=0.002)
    assert fit.params["D"] == pytest.approx(2.0, rel=0.15)
    assert not fit.ill_conditioned
    for p, (lo, hi) in fit.intervals.items():
        assert lo < fit.params[p] < hi


def test_recovers_joint_law_parameters():
    rng = np.random.default_rng(2)
    delta, gamma, alpha, beta = 3.0, 0.02, 0.5, 0.3
    rows = [{"n": n, "s": s, "seed": k,
             "error": delta * (gamma + n**-alpha) * s**-beta * np.exp(rng.normal(0, 0.01))}
            for s in (1e3, 4e3, 16e3) for n in SIZES for k in range(3)]
    fit = fit_scaling_law(pd.DataFrame(rows), s="s", seed="seed", n_boot=100, space="log")
    assert fit.law == "joint"
    assert fit.params["alpha"] == pytest.approx(alpha, abs=0.03)
    assert fit.params["beta"] == pytest.approx(beta, abs=0.01)
    assert fit.params["gamma"] == pytest.approx(gamma, rel=0.15)
    # At a fixed s the joint law is the single law with D = delta s^-beta and C = delta gamma s^-beta.
    pred = fit.predict([1e5], s=4e3, interval="mean")
    truth = delta * (gamma + 1e5**-alpha) * 4e3**-beta
    assert pred["error"][0] == pytest.approx(truth, rel=0.03)
    with pytest.raises(UserInputError):
        fit.predict([1e5])  # the joint law needs s


def test_batch_fits_of_resamples_are_least_squares_optima():
    """The vectorised engine that fits bootstrap resamples agrees with scipy's least squares."""
    rng = np.random.default_rng(3)
    data = prepare_runs(simulate(rng, noise=0.004), seed="seed")
    law_ = make_law("single", data.y)
    mult = bs.seed_multiplicities(3, 12, rng).astype(float)
    batch = fit_curve_batch(law_, data, mult[:, data.seed], space="linear")
    assert batch.fitted.all()  # every resample of 3 seeds still spans all 7 sizes
    P, W = batch.params, batch.weights
    Z = (mult[:, data.seed] * data.y) @ data.indicator() / W  # weighted mean error per size
    for b in range(12):
        keep = W[b] > 0
        best = None
        for a0 in (0.1, 0.4, 1.0, 2.0):  # independent multi-start curve_fit on the weighted means
            try:
                popt, _ = optimize.curve_fit(law, data.pts.n[keep], Z[b, keep], p0=[1.0, a0, 0.01],
                                             sigma=1 / np.sqrt(W[b, keep]), bounds=([0, 0.01, 0], [1e6, 3, 1]),
                                             maxfev=20000)
            except RuntimeError:
                continue
            cost = np.sum(W[b, keep] * (Z[b, keep] - law(data.pts.n[keep], *popt)) ** 2)
            best = (cost, popt) if best is None or cost < best[0] else best
        ours = np.sum(W[b] * (Z[b] - law(data.pts.n, *P[b])) ** 2)
        assert ours <= best[0] * (1 + 1e-6) + 1e-15


def test_pinned_parameter_stays_fixed_and_the_rest_matches_curve_fit():
    rng = np.random.default_rng(4)
    t = simulate(rng, seeds=1, noise=0.002).drop(columns="seed")
    fit = fit_scaling_law(t, pin={"D": 0.48}, bounds={"alpha": (0.1, 1.5), "C": (0, 1)}, n_boot=100)
    assert fit.params["D"] == 0.48 and fit.intervals["D"] == (0.48, 0.48) and fit.pinned == {"D": 0.48}
    popt, _ = optimize.curve_fit(lambda n, a, c: 0.48 * n**-a + c, t["n"], t["error"], p0=[0.3, 0.05],
                                 bounds=([0.1, 0], [1.5, 1]))
    assert fit.params["alpha"] == pytest.approx(popt[0], rel=1e-5)
    assert fit.params["C"] == pytest.approx(popt[1], rel=1e-5)


# --------------------------------------------------------------------------- coverage


def test_nominal_90_percent_intervals_cover_the_truth_about_90_percent_of_the_time():
    """Seven sizes x three seeds with a shared seed effect: the project's default design."""
    rng = np.random.default_rng(2024)
    truth = {"D": 2.0, "alpha": 0.4, "C": 0.05}
    reps = 100
    hits = {p: 0 for p in truth}
    for r in range(reps):
        t = simulate(rng, noise=0.003, seed_effect=0.003)
        fit = fit_scaling_law(t, seed="seed", n_boot=200, level=0.9, random_state=r)
        for p, v in truth.items():
            lo, hi = fit.intervals[p]
            hits[p] += lo <= v <= hi
    coverage = {p: h / reps for p, h in hits.items()}
    # Binomial SE at 0.9 with 100 draws is 0.03: allow about 3 SE below and 2 above per parameter.
    for p, c in coverage.items():
        assert 0.80 <= c <= 0.97, coverage
    assert 0.84 <= np.mean(list(coverage.values())) <= 0.96, coverage


def test_small_sample_widening_is_the_t_to_normal_ratio():
    assert bs.small_sample_factor(10_000, 0.9) == pytest.approx(1.0, abs=1e-3)
    assert bs.small_sample_factor(2, 0.9) == pytest.approx(2.919986 / 1.644854, rel=1e-5)
    assert bs.small_sample_factor(0, 0.9) == np.inf


# --------------------------------------------------------------------------- identifiability


def test_three_sizes_with_one_run_each_leave_nothing_to_estimate_noise_from():
    t = pd.DataFrame({"n": [1e3, 4e3, 16e3], "error": [0.2, 0.15, 0.13]})
    fit = fit_scaling_law(t, n_boot=100)
    assert fit.ill_conditioned and fit.df == 0
    assert all(np.isnan(v[0]) for v in fit.intervals.values())
    assert "no degrees of freedom" in " ".join(fit.diagnostics)
    assert fit.verdict_kind != "more-data-pays"


def test_narrow_noisy_range_is_flagged_with_suggestions():
    rng = np.random.default_rng(5)
    t = simulate(rng, sizes=np.array([500.0, 1000, 2000, 4000]), noise=0.006)
    fit = fit_scaling_law(t, seed="seed", n_boot=200)
    assert fit.ill_conditioned
    assert fit.verdict_kind in ("not-identifiable", "gap-dominates")
    assert not all(fit.identified[p] for p in ("D", "alpha", "C"))
    text = " ".join(fit.suggestions)
    assert "joint law" in text and "Pin D" in text and "more sizes" in text
    # What cannot be identified is not printed as a number in the figure's parameter box.
    from synreal.report.scaling_figures import _param_lines
    assert any("not identified" in line for line in _param_lines(fit))


def test_well_conditioned_fit_is_not_flagged():
    rng = np.random.default_rng(6)
    fit = fit_scaling_law(simulate(rng, noise=0.001, seeds=5), seed="seed", n_boot=200)
    assert not fit.ill_conditioned and fit.suggestions == []
    assert all(fit.identified.values())


def test_flat_data_say_more_data_bought_nothing():
    rng = np.random.default_rng(7)
    t = simulate(rng, D=0.0, C=0.3, noise=0.004)
    # Remove any chance trend from the noise so that the data are flat in log n by construction.
    x = np.log2(t["n"]) - np.log2(t["n"]).mean()
    t["error"] -= x * np.dot(x, t["error"]) / np.dot(x, x)
    fit = fit_scaling_law(t, seed="seed", n_boot=200)
    assert fit.ill_conditioned
    assert fit.verdict_kind == "gap-dominates"
    assert "does not fall measurably" in fit.verdict and "change the synthesis" in fit.verdict


def test_a_law_that_does_not_fit_is_flagged_by_lack_of_fit():
    rng = np.random.default_rng(13)
    # The error falls, then rises again at the largest sizes: no D n^-alpha + C does that.
    t = simulate(rng, noise=0.001)
    t.loc[t["n"] >= 32e3, "error"] += 0.03
    fit = fit_scaling_law(t, seed="seed", n_boot=100)
    assert fit.ill_conditioned and "does not fit" in fit.diagnostics[0]
    assert fit.verdict.startswith("The scaling law does not describe these runs")


def test_joint_law_with_the_wrong_fine_tuning_dependence_is_flagged():
    rng = np.random.default_rng(14)
    # Each fine-tuning size gets its own gap, unrelated to a power of s.
    gaps = {1e3: 0.05, 4e3: 0.2, 16e3: 0.01}
    rows = [{"n": n, "s": s, "error": 0.5 * n**-0.4 + gaps[s] + rng.normal(0, 0.0005)} for s in gaps for n in SIZES]
    fit = fit_scaling_law(pd.DataFrame(rows), s="s", n_boot=100)
    assert fit.ill_conditioned and fit.diagnostics[0].startswith("The joint law does not fit")
    assert "separately" in fit.suggestions[0]


# --------------------------------------------------------------------------- predictions and verdict


def test_more_data_pays_when_the_gap_is_small_and_gains_follow_the_law():
    rng = np.random.default_rng(8)
    fit = fit_scaling_law(simulate(rng, C=0.005, noise=0.0005), seed="seed", n_boot=200)
    assert fit.verdict_kind == "more-data-pays"
    g, lo, hi = fit.gain(2)
    P = fit.params
    expected = law(64e3, P["D"], P["alpha"], P["C"]) - law(128e3, P["D"], P["alpha"], P["C"])
    assert g == pytest.approx(expected, rel=1e-9)
    assert lo < g < hi
    assert "2x more synthetic data (128,000)" in fit.verdict and "10x (640,000)" in fit.verdict
    pred = fit.predict([128e3, 640e3])
    assert list(pred.columns) == ["n", "error", "lo", "hi"]
    assert (pred["lo"] < pred["error"]).all() and (pred["error"] < pred["hi"]).all()
    mean = fit.predict([128e3, 640e3], interval="mean")
    assert ((pred["hi"] - pred["lo"]) > (mean["hi"] - mean["lo"])).all()  # new runs add their own noise


def test_gap_dominates_when_the_gap_is_large():
    rng = np.random.default_rng(9)
    fit = fit_scaling_law(simulate(rng, C=0.2, noise=0.0005), seed="seed", n_boot=200)
    assert fit.verdict_kind == "gap-dominates" and "change the synthesis" in fit.verdict


def test_to_dict_is_json_with_parameters_intervals_diagnostics_and_verdict():
    rng = np.random.default_rng(10)
    d = fit_scaling_law(simulate(rng), seed="seed", n_boot=50).to_dict()
    back = json.loads(json.dumps(d))
    assert set(back["params"]) == {"D", "alpha", "C"}
    assert {"estimate", "lo", "hi", "pinned", "identified"} <= set(back["params"]["alpha"])
    assert back["verdict_kind"] in sc.VERDICT_KINDS and back["procedure"]["space"] == "linear"
    assert set(back["gains"]) == {"2x", "10x"}


def test_plot_scaling_writes_a_png(tmp_path):
    rng = np.random.default_rng(11)
    fit = fit_scaling_law(simulate(rng), seed="seed", n_boot=50)
    path = plot_scaling(fit, tmp_path / "f.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("table", "kwargs", "words"),
    [
        (pd.DataFrame({"n": [1, 2], "error": [0.5, 0.4]}), {}, "at least 3 distinct sizes"),
        (pd.DataFrame({"n": [1, 2, 0], "error": [0.5, 0.4, 0.3]}), {}, "must be positive"),
        (pd.DataFrame({"n": [1, 2, 4], "error": [0.5, np.nan, 0.3]}), {}, "missing value"),
        (pd.DataFrame({"n": [1, 2, 4], "err": [0.5, 0.4, 0.3]}), {}, "no column 'error'"),
        (pd.DataFrame({"n": [1, 2, 4], "acc": [50, 60, 70]}), {"metric": "acc", "higher_is_better": True}, "[0, 1]"),
        (pd.DataFrame({"n": [1, 2, 4], "acc": [.5, .6, .7]}), {"metric": "acc"}, "higher-is-better"),
        (pd.DataFrame({"n": [1, 1, 2, 4], "error": [.5, .5, .4, .3]}), {}, "one run per size"),
        (pd.DataFrame({"n": [1, 2, 4], "error": [.5, .4, .3]}), {"pin": {"d": 1}}, "unknown parameter 'd'"),
        (pd.DataFrame({"n": [1, 2, 4], "error": [.5, .4, .3]}), {"bounds": {"alpha": (1, 0.5)}}, "low < high"),
        (pd.DataFrame({"n": [1, 2, 4], "error": [.5, .4, 0]}), {"space": "log"}, "positive errors"),
        (pd.DataFrame({"n": [1, 2, 4], "s": [9, 9, 9], "error": [.5, .4, .3]}), {"s": "s"}, "at least 2 distinct"),
        (pd.DataFrame({"n": [1, 2, 4], "error": [.5, .4, .3]}), {"space": "cubic"}, "space must be"),
    ],
)
def test_bad_tables_raise_user_input_errors_naming_what_is_wrong(table, kwargs, words):
    with pytest.raises(UserInputError) as err:
        fit_scaling_law(table, n_boot=0, source="runs.csv", **kwargs)
    assert words in err.value.message
    assert err.value.message.startswith("runs.csv")


def test_errors_name_the_csv_line():
    t = pd.DataFrame({"n": [1000, 2000, 4000, 8000], "error": [0.5, 0.4, "oops", 0.3]})
    with pytest.raises(UserInputError) as err:
        fit_scaling_law(t, source="runs.csv")
    assert err.value.line == 4 and err.value.key == "error"


# --------------------------------------------------------------------------- report section


def test_scaling_section_on_a_simulated_tidy_table(tmp_path):
    rng = np.random.default_rng(12)
    rows = []
    for f, n_real in ((0.5, 700), (1.0, 1400)):
        for k in range(3):
            rows.append({"condition": "real", "source": "none", "n_synthetic": 0, "real_fraction": f,
                         "n_real": n_real, "seed": k, "metric": "accuracy", "value": 0.8})
            for n_syn in (1000, 2000, 4000, 8000, 16000, 32000):
                err = (2.0 * n_syn**-0.4 + 0.01) * (n_real / 700) ** -0.3
                rows.append({"condition": "pretrain", "source": "render-digits", "n_synthetic": n_syn,
                             "real_fraction": f, "n_real": n_real, "seed": k, "metric": "accuracy",
                             "value": 1 - err + rng.normal(0, 0.0005)})
    results = pd.DataFrame(rows)
    ctx = ReportContext(results=results, meta={"metric": "accuracy", "higher_is_better": True, "n_boot": 100},
                        figures_dir=tmp_path)
    sec = scaling_section(ctx)
    assert sec is not None and sec.key == "scaling"
    assert len(sec.headlines) == 1 and sec.headlines[0].startswith("More synthetic data from render-digits pays")
    assert "95% interval" in sec.headlines[0]
    assert all(p.is_file() for p in sec.figures) and len(sec.figures) == 3  # two fractions and the joint fit
    assert "joint" in sec.summary["render-digits"]["fits"]
    json.dumps(sec.summary)
    # Fewer than 3 synthetic sizes at every fraction: nothing to fit.
    few = results[results["n_synthetic"].isin([0, 1000, 2000])]
    assert scaling_section(ReportContext(results=few, meta=ctx.meta, figures_dir=tmp_path)) is None


# --------------------------------------------------------------------------- Mikami et al. 2022, Figure 1


def _figure1_panels() -> pd.DataFrame:
    """The points of Figure 1: r50, 64k pool, 1% fine-tuning data, full renderer, last evaluation."""
    if not CG.is_file():
        pytest.skip("../shared/data/cg-transfer is not present")
    d = pd.read_csv(CG)
    d = d[(d["model"] == "r50") & (d["pscale"] == "64k") & (d["fratio"] == 1) & (d["pdata"] == "bop")
          & (d["pretrain.data"] > 0)]
    keys = ["ptask", "fdata", "ftask", "pretrain.data"]
    return d.loc[d.groupby(keys)["n_eval"].idxmax()]


def test_reproduces_mikami_figure1_released_fit():
    last = _figure1_panels()
    panels = list(last.groupby(["ptask", "ftask"]))
    assert len(panels) == 12  # 4 pre-training tasks x 3 fine-tuning tasks
    for (ptask, ftask), g in panels:
        assert sorted(g["pretrain.data"]) == [1000, 2000, 4000, 8000, 16000, 32000, 64000]
        fit = fit_scaling_law(g, n="pretrain.data", metric="value", higher_is_better=True, pin={"D": 0.48},
                              bounds={"alpha": (0.1, 1.5), "C": (0, 1)}, space="linear", n_boot=0)
        x, y = g["pretrain.data"].to_numpy(float), 1 - g["value"].to_numpy(float)
        best = None
        for a0, c0 in ((0.2, 0.8), (0.5, 0.9), (1.2, 0.95)):  # the authors' start and two more
            popt, _ = optimize.curve_fit(lambda n, a, c: c + 0.48 * n**-a, x, y, p0=[a0, c0],
                                         bounds=([0.1, 0], [1.5, 1]))
            cost = np.sum((y - (popt[1] + 0.48 * x ** -popt[0])) ** 2)
            best = (cost, popt) if best is None or cost < best[0] else best
        assert fit.params["alpha"] == pytest.approx(best[1][0], rel=1e-4, abs=1e-6), (ptask, ftask)
        assert fit.params["C"] == pytest.approx(best[1][1], rel=1e-6), (ptask, ftask)
    # The ImageNet panel pre-trained on multi-class classification, as printed in docs/scaling.md.
    g = last[(last["ptask"] == "mulclass") & (last["ftask"] == "sinclass")]
    fit = fit_scaling_law(g, n="pretrain.data", metric="value", higher_is_better=True, pin={"D": 0.48},
                          bounds={"alpha": (0.1, 1.5), "C": (0, 1)}, n_boot=300)
    assert fit.params["alpha"] == pytest.approx(0.2272, abs=1e-4)
    assert fit.params["C"] == pytest.approx(0.7999, abs=1e-4)
    assert fit.verdict_kind == "gap-dominates" and not fit.ill_conditioned
