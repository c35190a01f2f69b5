"""Diagnoses are structured flags with their numbers; the words are derived from them in one place."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synreal.analysis.scaling import PROBLEMS, Diagnosis, Finding, describe, fit_scaling_law

SIZES = np.array([1e3, 2e3, 4e3, 8e3, 16e3, 32e3, 64e3])


def runs(rng, *, D=2.0, alpha=0.4, C=0.05, seeds=3, noise=0.002, sizes=SIZES):
    n = np.repeat(sizes, seeds)
    return pd.DataFrame({"n": n, "seed": np.tile(np.arange(seeds), len(sizes)),
                         "error": D * n**-alpha + C + rng.normal(0, noise, n.size)})


def of(fit, kind):
    """The findings of one kind."""
    return [f for f in fit.findings if f.kind is kind]


def test_a_well_measured_curve_raises_no_flag_and_keeps_its_notes():
    fit = fit_scaling_law(runs(np.random.default_rng(6), noise=0.001, seeds=5), seed="seed", n_boot=200)
    assert fit.flags == frozenset() and not fit.ill_conditioned and not fit.misfit
    kinds = [f.kind for f in fit.findings]
    assert Diagnosis.PROFILE_INTERVAL in kinds and Diagnosis.FIT_ACCEPTED in kinds
    (prof,) = of(fit, Diagnosis.PROFILE_INTERVAL)
    assert prof.param == "alpha" and prof.values["lo"] < fit.params["alpha"] < prof.values["hi"]


def test_no_degrees_of_freedom_is_a_flag_with_its_counts():
    fit = fit_scaling_law(pd.DataFrame({"n": [1e3, 4e3, 16e3], "error": [0.2, 0.15, 0.13]}), n_boot=100)
    (f,) = of(fit, Diagnosis.NO_DEGREES_OF_FREEDOM)
    assert f.values == {"runs": 3, "free": 3}
    assert Diagnosis.NO_NOISE_ESTIMATE in {g.kind for g in fit.findings}  # a note, not a flag
    assert Diagnosis.NO_NOISE_ESTIMATE not in fit.flags


def test_flat_data_flag_the_profile_and_the_bound_with_the_numbers_behind_them():
    rng = np.random.default_rng(7)
    t = runs(rng, D=0.0, C=0.3, noise=0.004)
    x = np.log2(t["n"]) - np.log2(t["n"]).mean()
    t["error"] -= x * np.dot(x, t["error"]) / np.dot(x, x)  # flat in log n by construction
    fit = fit_scaling_law(t, seed="seed", n_boot=200)
    assert {Diagnosis.AT_BOUND, Diagnosis.FLAT_PROFILE, Diagnosis.BOOTSTRAP_AT_BOUND} <= fit.flags
    bound = {f.param: f.values for f in of(fit, Diagnosis.AT_BOUND)}
    assert bound["alpha"] == {"side": "lower", "bound": 0.01}
    (flat,) = of(fit, Diagnosis.FLAT_PROFILE)
    assert flat.values["lo"] == pytest.approx(0.01)  # the profile reaches the box's lower bound
    assert not fit.identified["alpha"]
    # The verdict rests on the trend, and the reason it gives is the first problem's own words.
    assert fit.verdict_kind == "gap-dominates" and describe(fit.findings[0], fit.level) in fit.verdict


def test_wide_exponent_and_unresolved_gap_carry_the_interval_they_judge():
    rng = np.random.default_rng(5)
    fit = fit_scaling_law(runs(rng, sizes=np.array([500.0, 1000, 2000, 4000]), noise=0.006), seed="seed", n_boot=200)
    wide = of(fit, Diagnosis.EXPONENT_WIDE)
    assert wide and wide[0].param == "alpha"
    assert (wide[0].values["lo"], wide[0].values["hi"]) == fit.intervals["alpha"]
    assert wide[0].values["hi"] / wide[0].values["lo"] > 3


def test_lack_of_fit_comes_first_and_the_verdict_says_the_law_does_not_describe_the_runs():
    rng = np.random.default_rng(13)
    t = runs(rng, noise=0.001)
    t.loc[t["n"] >= 32e3, "error"] += 0.03
    fit = fit_scaling_law(t, seed="seed", n_boot=100)
    assert fit.findings[0].kind is Diagnosis.LACK_OF_FIT and fit.findings[0].values["p"] < 0.001
    assert fit.misfit and fit.verdict.startswith("The scaling law does not describe these runs")
    assert "look for outliers" in fit.suggestions[0]


def test_joint_lack_of_fit_is_its_own_flag_with_its_own_suggestion():
    rng = np.random.default_rng(14)
    gaps = {1e3: 0.05, 4e3: 0.2, 16e3: 0.01}
    rows = [{"n": n, "s": s, "error": 0.5 * n**-0.4 + gaps[s] + rng.normal(0, 0.0005)} for s in gaps for n in SIZES]
    fit = fit_scaling_law(pd.DataFrame(rows), s="s", n_boot=100)
    assert fit.findings[0].kind is Diagnosis.JOINT_LACK_OF_FIT and Diagnosis.LACK_OF_FIT not in fit.flags
    assert "separately" in fit.suggestions[0]


def test_every_diagnosis_has_words_and_problems_read_as_sentences():
    values = {"p": 0.0004, "runs": 3, "free": 3, "side": "upper", "bound": 3.0, "lo": 0.1, "hi": 0.9, "drop": 0.02,
              "n": 64000, "share": 0.25, "skipped": 4, "n_boot": 1000, "seeds": 3}
    for kind in Diagnosis:
        text = describe(Finding(kind, "alpha", values), 0.9)
        assert text
        if kind in PROBLEMS:
            assert not text.endswith(".")  # a clause the verdict can quote
    f = Finding(Diagnosis.AT_BOUND, "alpha", {"side": "upper", "bound": 3.0})
    assert describe(f, 0.9) == "alpha ran to its upper bound 3"


def test_findings_and_flags_are_in_the_json_summary():
    fit = fit_scaling_law(pd.DataFrame({"n": [1e3, 4e3, 16e3], "error": [0.2, 0.15, 0.13]}), n_boot=100)
    d = json.loads(json.dumps(fit.to_dict()))
    assert d["flags"] == sorted(f.value for f in fit.flags)
    assert d["findings"][0] == {"kind": "no-degrees-of-freedom", "param": None, "values": {"runs": 3, "free": 3}}
    assert len(d["diagnostics"]) == len(d["findings"])
