"""Effective data (Hernandez et al.): learning-curve inversion, identifiability, intervals, report section."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synreal.analysis.equivalency import NOT_IDENTIFIABLE, effective_data, fit_learning_curve
from synreal.errors import UserInputError
from synreal.report.scaling_figures import plot_effective_data
from synreal.report.section_scaling import equivalency_section
from synreal.report.sections import ReportContext

A, B, C = 3.0, 0.5, 0.02
SIZES = [100, 200, 400, 800, 1600]


def curve(n):
    return A * np.asarray(n, dtype=float) ** -B + C


def real_runs(rng=None, noise=0.0, seeds=(0, 1, 2)):
    rows = [{"n_real": n, "seed": k, "error": curve(n) + (rng.normal(0, noise) if rng else 0.0)}
            for n in SIZES for k in seeds]
    return pd.DataFrame(rows)


def treated_runs(n_eff_by_group, seeds=(0, 1, 2), rng=None, noise=0.0):
    """Pretrained runs whose error equals the real curve at a chosen effective size."""
    rows = []
    for (n_syn, n_real), n_eff in n_eff_by_group.items():
        for k in seeds:
            rows.append({"source": "render", "n_synthetic": n_syn, "n_real": n_real, "seed": k,
                         "error": curve(n_eff) + (rng.normal(0, noise) if rng else 0.0)})
    return pd.DataFrame(rows)


def test_learning_curve_recovers_parameters_and_inverts():
    n = np.repeat(SIZES, 2)
    lc = fit_learning_curve(n, curve(n))
    assert (lc.a, lc.b, lc.c) == pytest.approx((A, B, C), rel=1e-5)
    assert lc.invert(curve(333.0)) == pytest.approx(333.0, rel=1e-5)
    assert np.isinf(lc.invert(C / 2))  # below the asymptote no real size reaches that error
    assert lc.n_range == (100, 1600)
    assert lc.inside(curve(500)) and not lc.inside(curve(3200)) and not lc.inside(curve(50))


def test_effective_data_transferred_and_exchange_rate_are_recovered():
    treated = treated_runs({(5000, 100): 400.0, (5000, 200): 500.0, (1000, 100): 150.0})
    out = effective_data(real_runs(), treated, by=["source", "n_synthetic"], n_boot=200)
    row = out[(out.n_synthetic == 5000) & (out.n_real == 100)].iloc[0]
    assert row.n_eff == pytest.approx(400, rel=1e-4)
    assert row.d_t == pytest.approx(300, rel=1e-3)
    assert row.exchange_rate == pytest.approx(5000 / 300, rel=1e-3)
    assert row.identifiable and row.note == ""
    # Noise-free runs: every resample agrees, so the interval closes on the value.
    assert row.n_eff_lo == pytest.approx(400, rel=1e-3) and row.n_eff_hi == pytest.approx(400, rel=1e-3)
    assert list(out.columns[:3]) == ["source", "n_synthetic", "n_real"]
    for col in ("error_mean", "n_eff", "n_eff_lo", "n_eff_hi", "d_t", "d_t_lo", "d_t_hi", "exchange_rate",
                "exchange_rate_lo", "exchange_rate_hi", "identifiable", "note"):
        assert col in out.columns


def test_outside_the_measured_real_curve_is_not_identifiable():
    treated = treated_runs({(5000, 100): 5000.0, (5000, 200): 50.0})
    out = effective_data(real_runs(), treated, by=["n_synthetic"], n_boot=0)
    assert not out["identifiable"].any()
    assert (out["note"] == NOT_IDENTIFIABLE).all()
    assert out["n_eff"].isna().all() and out["d_t"].isna().all() and out["exchange_rate"].isna().all()
    assert out.set_index("n_real")["beyond"].to_dict() == {100: "above", 200: "below"}


def test_harmful_pretraining_gives_negative_transfer_and_no_exchange_rate():
    treated = treated_runs({(5000, 800): 600.0})
    out = effective_data(real_runs(), treated, by=["n_synthetic"], n_boot=0)
    assert out.d_t[0] == pytest.approx(-200, rel=1e-3)
    assert np.isnan(out.exchange_rate[0])


def test_noisy_intervals_bracket_the_estimate_and_widen_with_noise():
    rng = np.random.default_rng(0)
    seeds = tuple(range(5))
    real = real_runs(rng, noise=0.004, seeds=seeds)
    widths = []
    for noise in (0.002, 0.01):
        treated = treated_runs({(5000, 100): 400.0}, seeds=seeds, rng=np.random.default_rng(1), noise=noise)
        out = effective_data(real, treated, by=["n_synthetic"], n_boot=300, level=0.9)
        r = out.iloc[0]
        assert r.n_eff_lo < r.n_eff < r.n_eff_hi
        assert r.d_t_lo == pytest.approx(r.n_eff_lo - 100) and r.d_t_hi == pytest.approx(r.n_eff_hi - 100)
        assert r.exchange_rate_lo < r.exchange_rate < r.exchange_rate_hi
        widths.append(r.n_eff_hi - r.n_eff_lo)
    assert widths[1] > widths[0]


def test_one_seed_gives_no_interval():
    out = effective_data(real_runs(seeds=(0,)), treated_runs({(5000, 100): 400.0}, seeds=(0,)),
                         by=["n_synthetic"], n_boot=100)
    assert out.n_eff[0] == pytest.approx(400, rel=1e-4)
    assert np.isnan(out.n_eff_lo[0]) and np.isnan(out.n_eff_hi[0])


@pytest.mark.parametrize(
    ("real", "treated", "words"),
    [
        (real_runs().drop(columns="seed"), treated_runs({(1, 100): 400.0}), "no column 'seed'"),
        (real_runs(), treated_runs({(1, 100): 400.0}).drop(columns="error"), "no column 'error'"),
        (real_runs()[real_runs().n_real <= 200], treated_runs({(1, 100): 400.0}), "at least 3 distinct sizes"),
    ],
)
def test_bad_tables_raise_user_input_errors(real, treated, words):
    with pytest.raises(UserInputError) as err:
        effective_data(real, treated, by=["n_synthetic"], n_boot=0)
    assert words in err.value.message


def test_equivalency_section_and_figure_on_a_simulated_tidy_table(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for f in (0.1, 0.25, 0.5, 1.0):
        n_real = int(round(1600 * f))
        for k in range(3):
            rows.append({"condition": "real", "source": "none", "n_synthetic": 0, "real_fraction": f,
                         "n_real": n_real, "seed": k, "metric": "accuracy",
                         "value": 1 - curve(n_real) + rng.normal(0, 0.002)})
            for n_syn in (1000, 4000):
                n_eff = n_real + {1000: 150, 4000: 300}[n_syn]  # pre-training is worth a fixed number of real samples
                rows.append({"condition": "pretrain", "source": "render-digits", "n_synthetic": n_syn,
                             "real_fraction": f, "n_real": n_real, "seed": k, "metric": "accuracy",
                             "value": 1 - curve(n_eff) + rng.normal(0, 0.002)})
    ctx = ReportContext(results=pd.DataFrame(rows), meta={"metric": "accuracy", "higher_is_better": True,
                                                          "n_boot": 100}, figures_dir=tmp_path)
    sec = equivalency_section(ctx)
    assert sec is not None and sec.key == "equivalency"
    assert sec.headlines[0].startswith("Pretraining on 4,000 render-digits images is worth")
    assert "95% interval" in sec.headlines[0]
    assert sec.figures[0].is_file()
    json.dumps(sec.summary)
    rows_ = sec.summary["rows"]
    top = [r for r in rows_ if r["n_synthetic"] == 4000 and r["n_real"] == 160][0]
    assert top["d_t"] == pytest.approx(300, rel=0.25)
    no_real = ctx.results[ctx.results.condition != "real"]
    assert equivalency_section(ReportContext(results=no_real, meta=ctx.meta, figures_dir=tmp_path)) is None


def test_plot_effective_data_marks_unidentifiable_points(tmp_path):
    treated = treated_runs({(5000, 100): 400.0, (5000, 1600): 5000.0})
    out = effective_data(real_runs(), treated, by=["source", "n_synthetic"], n_boot=50)
    path = plot_effective_data(out, tmp_path / "eff.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


# --------------------------------------------------------------------------- what may be said


def test_transfer_verdict_claims_worth_only_when_the_interval_lies_above_zero():
    from synreal.analysis.equivalency import Transfer, transfer_verdict

    nan = float("nan")
    assert transfer_verdict(300, 1, 600) is Transfer.WORTH
    assert transfer_verdict(300, 0, 600) is Transfer.CANNOT_TELL  # touching 0 is not excluding it
    assert transfer_verdict(300, -50, np.inf) is Transfer.CANNOT_TELL
    assert transfer_verdict(-200, -400, -1) is Transfer.COSTS
    assert transfer_verdict(300, nan, nan) is Transfer.NO_INTERVAL
    assert transfer_verdict(nan, nan, nan) is Transfer.NOT_IDENTIFIABLE


def test_beyond_verdict_says_match_or_beat_only_when_worse_is_excluded():
    from synreal.analysis.equivalency import Beyond, beyond_verdict

    assert beyond_verdict(-0.02, -0.03, 0.0) is Beyond.MATCH_OR_BEAT  # no positive difference in the interval
    assert beyond_verdict(-0.02, -0.05, 0.001) is Beyond.CANNOT_TELL
    assert beyond_verdict(0.03, 0.01, 0.05) is Beyond.WORSE
    assert beyond_verdict(-0.02, float("nan"), float("nan")) is Beyond.NO_INTERVAL


def _tidy(worth: dict[int, float], *, noise: float, seeds: int = 5, rng_seed: int = 0) -> pd.DataFrame:
    """Real runs on ``curve`` and pretrained runs that match the real curve at ``n_real + worth[n_syn]``."""
    rng = np.random.default_rng(rng_seed)
    rows = []
    for n_real in SIZES:
        for k in range(seeds):
            rows.append({"condition": "real", "source": "none", "n_synthetic": 0, "n_real": n_real, "seed": k,
                         "metric": "accuracy", "value": 1 - curve(n_real) - rng.normal(0, noise)})
            for n_syn, extra in worth.items():
                rows.append({"condition": "pretrain", "source": "render", "n_synthetic": n_syn, "n_real": n_real,
                             "seed": k, "metric": "accuracy",
                             "value": 1 - curve(n_real + extra) - rng.normal(0, noise)})
    out = pd.DataFrame(rows)
    out["real_fraction"] = out["n_real"] / max(SIZES)  # the tidy table's fraction of the real training split
    return out


@pytest.mark.parametrize(
    ("worth", "noise", "kind", "words", "not_words"),
    [
        (300.0, 0.001, "worth", "is worth", "cannot be told apart"),
        (0.0, 0.004, "cannot-tell", "cannot be told apart from no transfer", "is worth"),
        (-60.0, 0.0005, "costs", "costs the equivalent of", "is worth"),
    ],
)
def test_equivalency_sentences_claim_only_what_the_interval_supports(tmp_path, worth, noise, kind, words, not_words):
    from synreal.analysis.equivalency import equivalency_analysis
    from synreal.analysis.scaling import StudySettings

    results = _tidy({5000: worth}, noise=noise)
    ana = equivalency_analysis(results, StudySettings(n_boot=300))
    (a,) = ana.sources
    # The headline row: the largest synthetic size at its smallest real size inside the measured real curve.
    t = ana.table
    assert a.n_synthetic == 5000 and a.n_real == t.loc[t["identifiable"] & (t["n_synthetic"] == 5000), "n_real"].min()
    assert a.transfer.value == kind
    d, lo, hi = a.d_t
    assert {"worth": lo > 0, "cannot-tell": lo <= 0 <= hi, "costs": hi < 0}[kind]
    assert (a.exchange_rate is not None) == (kind == "worth")
    sec = equivalency_section(ReportContext(results=results, meta={"metric": "accuracy", "n_boot": 300},
                                            figures_dir=tmp_path))
    assert words in sec.headlines[0] and not_words not in sec.headlines[0]
    assert "95% interval" in sec.headlines[0]


def test_beyond_the_curve_a_clear_gain_is_match_or_beat_and_a_marginal_one_cannot_be_told_apart(tmp_path):
    from synreal.analysis.equivalency import Beyond, equivalency_analysis
    from synreal.analysis.scaling import StudySettings

    # At 1,600 real, pre-training worth 3,000 more real samples: beyond the largest real size measured.
    clear = _tidy({5000: 3000.0}, noise=0.0005)
    clear = clear[(clear["condition"] == "real") | (clear["n_real"] == 1600)]
    (a,) = equivalency_analysis(clear, StudySettings(n_boot=300)).sources
    assert a.beyond == "above" and a.edge is Beyond.MATCH_OR_BEAT and a.edge_n_real == 1600
    real_1600 = clear[(clear["condition"] == "real") & (clear["n_real"] == 1600)]["value"]
    treated = clear[clear["condition"] == "pretrain"]["value"]
    assert a.edge_diff[0] == pytest.approx((1 - treated).mean() - (1 - real_1600).mean())  # treated minus real error
    assert a.edge_diff[2] < 0
    sec = equivalency_section(ReportContext(results=clear, meta={"metric": "accuracy", "n_boot": 300},
                                            figures_dir=tmp_path))
    assert "match or beat the real-only model on the largest real set measured" in sec.headlines[0]
    # Just past the end of the curve, with noisy runs: beyond it, but not shown better than the real runs there.
    marginal = _tidy({5000: 150.0}, noise=0.006, rng_seed=3)
    marginal = marginal[(marginal["condition"] == "real") | (marginal["n_real"] == 1600)]
    (b,) = equivalency_analysis(marginal, StudySettings(n_boot=300)).sources
    assert b.beyond == "above" and b.edge is Beyond.CANNOT_TELL and b.edge_diff[1] < 0 < b.edge_diff[2]
    sec = equivalency_section(ReportContext(results=marginal, meta={"metric": "accuracy", "n_boot": 300},
                                            figures_dir=tmp_path))
    assert "cannot be told apart from the real-only model on the largest real set" in sec.headlines[0]
    assert "match or beat" not in sec.headlines[0] and "is worth" not in sec.headlines[0]
