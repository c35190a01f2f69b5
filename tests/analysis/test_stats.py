"""Intervals, paired tests and Holm: checked against scipy and against their definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from synreal.analysis.stats import (
    bootstrap_interval,
    holm,
    paired_differences,
    paired_t_test,
    select_metric,
    t_interval,
)
from synreal.errors import UserInputError


def test_t_interval_matches_scipy_two_and_one_sided():
    x = np.array([0.81, 0.84, 0.79, 0.86, 0.83])
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    iv = t_interval(x, level=0.95)
    assert iv.estimate == pytest.approx(x.mean())
    assert (iv.lo, iv.hi) == pytest.approx((lo, hi))
    up = t_interval(x, level=0.9, side="upper")
    assert up.lo == -np.inf
    assert up.hi == pytest.approx(x.mean() + sps.t.ppf(0.9, 4) * sps.sem(x))
    low = t_interval(x, side="lower")
    assert low.hi == np.inf and low.lo == pytest.approx(x.mean() - sps.t.ppf(0.95, 4) * sps.sem(x))


def test_t_interval_batches_ignore_nan_and_leave_single_values_without_interval():
    rows = np.array([[0.1, 0.2, np.nan, 0.4], [0.5, np.nan, np.nan, np.nan]])
    iv = t_interval(rows)
    one = t_interval([0.1, 0.2, 0.4])
    assert iv.n.tolist() == [3, 1]
    assert (iv.estimate[0], iv.lo[0], iv.hi[0]) == pytest.approx((one.estimate, one.lo, one.hi))
    assert iv.estimate[1] == 0.5 and np.isnan(iv.lo[1]) and np.isnan(iv.hi[1])


def test_exact_bootstrap_of_two_values_follows_the_multinomial():
    # resample means of [0, 1]: 0 w.p. 1/4, 0.5 w.p. 1/2, 1 w.p. 1/4 -> CDF 0.25, 0.75, 1
    assert bootstrap_interval([0.0, 1.0], level=0.95)[1:3] == (0.0, 1.0)
    assert bootstrap_interval([0.0, 1.0], side="upper", level=0.75).hi == 0.5
    assert bootstrap_interval([0.0, 1.0], side="upper", level=0.76).hi == 1.0
    # lower bound = 0.25-quantile: the CDF reaches 0.25 at 0; the 0.26-quantile is 0.5
    assert bootstrap_interval([0.0, 1.0], side="lower", level=0.75).lo == 0.0
    assert bootstrap_interval([0.0, 1.0], side="lower", level=0.74).lo == 0.5


def test_exact_bootstrap_upper_bound_of_three_values():
    # values [0, 0, 3]: mean 3 needs all three draws on the 3 (1/27), mean 2 two of them (6/27);
    # P(mean <= 2) = 26/27 >= 0.95 while P(mean <= 1) = 20/27 < 0.95, so the 95% bound is 2
    assert bootstrap_interval([0.0, 0.0, 3.0], side="upper").hi == pytest.approx(2.0)
    # at level 0.97 > 26/27 the bound moves to 3
    assert bootstrap_interval([0.0, 0.0, 3.0], side="upper", level=0.97).hi == pytest.approx(3.0)


def test_exact_and_monte_carlo_bootstrap_agree_and_monte_carlo_is_seeded():
    x = np.random.default_rng(1).normal(size=8)
    exact = bootstrap_interval(x, level=0.9)
    mc = bootstrap_interval(x, level=0.9, exact_max_n=2, n_boot=40_000, seed=3)
    sd = x.std() / np.sqrt(len(x))
    assert abs(exact.lo - mc.lo) < 0.05 * sd and abs(exact.hi - mc.hi) < 0.05 * sd
    assert bootstrap_interval(x, exact_max_n=2, seed=5) == bootstrap_interval(x, exact_max_n=2, seed=5)
    small = {"exact_max_n": 2, "n_boot": 500}
    assert bootstrap_interval(x, seed=5, **small) != bootstrap_interval(x, seed=6, **small)


def test_bootstrap_rows_equal_single_calls():
    rng = np.random.default_rng(0)
    for n, exact in [(4, 8), (12, 8)]:
        rows = rng.normal(size=(5, n))
        batch = bootstrap_interval(rows, side="upper", seed=2, exact_max_n=exact)
        for i, r in enumerate(rows):
            assert batch.hi[i] == pytest.approx(bootstrap_interval(r, side="upper", seed=2, exact_max_n=exact).hi)


def test_bootstrap_refuses_missing_values_and_gives_no_interval_for_one_value():
    with pytest.raises(ValueError):
        bootstrap_interval([0.1, np.nan])
    iv = bootstrap_interval([0.3])
    assert iv.estimate == 0.3 and np.isnan(iv.lo) and np.isnan(iv.hi)


def test_paired_differences_match_seeds_and_reject_duplicates():
    a = pd.Series([0.9, 0.8, 0.7, 0.6], index=[3, 0, 1, 2])
    b = pd.Series([0.5, 0.4, 0.1], index=[2, 0, 7])
    d = paired_differences(a, b)
    assert d.index.tolist() == [0, 2]
    assert d.tolist() == pytest.approx([0.8 - 0.4, 0.6 - 0.5])
    with pytest.raises(UserInputError, match="more than once"):
        paired_differences(pd.Series([1.0, 2.0], index=[0, 0]), b)


def test_paired_t_test_matches_scipy_and_handles_zero_spread():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=6), rng.normal(size=6)
    assert paired_t_test(a - b) == pytest.approx(sps.ttest_rel(a, b).pvalue)
    rows = np.array([[0.01, 0.01, 0.01], [0.0, 0.0, 0.0], [0.1, np.nan, np.nan]])
    p = paired_t_test(rows)
    assert p[0] == 0.0 and p[1] == 1.0 and np.isnan(p[2])


def _holm_by_definition(p: np.ndarray) -> np.ndarray:
    """adj(i) = max over the j smallest p-values up to i of min(1, (m - j) * p_(j))."""
    m = len(p)
    order = np.argsort(p)
    out = np.empty(m)
    for rank, i in enumerate(order):
        out[i] = min(1.0, max((m - j) * p[order[j]] for j in range(rank + 1)))
    return out


def test_holm_by_hand_and_by_definition():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> monotone 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    p = np.random.default_rng(7).uniform(0, 0.2, size=9)
    assert holm(p) == pytest.approx(_holm_by_definition(p))
    with_nan = holm([0.01, np.nan, 0.02])
    assert np.isnan(with_nan[1]) and with_nan[[0, 2]] == pytest.approx([0.02, 0.02])


def _table(**over):
    t = pd.DataFrame({"run_id": ["a", "b"], "condition": ["real", "real"], "source": ["none", "none"],
                      "n_synthetic": [0, 0], "real_fraction": [1.0, 1.0], "seed": [0, 1],
                      "metric": ["accuracy", "accuracy"], "value": [0.9, 0.8]})
    for k, v in over.items():
        t[k] = v
    return t


def test_select_metric_names_what_is_wrong():
    with pytest.raises(UserInputError, match="lacks column"):
        select_metric(_table().drop(columns="seed"), "accuracy")
    with pytest.raises(UserInputError, match="does not occur"):
        select_metric(_table(), "hota")
    with pytest.raises(UserInputError, match="missing value"):
        select_metric(_table(value=[0.9, np.nan]), "accuracy")
    with pytest.raises(UserInputError, match="repeat a cell"):
        select_metric(_table(seed=[0, 0]), "accuracy")
    assert select_metric(_table(), "accuracy", conditions=("mix",)).empty


def test_all_bootstrap_resamples_are_enumerated():
    # the enumeration must reproduce the brute-force distribution over all n^n draws
    x = np.array([0.3, -0.1, 0.7, 0.2])
    means = np.sort([x[list(idx)].mean() for idx in itertools.product(range(4), repeat=4)])
    for level in (0.8, 0.9, 0.95):
        brute = means[int(np.ceil(level * len(means))) - 1]
        assert bootstrap_interval(x, side="upper", level=level).hi == pytest.approx(brute)
