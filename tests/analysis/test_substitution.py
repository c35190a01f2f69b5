"""Substitution curves and substitutability on simulated studies whose answer is planted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synreal.analysis.stats import t_interval
from synreal.analysis.substitution import substitutability, substitution_curves, substitution_tests
from synreal.errors import UserInputError
from tests.report.simulate import FRACTIONS, planted, real_curve, simulate_study


COLS = ["condition", "source", "n_synthetic", "real_fraction", "seed", "metric", "value"]


def _only(config: dict, **kw) -> pd.DataFrame:
    return simulate_study(configs=(config,), synthetic_only=(), extra_metrics=False, **kw)


def _row(sub: pd.DataFrame, source: str = "s") -> pd.Series:
    return sub[sub["source"] == source].iloc[0]


@pytest.mark.parametrize("rng_seed", range(5))
def test_curve_that_matches_the_reference_at_30_percent_replaces_70_to_80(rng_seed):
    # equal to real-at-100% at f = 0.3 plus a small margin (2 noise SDs), so that the planted
    # answer does not depend on the luck of one simulation
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "match": 0.3, "margin": 0.004},
              rng_seed=rng_seed)
    r = _row(substitutability(t))
    assert r["status"] == "bracketed"
    assert (r["f_star"], r["f_prev"]) == (0.3, 0.2)
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.7, 0.8))
    assert r["n_seeds"] == 3 and r["fails_above"] == []


def test_exactly_equal_at_the_grid_point_counts_as_not_worse():
    # without run noise, the paired differences at f = 0.3 are exactly zero
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "match": 0.3}, noise=0.0)
    tests = substitution_tests(t)
    at = tests[tests["real_fraction"] == 0.3].iloc[0]
    assert at["diff"] == 0 and at["upper"] == 0 and at["passes"]
    assert not tests[tests["real_fraction"] == 0.2].iloc[0]["passes"]
    r = _row(substitutability(t))
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.7, 0.8))


def test_tolerance_moves_f_star_where_the_formula_says():
    # offset -0.02 reaches R - 0.04 where A f^-B <= A + 0.02, i.e. f >= (0.06 / 0.08)^2 = 0.5625
    t = _only({"condition": "mix", "source": "s", "n_synthetic": 500, "offset": -0.02}, noise=0.0)
    assert _row(substitutability(t))["status"] == "not-reached"
    truth = {f: planted(f, offset=-0.02) - float(real_curve(1.0)) for f in FRACTIONS}
    expected = min(f for f, d in truth.items() if d >= -0.04)
    assert expected == 0.7
    r = _row(substitutability(t, tolerance=0.04))
    assert (r["f_star"], r["f_prev"]) == (0.7, 0.4)
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.3, 0.6))


def test_a_curve_below_the_reference_everywhere_does_not_reach_it():
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "offset": -0.03})
    r = _row(substitutability(t))
    assert r["status"] == "not-reached"
    assert np.isnan(r["f_star"]) and np.isnan(r["replaces_lo"]) and np.isnan(r["replaces_interp"])
    assert r["diff_at_star"] == pytest.approx(-0.03, abs=0.005)  # at the largest fraction run


def test_matching_at_the_smallest_fraction_gives_at_least():
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "match": 0.03, "margin": 0.004})
    r = _row(substitutability(t))
    assert r["status"] == "at-least"
    assert (r["f_star"], r["f_prev"], r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.05, 0.0, 0.95, 1.0))
    assert np.isnan(r["replaces_interp"])  # the crossing lies below the grid


def _manual(diffs: dict[float, float], seeds=(0, 1, 2), ref=0.9) -> pd.DataFrame:
    rows = [("real", "none", 0, 1.0, s, "accuracy", ref + 0.01 * s) for s in seeds]
    rows += [("pretrain", "s", 100, f, s, "accuracy", ref + d + 0.01 * s) for f, d in diffs.items() for s in seeds]
    return pd.DataFrame(rows, columns=COLS)


def test_interpolation_is_linear_in_log_fraction_between_grid_points():
    # -0.02 at 0.2 and +0.02 at 0.4: the crossing is at the log-midpoint sqrt(0.2 * 0.4)
    r = _row(substitutability(_manual({0.1: -0.04, 0.2: -0.02, 0.4: 0.02, 1.0: 0.03})))
    assert r["replaces_interp"] == pytest.approx(1 - np.sqrt(0.08))
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.6, 0.8))


def test_non_monotone_curve_is_flagged():
    r = _row(substitutability(_manual({0.1: -0.05, 0.2: 0.0, 0.4: -0.03, 0.7: 0.01, 1.0: 0.02})))
    assert r["f_star"] == 0.2 and r["fails_above"] == [0.4]
    # the isotonic fit pools 0.2 and 0.4 to -0.015 and crosses zero between 0.4 and 0.7
    w = 0.015 / (0.01 + 0.015)
    assert r["replaces_interp"] == pytest.approx(1 - np.exp(np.log(0.4) + w * (np.log(0.7) - np.log(0.4))))


def test_lower_is_better_metric_gives_the_same_bracket():
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "match": 0.3}, noise=0.0)
    loss = t.assign(metric="test_loss", value=-np.log(t["value"]))
    r = _row(substitutability(loss, metric="test_loss", higher_is_better=False))
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.7, 0.8))
    # judged as if higher were better, the loss curve never matches
    assert _row(substitutability(loss, metric="test_loss"))["f_star"] != 0.3


def test_missing_reference_is_a_user_error():
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "match": 0.3})
    no_ref = t[~((t["condition"] == "real") & (t["real_fraction"] == 1.0))]
    with pytest.raises(UserInputError, match="reference"):
        substitutability(no_ref)


def test_one_seed_cannot_be_assessed():
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "match": 0.3}, seeds=(0,))
    r = _row(substitutability(t))
    assert r["status"] == "too-few-seeds" and r["n_seeds"] == 1


def test_curves_are_t_intervals_over_seeds_and_ignore_other_conditions():
    t = simulate_study(extra_metrics=False)
    other = t[t["condition"] == "real"].assign(condition="retrieved", gamma=0.5)
    curves = substitution_curves(pd.concat([t, other], ignore_index=True))
    assert set(curves["condition"]) == {"real", "real+aug", "pretrain", "mix", "synthetic-only"}
    cell = t[(t["condition"] == "mix") & (t["real_fraction"] == 0.1)]["value"].to_numpy()
    row = curves[(curves["condition"] == "mix") & (curves["real_fraction"] == 0.1)].iloc[0]
    iv = t_interval(cell)
    assert (row["mean"], row["lo"], row["hi"], row["n_seeds"]) == pytest.approx((iv.estimate, iv.lo, iv.hi, 3))
    # the planted real curve lies inside the mean's range of seed shifts
    real = curves[curves["condition"] == "real"].set_index("real_fraction")["mean"]
    assert np.all(np.diff(real.to_numpy()) > 0)


def test_duplicated_cell_is_a_user_error():
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "match": 0.3})
    with pytest.raises(UserInputError, match="repeat a cell"):
        substitutability(pd.concat([t, t.iloc[:1]], ignore_index=True))


def test_t_bound_option_is_the_one_sided_t_bound_of_the_paired_differences():
    t = _only({"condition": "pretrain", "source": "s", "n_synthetic": 1000, "match": 0.3, "margin": 0.004})
    tests = substitution_tests(t, interval="t")
    ref = t[(t["condition"] == "real") & (t["real_fraction"] == 1.0) & (t["metric"] == "accuracy")]
    cell = t[(t["condition"] == "pretrain") & (t["real_fraction"] == 0.4)]
    d = cell.set_index("seed")["value"] - ref.set_index("seed")["value"]
    row = tests[tests["real_fraction"] == 0.4].iloc[0]
    assert row["upper"] == pytest.approx(t_interval(d.to_numpy(), side="upper").hi)
    with pytest.raises(UserInputError, match="interval"):
        substitution_tests(t, interval="normal")
