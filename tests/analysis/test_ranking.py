"""Flexibility ranking on simulated studies with a planted order (A better than B = C)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synreal.analysis.ranking import rank_configurations
from synreal.analysis.verdicts import t_bounds
from tests.report.simulate import simulate_study


PLANTED = (
    {"condition": "pretrain", "source": "a", "n_synthetic": 1000, "offset": 0.03},
    {"condition": "pretrain", "source": "b", "n_synthetic": 1000, "offset": 0.0},
    {"condition": "mix", "source": "c", "n_synthetic": 1000, "offset": 0.0},
)
A, B, C = "pretrain a (1,000)", "pretrain b (1,000)", "mix c (1,000)"


@pytest.fixture(scope="module")
def ranking():
    t = simulate_study(configs=PLANTED, seeds=(0, 1, 2, 3, 4), synthetic_only=(), extra_metrics=False, rng_seed=1)
    return t, rank_configurations(t)


def _pair(pairs: pd.DataFrame, x: str, y: str, scope: str = "average") -> pd.Series:
    p = pairs[(pairs["scope"] == scope) & (((pairs["better"] == x) & (pairs["worse"] == y))
                                           | ((pairs["better"] == y) & (pairs["worse"] == x)))]
    assert len(p) == 1
    return p.iloc[0]


def test_planted_best_ranks_first_everywhere(ranking):
    _, r = ranking
    assert r.overall.iloc[0]["config"] == A and r.overall.iloc[0]["rank"] == 1
    assert set(r.overall["config"].iloc[1:]) == {B, C}
    firsts = r.by_fraction[r.by_fraction["rank"] == 1]
    assert firsts["config"].eq(A).all() and len(firsts) == r.by_fraction["real_fraction"].nunique()


def test_planted_gap_is_significant_and_planted_tie_is_not(ranking):
    _, r = ranking
    for other in (B, C):
        p = _pair(r.pairs, A, other)
        assert p["better"] == A and p["significant"]
        assert p["lower"] <= 0.03 <= p["upper"]  # the planted gap lies in the interval
        assert p["lower"] > 0  # significant exactly when the shown (adjusted) bound excludes zero
    tie = _pair(r.pairs, B, C)
    assert not tie["significant"]
    assert tie["lower"] <= 0 <= tie["upper"]


def test_bounds_are_bonferroni_adjusted_within_each_scope(ranking):
    t, r = ranking
    for _, g in r.pairs.groupby("scope"):
        m = len(g)
        assert (g["family"] == m).all()
        assert g["bound_level"].to_numpy() == pytest.approx(1 - 0.05 / m)
        assert (g["diff"] >= 0).all()  # oriented better minus worse
        # significant <=> the adjusted lower bound is above zero, never otherwise
        assert (g["significant"] == (g["lower"] > 0)).all()
    assert set(r.pairs["scope"]) == {"average"} | {f"f={f:g}" for f in r.by_fraction["real_fraction"].unique()}
    # one pair recomputed by hand: the per-seed differences at f = 0.4 and their adjusted t bounds
    p = _pair(r.pairs, A, B, scope="f=0.4")
    cell = t[(t["real_fraction"] == 0.4) & (t["metric"] == "accuracy")]
    a = cell[cell["source"] == "a"].set_index("seed")["value"]
    b = cell[cell["source"] == "b"].set_index("seed")["value"]
    bounds = t_bounds((a - b).to_numpy(), 1 - 0.05 / p["family"])
    assert (p["lower"], p["upper"]) == pytest.approx((bounds.lower, bounds.upper))


def test_average_is_the_mean_of_per_seed_averages_over_shared_fractions(ranking):
    t, r = ranking
    acc = t[t["metric"] == "accuracy"]
    a = acc[acc["source"] == "a"].groupby("seed")["value"].mean()
    row = r.overall[r.overall["config"] == A].iloc[0]
    assert row["mean"] == pytest.approx(a.mean())
    assert row["n_seeds"] == 5


def test_only_shared_fractions_are_averaged():
    t = simulate_study(configs=PLANTED[:2], synthetic_only=(), extra_metrics=False)
    t = t[~((t["source"] == "b") & (t["real_fraction"] == 0.05))]  # b was not run at 5%
    r = rank_configurations(t)
    assert 0.05 not in r.fractions and len(r.fractions) == 6
    a = t[(t["source"] == "a") & (t["real_fraction"] > 0.05)].groupby("seed")["value"].mean()
    assert r.overall[r.overall["config"] == A].iloc[0]["mean"] == pytest.approx(a.mean())
    at5 = r.by_fraction[r.by_fraction["real_fraction"] == 0.05]
    assert at5["config"].tolist() == [A]  # ranked alone there, and no pair to test
    assert not (r.pairs["scope"] == "f=0.05").any()


def test_lower_is_better_reverses_the_order(ranking):
    t, _ = ranking
    neg = t.assign(value=-t["value"])
    r = rank_configurations(neg, higher_is_better=False)
    assert r.overall.iloc[0]["config"] == A
    p = _pair(r.pairs, A, B)
    assert p["better"] == A and p["diff"] > 0


def test_synthetic_only_is_ranked_at_fraction_zero_but_not_averaged():
    t = simulate_study(configs=PLANTED[:2], extra_metrics=False)
    r = rank_configurations(t)
    zero = r.by_fraction[r.by_fraction["real_fraction"] == 0]
    assert zero["condition"].eq("synthetic-only").all()
    assert zero.iloc[0]["source"] == "fonts-all"  # planted 0.62 against 0.41
    assert not r.overall["condition"].eq("synthetic-only").any()


def test_missing_seed_pairs_on_the_seeds_both_ran(ranking):
    t, _ = ranking
    cut = t[~((t["source"] == "b") & (t["seed"] == 4) & (t["real_fraction"] == 0.1))]
    r = rank_configurations(cut)
    assert _pair(r.pairs, A, B, "f=0.1")["n_seeds"] == 4
    assert _pair(r.pairs, A, C, "f=0.1")["n_seeds"] == 5


def test_no_synthetic_configuration_gives_empty_tables():
    t = simulate_study(configs=(), synthetic_only=(), extra_metrics=False)
    r = rank_configurations(t)
    assert r.by_fraction.empty and r.overall.empty and r.pairs.empty and r.fractions == []
    assert np.isfinite(r.level)
