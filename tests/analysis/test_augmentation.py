"""Synthetic gains over real and over real+aug, on simulated studies with planted gains."""

from __future__ import annotations

import pandas as pd
import pytest

from synreal.analysis.augmentation import augmentation_gains, missing_baselines
from tests.report.simulate import FRACTIONS, simulate_study


MIX = {"condition": "mix", "source": "s", "n_synthetic": 500, "offset": 0.03}
LABEL = "mix s (500)"
AUG = 0.01


def _gain(g: pd.DataFrame, condition: str, baseline: str, f: float) -> pd.Series:
    rows = g[(g["condition"] == condition) & (g["baseline"] == baseline) & (g["real_fraction"] == f)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_noise_free_gains_equal_the_planted_offsets():
    g = augmentation_gains(simulate_study(configs=(MIX,), aug_gain=AUG, noise=0.0, extra_metrics=False))
    for f in FRACTIONS:
        assert _gain(g, "mix", "real", f)["gain"] == pytest.approx(0.03)
        assert _gain(g, "mix", "real+aug", f)["gain"] == pytest.approx(0.03 - AUG)
        assert _gain(g, "real+aug", "real", f)["gain"] == pytest.approx(AUG)
    assert len(g) == 3 * len(FRACTIONS)
    assert set(g["config"]) == {LABEL, "real+aug"}


def test_noisy_gains_cover_the_truth_and_are_judged_better():
    g = augmentation_gains(simulate_study(configs=(MIX,), aug_gain=AUG, noise=0.002, seeds=(0, 1, 2, 3),
                                          extra_metrics=False, rng_seed=3))
    for baseline, truth in (("real", 0.03), ("real+aug", 0.03 - AUG)):
        rows = g[(g["condition"] == "mix") & (g["baseline"] == baseline)]
        covered = ((rows["lower"] <= truth) & (truth <= rows["upper"])).mean()
        assert covered >= 5 / 7  # two one-sided 95% bounds: at most an occasional miss over 7 fractions
        assert (rows["verdict"] == "better").all()
        assert (rows["n_seeds"] == 4).all()


def test_a_gain_that_augmentation_alone_gives_is_not_a_gain_over_real_plus_aug():
    same = {"condition": "pretrain", "source": "s", "n_synthetic": 500, "offset": AUG}
    g = augmentation_gains(simulate_study(configs=(same,), aug_gain=AUG, noise=0.002, seeds=(0, 1, 2, 3, 4),
                                          extra_metrics=False))
    over_aug = g[(g["condition"] == "pretrain") & (g["baseline"] == "real+aug")]
    over_real = g[(g["condition"] == "pretrain") & (g["baseline"] == "real")]
    # the same +0.01 reads as a gain over real and as nothing over real+aug
    assert (over_aug["verdict"] != "better").mean() >= 5 / 7
    assert set(over_aug["verdict"]) <= {"cannot tell apart", "better", "worse"}
    assert (over_real["verdict"] == "better").mean() >= 5 / 7


def test_missing_real_plus_aug_is_listed_not_invented():
    t = simulate_study(configs=(MIX,), extra_metrics=False)
    t = t[~((t["condition"] == "real+aug") & (t["real_fraction"] == 0.1))]
    g = augmentation_gains(t)
    assert g[(g["real_fraction"] == 0.1) & (g["baseline"] == "real+aug")].empty
    miss = missing_baselines(t)
    assert miss[["config", "real_fraction", "baseline"]].values.tolist() == [[LABEL, 0.1, "real+aug"]]
    assert missing_baselines(simulate_study(configs=(MIX,), extra_metrics=False)).empty


def test_lower_is_better_flips_the_sign():
    t = simulate_study(configs=(MIX,), aug_gain=AUG, noise=0.0, extra_metrics=False)
    g = augmentation_gains(t.assign(value=-t["value"]), higher_is_better=False)
    assert _gain(g, "mix", "real", 0.4)["gain"] == pytest.approx(0.03)


def test_synthetic_only_and_other_conditions_are_left_out():
    t = simulate_study(configs=(MIX,), extra_metrics=False)
    other = t[t["condition"] == "mix"].assign(condition="retrieved")
    g = augmentation_gains(pd.concat([t, other], ignore_index=True))
    assert set(g["condition"]) == {"mix", "real+aug"}


def test_verdict_words_follow_the_bounds():
    g = augmentation_gains(simulate_study(configs=(MIX,), aug_gain=AUG, noise=0.004, seeds=(0, 1, 2),
                                          extra_metrics=False, rng_seed=5))
    for r in g.itertuples():
        expected = ("better" if r.lower > 0 else "worse" if r.upper < 0 else "cannot tell apart")
        assert r.verdict == expected
        assert r.lower <= r.gain <= r.upper
