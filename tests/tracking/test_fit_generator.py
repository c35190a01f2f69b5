"""fit-generator: knobs round-trip, observed properties are copied, known knobs are recovered,
the budget is spent by successive halving."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synreal.cli.main import main
from synreal.errors import UserInputError
from synreal.tracking.fit import (
    FINALISTS,
    KNOBS,
    PROMOTE,
    apply_params,
    fit_generator,
    knob,
    knob_params,
    observed,
    rung_sizes,
    write_fit,
)
from synreal.tracking.generate import generate_scene_set, scene_set_sequences
from synreal.tracking.motchallenge import MotSequence, SeqInfo
from synreal.tracking.spec import SceneSetSpec, load_scene_set, validate_scene_set

SMALL: dict[str, Any] = {
    "name": "truth",
    "scene": {"fps": 30, "frames": 90, "groups": [1, 2], "lone_walkers": [0, 1], "occluders": [0, 0],
              "activities": {"walk": 1, "wait": 1}},
    "camera": {"moving": 0, "depth": [3, 20]},
    "render": {"label_noise": 0, "label_interval": 1, "label_grid": 0, "min_visibility": 0},
}  # fmt: skip


def small(**scene: Any) -> SceneSetSpec:
    """SMALL with scene keys replaced."""
    return validate_scene_set({**SMALL, "scene": {**SMALL["scene"], **scene}})


def test_every_knob_round_trips_through_search_parameters() -> None:
    spec = validate_scene_set({"name": "x", "scene": {"activities": {"walk": 1, "sport": 1}}})
    knobs = [k for k in KNOBS if k.applies(spec)]
    params = knob_params(spec, knobs)
    again = apply_params(spec, knobs, params)
    assert knob_params(again, knobs) == params
    assert again.scene.entry_rate == spec.scene.entry_rate and again.camera.pitch == spec.camera.pitch


def test_knobs_that_do_not_apply_are_not_searched() -> None:
    single = validate_scene_set({"name": "x", "scene": {"layout": "single-group", "activities": {"dance": 1}}})
    names = {k.name for k in KNOBS if k.applies(single)}
    assert "scene.entry_rate" not in names and "scene.activities.dance" not in names
    assert "scene.activity_options.sport.stop" not in names and "camera.pitch" in names


def test_observed_properties_are_copied_from_the_real_sequences() -> None:
    real = [MotSequence(SeqInfo(f"s{i}", n, r, 1920, 1080)) for i, (n, r) in enumerate([(600, 30), (800, 30), (500, 14)])]
    spec = observed(real, SceneSetSpec(name="x"))
    assert spec.scene.frame_rates == {30.0: 2.0, 14.0: 1.0}
    # 10th to 90th percentile of 500, 600, 800.
    assert spec.scene.frames == (int(round(np.percentile([500, 600, 800], 10))), int(round(np.percentile([500, 600, 800], 90))))
    assert (spec.camera.width, spec.camera.height) == (640, 360)
    assert spec.render.label_grid == 1080


@pytest.mark.parametrize(
    "name, truth, start, get",
    [
        ("scene.entry_rate", {"entry_rate": [1.5, 1.5]}, {"entry_rate": [0.1, 0.1]}, lambda s: np.mean(s.scene.entry_rate)),
        ("render.label_noise", None, None, lambda s: s.render.label_noise),
    ],
)
def test_known_knobs_are_recovered(name: str, truth: dict | None, start: dict | None, get: Any) -> None:
    if name == "render.label_noise":
        true_spec = validate_scene_set({**SMALL, "render": {**SMALL["render"], "label_noise": 0.015}})
        base = validate_scene_set(SMALL)
        target = 0.015
    else:
        true_spec, base, target = small(**truth), small(**start), 1.5  # type: ignore[arg-type]
    real = scene_set_sequences(true_spec, 4, seed=11)
    res = fit_generator(real, base, budget=80, per_trial=4, seed=0, knobs=[name], rungs=1)
    assert res.distance.overall < res.base_distance.overall
    assert abs(get(res.spec) - target) < 0.5 * abs(get(base) - target)


def test_a_fit_is_reproducible_and_never_worse_than_its_start() -> None:
    real = scene_set_sequences(small(entry_rate=[1.5, 1.5], frames=60), 3, seed=5)
    kw: dict[str, Any] = dict(budget=36, per_trial=3, seed=2, knobs=["scene.entry_rate", "scene.spacing"], rungs=1)
    a = fit_generator(real, small(frames=60), **kw)
    b = fit_generator(real, small(frames=60), **kw)
    assert a.params == b.params and a.distance == b.distance
    # 36 sequences at 3 per trial: the start and the finalists again, the rest searched.
    n = 36 // 3 - 1 - FINALISTS
    assert len(a.trials) == n and a.simulated == (n + 1 + FINALISTS) * 3 and a.final_sequences == 3
    # The starting spec is the first trial, so the best the search saw is at least as good.
    assert a.search_distance == pytest.approx(min(v for _, v in a.trials)) and a.search_distance <= a.trials[0][1]
    # The reported distances come from other sequences than the search's, on which the
    # chosen spec is at least as close as the starting one.
    assert a.base_distance.overall != pytest.approx(a.trials[0][1])
    assert a.distance.overall <= a.base_distance.overall


def test_bad_fit_inputs_are_user_errors() -> None:
    real = scene_set_sequences(small(), 1, seed=1)
    with pytest.raises(UserInputError, match="at least 2") as err:
        fit_generator(real, small(), budget=3, per_trial=3)
    assert err.value.key == "budget"
    # Enough for two trials of 3, not for the final checks at the third size (27 sequences).
    with pytest.raises(UserInputError, match="final checks of 27") as err:
        fit_generator(real, small(), budget=60, per_trial=3, rungs=3)
    with pytest.raises(UserInputError) as err:
        fit_generator(real, small(), budget=60, per_trial=3, rungs=0)
    assert err.value.key == "rungs"
    with pytest.raises(UserInputError, match="unknown knob 'camera.zoom'"):
        knob("camera.zoom")


def test_missing_optuna_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna now fails as if it were not installed
    with pytest.raises(UserInputError, match=r"synreal\[fit\]"):
        fit_generator(scene_set_sequences(small(), 1, seed=1), small(), budget=4, per_trial=2)


def test_fit_generator_cli_writes_a_loadable_spec(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    real_spec = small(entry_rate=[1.0, 1.0]).model_copy(update={"sequences": 2, "name": "real"})
    generate_scene_set(real_spec, tmp_path / "real", images=False)
    base = tmp_path / "base.yaml"
    base.write_text("name: start\nscene: {frames: 60, activities: {walk: 1, wait: 1}}\ncamera: {moving: 0}\n")
    out = tmp_path / "fitted.yaml"
    code = main(["mot", "fit-generator", str(tmp_path / "real"), "--out", str(out), "--base", str(base),
                 "--budget", "40", "--per-trial", "2", "--rungs", "2", "--knob", "scene.spacing",
                 "--holdout", str(tmp_path / "real")])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "overall distance" in printed and "held-out" in printed
    spec = load_scene_set(out)
    assert spec.name == "start-fit" and spec.scene.frame_rates == {30.0: 2.0}
    header = out.read_text().splitlines()[:3]
    assert header[0].startswith("# Scene set fitted") and "overall distance" in header[1]
    assert main(["mot", "fit-generator", str(tmp_path / "nowhere"), "--out", str(out)]) == 2


def test_write_fit_header_names_every_statistic(tmp_path: Path) -> None:
    real = scene_set_sequences(small(), 2, seed=1)
    res = fit_generator(real, small(), budget=16, per_trial=2, knobs=["scene.spacing"], rungs=1)
    text = write_fit(res, tmp_path / "f.yaml").read_text()
    for stat in res.distance.per_statistic:
        assert f"#   {stat}: " in text


def test_successive_halving_measures_the_best_trials_on_more_sequences() -> None:
    real = scene_set_sequences(small(entry_rate=[1.5, 1.5], frames=60), 3, seed=5)
    sizes = rung_sizes(2, 3)
    assert sizes == [2, 2 * PROMOTE, 2 * PROMOTE**2]
    budget = 150
    res = fit_generator(real, small(frames=60), budget=budget, per_trial=2, seed=1, rungs=3,
                        knobs=["scene.entry_rate", "scene.spacing"])  # fmt: skip
    n, dist = res.trial_sequences, res.trial_distances
    assert len(n) == len(dist) == len(res.trials)
    assert all(m == sizes[len(d) - 1] and v == d[-1] for m, d, (_, v) in zip(n, dist, res.trials))
    # Most trials stop at the first size; a few go on to each larger one.
    assert n.count(sizes[0]) > n.count(sizes[1]) > 0 and n.count(sizes[2]) > 0
    # A trial goes on to the next size only when it is among the best 1 / PROMOTE of the
    # trials measured at its size so far (itself included; the first always is).
    for r in range(len(sizes) - 1):
        for i, d in enumerate(dist):
            if len(d) > r + 1:
                competing = sorted(e[r] for e in dist[: i + 1] if len(e) > r)
                assert d[r] <= competing[max(len(competing) // PROMOTE - 1, 0)]
    # The budget is spent on the search's sequences and the final checks of the largest size.
    assert res.final_sequences == sizes[-1]
    assert res.simulated == sum(n) + (1 + FINALISTS) * sizes[-1] <= budget
    # What the search reports is the best it saw at the largest size.
    assert res.search_distance == pytest.approx(min(d[-1] for d in dist if len(d) == len(sizes)))
