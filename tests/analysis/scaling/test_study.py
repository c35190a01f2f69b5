"""scaling_analysis: which runs qualify, which fit speaks for a source, what its headline may claim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synreal.analysis.scaling import Claim, StudySettings, error_rows, scaling_analysis

SETTINGS = StudySettings(metric="accuracy", higher_is_better=True, level=0.9, n_boot=60)
N_REAL = {0.1: 144, 0.4: 575}


def tidy(cells, rng, *, gap=0.01, noise=0.0005, s_dependence=lambda n_real, C: C * (n_real / 144) ** -0.3):
    """Pretrain rows of accuracy from the joint law (gap times s^-0.3 by default) for ``cells = {(source, fraction):
    sizes}`` (3 seeds), plus real rows."""
    rows = []
    for (source, f), sizes in cells.items():
        n_real = N_REAL[f]
        for n_syn in sizes:
            for k in range(3):
                err = (2.0 * n_syn**-0.4) * (n_real / 144) ** -0.3 + s_dependence(n_real, gap)
                rows.append({"condition": "pretrain", "source": source, "n_synthetic": n_syn, "real_fraction": f,
                             "n_real": n_real, "seed": k, "metric": "accuracy",
                             "value": 1 - err + rng.normal(0, noise)})
    for f, n_real in N_REAL.items():
        for k in range(3):
            rows.append({"condition": "real", "source": "none", "n_synthetic": 0, "real_fraction": f, "n_real": n_real,
                         "seed": k, "metric": "accuracy", "value": 0.8})
    return pd.DataFrame(rows)


GRID = [1000, 2000, 4000, 8000, 16000, 32000]


def test_a_source_qualifies_at_each_fraction_with_three_sizes_and_the_joint_fit_speaks():
    t = tidy({("a", 0.1): GRID, ("a", 0.4): GRID, ("b", 0.1): GRID[:3], ("b", 0.4): GRID[:2],
              ("c", 0.1): GRID[:2]}, np.random.default_rng(0))
    out = scaling_analysis(t, SETTINGS)
    by = {s.source: s for s in out.sources}
    assert set(by) == {"a", "b"}  # c never reaches 3 sizes at one fraction
    assert by["a"].fractions == (0.1, 0.4) and by["a"].joint is not None
    assert by["a"].primary_fraction is None and by["a"].primary is by["a"].joint  # identified joint fit speaks
    assert by["b"].fractions == (0.1,) and by["b"].joint is None  # 2 sizes at 0.4 do not qualify
    assert by["b"].primary is by["b"].by_fraction[0.1]
    assert by["a"].claim is Claim.MORE_DATA_PAYS
    C, lo, hi = by["a"].gap
    assert C == pytest.approx(by["a"].joint.at_s(575)[2]) and lo <= C <= hi


def test_an_unidentified_joint_fit_hands_the_headline_to_the_largest_fraction():
    # Each real size gets its own gap, unrelated to a power of s: the joint law fails its lack-of-fit test.
    t = tidy({("a", 0.1): GRID, ("a", 0.4): GRID}, np.random.default_rng(1),
             s_dependence=lambda n_real, C: {144: 0.2, 575: 0.01}[n_real])
    (src,) = scaling_analysis(t, SETTINGS).sources
    assert src.joint is not None and src.joint.ill_conditioned
    assert src.primary_fraction == 0.4 and src.primary is src.by_fraction[0.4]


def test_the_claim_follows_the_primary_fit_and_never_comes_from_a_flagged_one():
    rng = np.random.default_rng(2)
    big_gap = scaling_analysis(tidy({("a", 0.1): GRID}, rng, gap=0.3), SETTINGS).sources[0]
    assert big_gap.claim is Claim.GAP_DOMINATES and not big_gap.primary.ill_conditioned
    few = scaling_analysis(tidy({("a", 0.1): GRID[:3]}, rng, noise=0.01), SETTINGS).sources[0]
    assert few.primary.ill_conditioned and few.claim is Claim.SEE_VERDICT


def test_nothing_qualifies_gives_none():
    assert scaling_analysis(tidy({("a", 0.1): GRID[:2]}, np.random.default_rng(3)), SETTINGS) is None
    no_pretrain = tidy({}, np.random.default_rng(3))
    assert scaling_analysis(no_pretrain, SETTINGS) is None


def test_error_rows_follow_the_metric_direction():
    t = pd.DataFrame({"condition": ["real", "real", "real"], "metric": ["loss", "loss", "accuracy"],
                      "value": [0.3, 1.7, 0.9]})
    assert error_rows(t, "real", StudySettings(metric="loss", higher_is_better=False))["error"].tolist() == [0.3, 1.7]
    assert error_rows(t, "real", StudySettings())["error"].tolist() == pytest.approx([1 - 0.9])


def test_to_dict_names_the_primary_fit_and_holds_every_fit():
    t = tidy({("a", 0.1): GRID, ("a", 0.4): GRID}, np.random.default_rng(4))
    d = scaling_analysis(t, SETTINGS).to_dict()
    assert d["a"]["primary"] == "joint" and set(d["a"]["fits"]) == {"fraction 0.1", "fraction 0.4", "joint"}
    assert d["a"]["claim"] == "more-data-pays"
