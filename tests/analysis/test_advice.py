"""Purchase advice: the spec, the laws' cross-validation, the cheapest point and its intervals.

Planted studies (``synreal.analysis.advice.planted``) have known laws; the truth's cheapest
purchase is a closed form there, so every expected value below is a formula, not a number
copied from a run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synreal.analysis import bootstrap as bs
from synreal.analysis.advice import (
    AdviceSpec,
    CellStatus,
    Recommendation,
    Region,
    Status,
    advise,
    build_options,
    cross_validate,
    fit_option,
    parse_advice,
    resolve_goal,
)
from synreal.analysis.advice.options import fit_hours
from synreal.analysis.advice.planted import PlantedLaws, coverage, planted_runs, true_cheapest
from synreal.analysis.advice.study import runs_from_results, runs_from_table
from synreal.analysis.advice.words import headline, option_sentence
from synreal.errors import UserInputError

REAL, SYN = 0.4, 0.002
FAST = {"n_boot": 100, "cv_boot": 40}
# a smaller grid than the default: 4 synthetic x 5 real sizes, 4 seeds, so that a fit takes a second
LAWS = PlantedLaws()
SEED = 0  # the planted study most tests advise on


def spec(target: float | None = 0.95, budget: float | None = None, metric: str = "accuracy", **costs) -> AdviceSpec:
    data = {"costs": {"real_sample": REAL, "synthetic_sample": SYN, **costs}}
    if target is not None:
        data["target"] = {"metric": metric, "value": target}
    if budget is not None:
        data["budget"] = budget
    return parse_advice(data)


@pytest.fixture(scope="module")
def planted_advice():
    """One planted study (correct laws), advised at accuracy 0.95."""
    frame = planted_runs(LAWS, 4, SEED)
    return frame, advise(frame, spec(), metric="accuracy", higher_is_better=True, level=0.9, **FAST)


# ---------------------------------------------------------------- the spec


@pytest.mark.parametrize("data, key, words", [
    ({"costs": {"real_sample": -0.4}, "budget": 10}, "advice.costs.real_sample", "greater than 0"),
    ({"costs": {"real_sample": 0.4, "synthetic_sample": -1}, "budget": 10}, "advice.costs.synthetic_sample",
     "greater than or equal to 0"),
    ({"costs": {"real_sample": 0.4, "compute_hour": -2}, "budget": 10}, "advice.costs.compute_hour", "greater"),
    ({"costs": {"real_sample": 0.4}}, "advice", "give a target"),
    ({"costs": {"real_sample": 0.4}, "budget": 5, "target": {"metric": "accuracy", "value": 0.9}}, "advice",
     "not both"),
    ({"costs": {"real_sample": 0.4}, "budget": -5}, "advice.budget", "greater than 0"),
    ({"costs": {"real_sample": 0.4, "labels": 1}, "budget": 5}, "advice.costs.labels", "unknown key"),
    ({"costs": {"real_sample": 0.4}, "target": {"metric": "accuracy", "value": -0.5}}, "advice.target.value",
     "greater than 0"),
])
def test_spec_rejects_bad_input_naming_the_key(data, key, words):
    with pytest.raises(UserInputError) as exc:
        parse_advice(data)
    assert exc.value.key == key
    assert words in exc.value.problem


def test_target_is_checked_against_the_metric_declaration():
    assert resolve_goal(spec(0.6, metric="HOTA"), "HOTA", True).error == pytest.approx(1 - 0.6)
    assert resolve_goal(spec(0.05, metric="loss"), "loss", False).error == pytest.approx(0.05)
    with pytest.raises(UserInputError, match="strictly between 0 and 1"):
        resolve_goal(spec(1.2), "accuracy", True)
    with pytest.raises(UserInputError, match="strictly between 0 and 1"):
        resolve_goal(spec(1.0), "accuracy", True)
    with pytest.raises(UserInputError, match="fitted on 'HOTA'"):
        resolve_goal(spec(0.9, metric="accuracy"), "HOTA", True)


# ---------------------------------------------------------------- the pieces


def test_hours_model_recovers_a_planted_linear_time():
    rng = np.random.default_rng(0)
    n = rng.choice([300, 1000, 3000], 40).astype(float)
    s = rng.choice([50, 100, 400], 40).astype(float)
    h = fit_hours(n, s, 0.01 + 2e-6 * n + 5e-5 * s)
    assert (h.t0, h.t_n, h.t_s) == pytest.approx((0.01, 2e-6, 5e-5), rel=1e-6)
    assert fit_hours(n, s, None).measured is False


def test_region_is_the_hull_of_passing_cells_less_points_nearest_a_failing_one():
    cells = np.log10([[100, 50], [100, 400], [1000, 50], [1000, 400], [10000, 50], [10000, 400.0]])
    status = (CellStatus.PASS,) * 4 + (CellStatus.FAIL, CellStatus.PASS)
    r = Region("joint", cells, status)
    # hull of the passing cells: the whole box minus the corner triangle towards (10000, 50)
    assert r.contains(np.array([300.0]), np.array([140.0]))[0]
    assert not r.contains(np.array([30.0]), np.array([140.0]))[0]  # left of every cell
    assert not r.contains(np.array([9000.0]), np.array([60.0]))[0]  # in the dropped corner
    lo, hi = r.column(np.array([100.0, 1000.0]))
    assert lo == pytest.approx([50, 50], rel=0.01) and hi == pytest.approx([400, 400], rel=0.01)
    # a failing cell inside the hull: the points nearest it are dropped, the rest kept
    grid = np.log10([[n, s] for n in (100, 1000, 10000) for s in (50, 200, 800.0)])
    centre = tuple(CellStatus.FAIL if i == 4 else CellStatus.PASS for i in range(9))
    r = Region("joint", grid, centre)
    assert r.contains(np.array([100.0, 10000.0]), np.array([60.0, 700.0])).all()
    assert not r.contains(np.array([1200.0]), np.array([180.0]))[0]


def test_options_need_a_real_only_curve():
    frame = planted_runs(LAWS, 3, 0)
    with pytest.raises(UserInputError, match="no real-only learning curve"):
        build_options(frame[frame["condition"] != "real"])
    thin = frame[(frame["condition"] != "real") | (frame["n_real"] <= 100)]
    with pytest.raises(UserInputError, match="3 or more real sizes; found 2"):
        advise(thin, spec(), metric="accuracy", higher_is_better=True, **FAST)


def test_options_take_the_joint_law_over_a_grid_and_a_curve_at_one_size():
    frame = planted_runs(LAWS, 3, 0)
    extra = frame[(frame["condition"] == "pretrain") & (frame["n_synthetic"] == 1000)].assign(
        condition="mix", source="other")
    opts, skipped = build_options(pd.concat([frame, extra]))
    kinds = {o.key: o.kind for o in opts}
    assert kinds == {"real|none|0": "curve", "pretrain|planted|grid": "joint", "mix|other|1000": "curve"}
    assert opts[0].reference and skipped == []


# ---------------------------------------------------------------- cross-validation


def test_cross_validation_checks_every_cell_and_reports_coverage(planted_advice):
    _, adv = planted_advice
    for o in adv.options:
        inside, tested = o.check.coverage
        cells = len(o.fit.option.cells()[0])
        extra = 2 if o.kind == "joint" else 0  # the largest n and the largest s held out together
        assert tested == len(o.check.checks) == cells + extra * 0 + sum(c.fold != "cell" for c in o.check.checks)
        assert sum(c.fold == "cell" for c in o.check.checks) == cells
        assert o.check.adjusted_level == pytest.approx(1 - (1 - 0.9) / tested)
        assert inside >= 0.7 * tested


def test_cross_validation_rejects_a_law_planted_wrong_in_one_region():
    # from n = 3000 on, real data pay at another rate (beta 0.2, not 0.5): no single law fits the grid
    wrong = PlantedLaws(wrong_from=3000, wrong_beta=0.2)
    frame = planted_runs(wrong, 4, 1)
    opts, _ = build_options(frame)
    joint = next(o for o in opts if o.kind == "joint")
    mult = bs.seed_multiplicities(4, 60, np.random.default_rng(0))
    chk = cross_validate(fit_option(joint, mult), mult, 0.9)
    inside, tested = chk.coverage
    assert inside / tested < 0.6  # a right law puts about 90% inside
    assert chk.rejected and chk.p_value < (1 - 0.9) / 10
    assert any(c.n >= 3000 for c in chk.failed)  # the worst misses are where it was planted wrong
    assert chk.region.empty
    adv = advise(frame, spec(), metric="accuracy", higher_is_better=True, level=0.9, **FAST)
    syn = adv.options[1]
    assert syn.status is Status.MISFIT and syn.point is None
    assert syn.recommendation is Recommendation.NOT_ADVISED
    assert "misses the measured cells" in option_sentence(syn, adv)
    # the same grid planted right keeps the law
    right = cross_validate(fit_option(build_options(planted_runs(LAWS, 4, 1))[0][1], mult), mult, 0.9)
    assert not right.rejected and not right.region.empty


# ---------------------------------------------------------------- the advice


def test_advised_point_matches_the_truth(planted_advice):
    _, adv = planted_advice
    truth = true_cheapest(LAWS, 0.05, REAL, SYN)
    ref, syn = adv.options
    assert ref.status is Status.ADVISED and syn.status is Status.ADVISED
    assert ref.point.n_real[0] == pytest.approx(truth["real_s"], rel=0.1)
    assert ref.point.cost[0] == pytest.approx(REAL * ref.point.n_real[0])  # no run times: data only
    assert syn.point.n_synthetic[0] == pytest.approx(truth["n"], rel=0.5)  # the cost is flat near its minimum
    assert syn.point.cost[0] == pytest.approx(truth["cost"], rel=0.1)
    p = syn.point
    assert p.cost[0] == pytest.approx(SYN * p.n_synthetic[0] + REAL * p.n_real[0])
    saving = 1 - syn.point.cost[0] / ref.point.cost[0]
    assert syn.comparison[0] == pytest.approx(saving)
    assert syn.recommendation is Recommendation.RECOMMENDED and syn.comparison[1] > 0
    assert "recommended" in option_sentence(syn, adv) and "saving" in headline(adv)


def test_intervals_cover_the_planted_truth_at_the_nominal_rate():
    level = 0.9
    c = coverage(LAWS, sims=24, n_seeds=4, level=level, target=0.95, real_cost=REAL, synthetic_cost=SYN,
                 n_boot=100, cv_boot=40, seed=7)
    assert c.advised >= 22 / 24
    # a right law keeps every cell in most studies (each check is judged at the Bonferroni level)
    assert c.all_cells_pass >= 0.75
    # 24 simulations: 0.9 coverage gives at least 18 hits with probability 0.99; intervals that
    # covered only 60% of the time would reach 18 with probability 0.04 (benchmarks/bench_advice.py
    # measures the rates over hundreds of simulations)
    for name in ("n", "s", "cost", "saving", "real_s", "real_cost"):
        assert getattr(c, name) >= 18 / 24, name


def test_compute_is_priced_from_run_times():
    frame = planted_runs(LAWS, 4, SEED)
    frame["hours"] = 0.05 + 1e-5 * frame["n_synthetic"] + 1e-4 * frame["n_real"]
    adv = advise(frame, spec(compute_hour=2.0), metric="accuracy", higher_is_better=True, level=0.9, **FAST)
    ref, syn = adv.options
    for o in (ref, syn):
        n, s = o.point.n_synthetic[0], o.point.n_real[0]
        hours = 0.05 + 1e-5 * n + 1e-4 * s
        assert o.point.hours == pytest.approx(hours, rel=1e-6)
        assert o.point.cost[0] == pytest.approx(SYN * n + REAL * s + 2.0 * hours, rel=1e-6)


def test_budget_buys_the_best_metric_inside_the_region():
    frame = planted_runs(LAWS, 4, SEED)
    budget = 120.0
    adv = advise(frame, spec(target=None, budget=budget), metric="accuracy", higher_is_better=True, level=0.9,
                 **FAST)
    ref, syn = adv.options
    a, b, c = LAWS.real
    s = budget / REAL  # 300 real samples, inside the measured 50..800
    assert ref.point.n_real[0] == pytest.approx(s)
    assert ref.point.metric[1] <= 1 - (a * s ** (-b) + c) <= ref.point.metric[2]
    assert syn.point.cost[0] <= budget * (1 + 1e-9)
    assert syn.recommendation is Recommendation.RECOMMENDED  # synthetic data is far cheaper here
    assert syn.comparison[0] == pytest.approx(syn.point.metric[0] - ref.point.metric[0])


def test_a_target_beyond_the_measured_real_curve_is_extrapolation_with_the_run_to_make():
    frame = planted_runs(LAWS, 4, SEED)
    # 0.965 needs about 1,000 real samples alone (the curve was run up to 800)
    adv = advise(frame, spec(0.965), metric="accuracy", higher_is_better=True, level=0.9, n_train_real=900, **FAST)
    ref = adv.reference
    assert ref.status is Status.EXTRAPOLATION and ref.point is None
    a, b, c = LAWS.real
    need = (((1 - 0.965) - c) / a) ** (-1 / b)
    (sg,) = ref.suggestions
    assert sg.n_real == pytest.approx(need, rel=0.35)  # an extrapolation: that is why it is not advised
    assert sg.reason.value == "more-real-data"  # beyond the 900 the split holds
    words = option_sentence(ref, adv)
    assert "extrapolation, not advised" in words and "label more" in words
    syn = adv.options[1]
    assert syn.status is Status.ADVISED and syn.recommendation is Recommendation.NO_REFERENCE


def test_unreachable_target_is_a_user_error():
    frame = planted_runs(PlantedLaws(real=(1.0, 0.5, 0.06), joint=(6.0, 0.05, 0.5, 0.0)), 3, 0)
    with pytest.raises(UserInputError, match="no option reaches accuracy 0.95") as exc:
        advise(frame, spec(), metric="accuracy", higher_is_better=True, **FAST)
    assert exc.value.key == "advice.target.value"
    with pytest.raises(UserInputError, match="does not pay for a single training run"):
        advise(frame, spec(target=None, budget=0.1), metric="accuracy", higher_is_better=True, **FAST)


def test_the_metric_direction_comes_from_the_declaration():
    frame = planted_runs(LAWS, 4, SEED)
    tidy = frame.assign(run_id=range(len(frame)), real_fraction=0.0)
    up = tidy.assign(metric="HOTA", value=1 - tidy["error"])
    down = tidy.assign(metric="loss", value=tidy["error"])
    a = advise(runs_from_results(up, "HOTA", True), spec(0.95, metric="HOTA"), metric="HOTA",
               higher_is_better=True, **FAST)
    b = advise(runs_from_results(down, "loss", False), spec(0.05, metric="loss"), metric="loss",
               higher_is_better=False, **FAST)
    for x, y in zip(a.options, b.options):
        assert x.point.cost == pytest.approx(y.point.cost)
        assert x.point.metric[0] == pytest.approx(1 - y.point.metric[0])
    assert "HOTA 0.95" in headline(a) and "loss 0.05" in headline(b)


def test_table_adapter_marks_real_rows_and_configurations():
    t = pd.DataFrame({"n": [0, 0, 0, 1000, 1000, 1000], "s": [50, 100, 200] * 2, "src": ["x"] * 6,
                      "acc": [0.8, 0.85, 0.9, 0.88, 0.9, 0.93]})
    f = runs_from_table(t, n="n", s="s", metric="acc", higher_is_better=True, by=["src"])
    assert f["condition"].tolist() == ["real"] * 3 + ["synthetic"] * 3
    assert f["source"].tolist() == ["none"] * 3 + ["x"] * 3
    assert f["error"].tolist() == pytest.approx([1 - v for v in t["acc"]])
    with pytest.raises(UserInputError, match="cannot be negative"):
        runs_from_table(t.assign(n=[-1, 0, 0, 1, 1, 1]), n="n", s="s", metric="acc", higher_is_better=True)
