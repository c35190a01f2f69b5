"""Intervals, paired tests and Holm: checked against scipy and against their definitions."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from synreal.analysis.stats import (
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
