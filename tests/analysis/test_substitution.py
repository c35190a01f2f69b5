"""Substitution curves and substitutability on simulated studies whose answer is planted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scipy import stats

from synreal.analysis.stats import t_interval
from synreal.analysis.substitution import substitutability, substitution_curves, substitution_tests
from synreal.analysis.verdicts import Looks
from synreal.errors import UserInputError
from tests.report.simulate import FRACTIONS, planted, real_curve, simulate_study


COLS = ["condition", "source", "n_synthetic", "real_fraction", "seed", "metric", "value"]


def _only(config: dict, **kw) -> pd.DataFrame:
    return simulate_study(configs=(config,), synthetic_only=(), extra_metrics=False, **kw)


def _row(sub: pd.DataFrame, source: str = "s") -> pd.Series:
    return sub[sub["source"] == source].iloc[0]


def _manual(diffs: dict[float, list[float]] | dict[float, float], seeds=(0, 1, 2), ref=0.9) -> pd.DataFrame:
    """A table whose per-seed differences to R are given exactly (a list per fraction, or one value for all seeds)."""
    rows = [("real", "none", 0, 1.0, s, "accuracy", ref + 0.01 * s) for s in seeds]
    for f, d in diffs.items():
        per_seed = d if isinstance(d, list) else [d] * len(seeds)
        rows += [("pretrain", "s", 100, f, s, "accuracy", ref + x + 0.01 * s) for s, x in zip(seeds, per_seed)]
    return pd.DataFrame(rows, columns=COLS)


def _lower(d: list[float], level: float = 0.95) -> float:
    """The lower one-sided t bound written out: mean - t(level, n-1) * sd / sqrt(n)."""
    x = np.asarray(d)
    return x.mean() - stats.t.ppf(level, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))


def test_a_fraction_passes_only_when_its_lower_bound_is_within_the_tolerance():
    # the three per-seed differences of the demo at 40% real: mean -0.0118, worse than the tolerance
    demo = [-0.0167, -0.0148, -0.0037]
    t = _manual({0.4: demo, 1.0: [0.0, 0.001, -0.001]})
    row = substitution_tests(t, tolerance=0.01).set_index("real_fraction").loc[0.4]
    assert row["lower"] == pytest.approx(_lower(demo)) and row["lower"] < -0.01
    assert not row["passes"] and row["decision"] == "undecided"  # the upper bound still reaches above -0.01
    close = [-0.004, -0.003, -0.005]  # mean -0.004, lower bound -0.004 - 2.92 * 0.001 / sqrt(3) = -0.0057
    row = substitution_tests(_manual({0.4: close}), tolerance=0.01).iloc[0]
    assert row["lower"] == pytest.approx(_lower(close)) and row["passes"] and row["decision"] == "above"


@pytest.mark.parametrize("spread", [0.001, 0.003, 0.006, 0.012])
def test_more_noise_never_gives_a_bigger_claim(spread):
    # the same mean curve with wider seed spread: the claim can only shrink (the rule the old test broke)
    means = {0.1: -0.03, 0.2: -0.012, 0.4: -0.004, 0.7: 0.002, 1.0: 0.004}
    wiggle = np.array([-1.0, 0.2, 0.8])
    narrow = substitutability(_manual({f: list(m + 0.001 * wiggle) for f, m in means.items()}), tolerance=0.01).iloc[0]
    wide = substitutability(_manual({f: list(m + spread * wiggle) for f, m in means.items()}), tolerance=0.01).iloc[0]
    assert narrow["status"] == "replaces" and narrow["f_star"] == 0.4
    claim = lambda r: r["replaces_lo"] if r["status"] == "replaces" else 0.0  # noqa: E731
    assert claim(wide) <= claim(narrow)


def test_f_star_needs_every_larger_fraction_to_pass():
    spread = [-0.001, 0.0, 0.001]
    t = _manual({0.2: [0.01 + x for x in spread], 0.4: [-0.02, 0.01, 0.0], 0.7: spread, 1.0: spread})
    r = _row(substitutability(t, tolerance=0.01))
    tests = substitution_tests(t, tolerance=0.01).set_index("real_fraction")
    assert tests.loc[0.2, "passes"] and not tests.loc[0.4, "passes"]
    assert r["status"] == "replaces" and (r["f_star"], r["f_prev"]) == (0.7, 0.4)
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.3, 0.6))
    assert r["prev_decision"] == "undecided" and r["undecided"] == [0.4]


def test_worse_at_full_real_data_claims_nothing():
    t = _manual({0.5: [-0.05, -0.052, -0.048], 1.0: [-0.03, -0.031, -0.029]})
    r = _row(substitutability(t, tolerance=0.01))
    assert r["status"] == "worse" and r["decision_at_largest"] == "below"
    assert np.isnan(r["replaces_lo"]) and np.isnan(r["f_star"])
    assert r["diff_at_largest"] == pytest.approx(-0.03)


def test_undecided_at_full_real_data_is_not_shown():
    t = _manual({0.5: [-0.05, -0.052, -0.048], 1.0: [-0.03, 0.0, 0.02]})
    r = _row(substitutability(t, tolerance=0.01))
    assert r["status"] == "not-shown" and r["decision_at_largest"] == "undecided"
    assert np.isnan(r["replaces_lo"])


def test_passing_only_at_full_real_data_replaces_none():
    spread = [-0.001, 0.0, 0.001]
    r = _row(substitutability(_manual({0.5: [-0.05 + x for x in spread], 1.0: spread}), tolerance=0.01))
    assert r["status"] == "none" and r["f_star"] == 1.0 and np.isnan(r["replaces_lo"])


def test_tolerance_moves_f_star_where_the_formula_says():
    # offset -0.02 reaches R - 0.04 where A f^-B <= A + 0.02, i.e. f >= (0.06 / 0.08)^2 = 0.5625; without run
    # noise the paired differences have no spread, so the bounds equal the mean and only the formula decides
    t = _only({"condition": "mix", "source": "s", "n_synthetic": 500, "offset": -0.02}, noise=0.0)
    assert _row(substitutability(t))["status"] == "worse"
    truth = {f: planted(f, offset=-0.02) - float(real_curve(1.0)) for f in FRACTIONS}
    expected = min(f for f, d in truth.items() if d > -0.04)
    assert expected == 0.7
    r = _row(substitutability(t, tolerance=0.04))
    assert (r["f_star"], r["f_prev"]) == (0.7, 0.4)
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.3, 0.6))
    assert r["prev_decision"] == "below"


def test_the_smallest_fraction_passing_gives_at_least_with_no_upper_end():
    spread = [-0.001, 0.0, 0.001]
    r = _row(substitutability(_manual({0.05: spread, 0.5: spread, 1.0: spread}), tolerance=0.01))
    assert r["status"] == "replaces"
    assert (r["f_star"], r["f_prev"], r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.05, 0.0, 0.95, 1.0))
    assert np.isnan(r["point"]) and "smallest fraction" in r["point_note"]  # the crossing lies below the grid


def test_point_estimate_is_linear_in_log_fraction_and_inside_its_interval():
    # -0.03 at 0.2 and +0.01 at 0.4 with tolerance 0.01: the mean curve crosses -0.01 at the log-midpoint
    spread = np.array([-0.002, 0.0, 0.002])
    t = _manual({0.1: list(-0.05 + spread), 0.2: list(-0.03 + spread), 0.4: list(0.01 + spread),
                 1.0: list(0.02 + spread)})
    r = _row(substitutability(t, tolerance=0.01))
    assert r["point"] == pytest.approx(1 - np.sqrt(0.08))
    assert r["point_lo"] <= r["point"] <= r["point_hi"]
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.6, 0.8))
    assert r["replaces_lo"] <= r["point"] <= r["replaces_hi"] and r["point_note"] == ""


def test_a_point_outside_its_bracket_says_why():
    # the mean at 0.2 is inside the tolerance but its seeds are too spread to show it: the crossing lies
    # below 0.2 while the bracket stops at 0.2
    t = _manual({0.1: [-0.05, -0.05, -0.05], 0.2: [-0.03, 0.02, 0.0], 0.4: [0.01, 0.012, 0.011],
                 1.0: [0.02, 0.021, 0.019]})
    r = _row(substitutability(t, tolerance=0.01))
    assert (r["f_star"], r["f_prev"]) == (0.4, 0.2)
    assert r["point"] > r["replaces_hi"]
    assert "below 20%" in r["point_note"]


def test_lower_is_better_metric_gives_the_same_claim():
    spread = [-0.002, 0.0, 0.002]
    t = _manual({0.2: [-0.05 + x for x in spread], 0.4: [0.005 + x for x in spread], 1.0: [0.01 + x for x in spread]})
    loss = t.assign(metric="test_loss", value=-t["value"])
    r = _row(substitutability(loss, metric="test_loss", higher_is_better=False, tolerance=0.01))
    assert (r["replaces_lo"], r["replaces_hi"]) == pytest.approx((0.6, 0.8))
    # judged as if higher were better, the loss curve claims nothing
    assert _row(substitutability(loss, metric="test_loss", tolerance=0.01))["status"] in ("worse", "not-shown")


def test_adaptive_looks_decide_at_the_first_look_that_can():
    # six seeds; the first three are too spread to decide at 0.5, all six decide it
    d = [-0.015, 0.012, 0.006, 0.002, 0.003, 0.001]
    t = _manual({0.5: d, 1.0: [0.0] * 6}, seeds=tuple(range(6)))
    looks = Looks.adaptive(3, 6, step=3, level=0.95)
    row = substitution_tests(t, tolerance=0.01, looks=looks).set_index("real_fraction").loc[0.5]
    assert row["n_seeds"] == 6 and row["decision"] == "above" and row["final"]
    assert row["bound_level"] == pytest.approx(1 - looks.alpha(1))
    three = substitution_tests(t[t["seed"] < 3], tolerance=0.01, looks=looks).set_index("real_fraction").loc[0.5]
    assert three["decision"] == "undecided" and not three["final"]  # more seeds may still decide it
    assert three["lower"] == pytest.approx(_lower(d[:3], 1 - looks.alpha(0)))


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
