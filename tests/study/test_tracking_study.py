"""The tracking study through the engine: the embedded TUD pair, a learned motion model, the Kalman baseline."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import yaml
from rich.console import Console

from synreal.cli.main import main
from synreal.errors import UserInputError
from synreal.study.runner import plan_study, run_study
from synreal.study.spec import validate_spec
from synreal.study.store import RunStore

QUIET = Console(file=open(os.devnull, "w"))


def _spec(**over: object) -> dict:
    spec = {
        "name": "tiny-tracking",
        "task": "tracking",
        "seeds": [0, 1],
        "real_fractions": [0.3, 1.0],
        "real": {"path": "embedded:tud"},
        "sources": [{"name": "walkers", "kind": "crowd", "knobs": {"sequences": 3, "scene": {"frames": 100}}}],
        "conditions": ["kalman", "real", {"condition": "pretrain", "n_synthetic": [3]},
                       {"condition": "synthetic-only", "n_synthetic": [3]}],
        "training": {"train": {"steps": 40, "batch_size": 32}, "pretrain": {"steps": 40, "batch_size": 32},
                     "finetune": {"steps": 20, "batch_size": 32}},
        "realism_sequences": 3,
        "report": {"tolerance": 0.01},
        "executor": {"kind": "inline"},
    }
    spec.update(over)
    return spec


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("tracking")
    path = out / "study.yaml"
    path.write_text(yaml.safe_dump(_spec()))
    assert main(["run", str(path), "--out", str(out / "run")]) == 0
    return path, out / "run"


def test_every_run_reports_tracking_metrics_and_the_kalman_baseline_learns_nothing(tiny_study):
    _, out = tiny_study
    tidy = RunStore(out).tidy()
    hota = tidy[tidy.metric == "HOTA"]
    # kalman and real at 2 fractions, pretrain at 2 fractions, synthetic-only: 7 runs per seed
    assert len(hota) == 2 * (2 + 2 + 2 + 1) and hota.value.between(0, 1).all()
    assert {"DetA", "AssA", "IDF1", "MOTA"} <= set(tidy.metric)
    kal = hota[hota.condition == "kalman"].pivot(index="seed", columns="real_fraction", values="value")
    assert (kal[0.3] == kal[1.0]).all()  # the same detections, a filter that trains on nothing
    assert (kal[0.3] != kal.loc[kal.index[::-1], 0.3].to_numpy()).any()  # but the seed changes the detections


def test_the_pretrained_checkpoint_is_trained_once_per_scene_set_size_and_seed(tiny_study):
    path, out = tiny_study
    jobs = plan_study(validate_spec(yaml.safe_load(path.read_text()))).jobs
    pre = [j for j in jobs if j.kind == "pretrain"]
    assert len(pre) == 2  # one per seed, shared by both fractions and synthetic-only
    users = [j for j in jobs if j.kind == "run" and j.deps]
    assert len(users) == 2 * 3 and {d for j in users for d in j.deps} == {p.key for p in pre}
    # the fine-tuned models differ from the checkpoints they started from (they did train)
    tidy = RunStore(out).tidy()
    h = tidy[tidy.metric == "HOTA"]
    fine = h[(h.condition == "pretrain") & (h.real_fraction == 1.0)].set_index("seed")["value"]
    only = h[h.condition == "synthetic-only"].set_index("seed")["value"]
    assert not np.allclose(fine.sort_index(), only.sort_index())


def test_the_report_leads_with_hota_and_has_the_tracking_section(tiny_study):
    _, out = tiny_study
    summary = json.loads((out / "summary.json").read_text())
    assert summary["report"]["metric"] == "HOTA" and summary["meta"]["baseline"] == "kalman"
    assert "tracking" in summary["sections"] and "augmentation" in summary["sections"]
    heads = [h["text"] for h in summary["headlines"]]
    assert any("sequences" in h for h in heads if h.startswith("Pre-training"))
    assert any("kalman" in h for h in heads)
    assert "walkers" in summary["meta"]["realism"]


def test_rerun_trains_nothing_and_executors_agree(tiny_study, tmp_path):
    path, out = tiny_study
    spec = validate_spec(yaml.safe_load(path.read_text()))
    again = run_study(spec, out, console=QUIET)
    assert again.executed == 0
    other = run_study(spec, tmp_path / "local", console=QUIET, executor="local", workers=2)
    a, b = RunStore(out).tidy(), RunStore(tmp_path / "local").tidy()
    key = ["condition", "source", "n_synthetic", "real_fraction", "seed", "metric"]
    m = a[a.metric == "HOTA"].merge(b[b.metric == "HOTA"], on=key)
    assert len(m) == len(a[a.metric == "HOTA"]) and (m.value_x == m.value_y).all() and other.executed > 0


def test_real_fractions_of_frames_are_nested_windows():
    from synreal.study.jobs import TrackingDataRef
    from synreal.tasks.tracking import Tracking

    task = Tracking()
    ref = TrackingDataRef(path="embedded:tud", train=("TUD-Stadtmitte",), test=("TUD-Campus",), fingerprint="x")
    small, big = task.real_train(ref, 0.2, 3)[0], task.real_train(ref, 0.5, 3)[0]
    fs, fb = set(small.gt.frame.tolist()), set(big.gt.frame.tolist())
    assert fs < fb and len(fb) > len(fs) > 0
    assert set(task.real_train(ref, 0.2, 4)[0].gt.frame.tolist()) != fs  # the seed moves the window


@pytest.mark.parametrize(("over", "key", "words"), [
    ({"real": {"path": "embedded:tud", "test_sequences": ["TUD-Campus"], "train_sequences": ["TUD-Campus"]}},
     "real", "training and for testing"),
    ({"real": {"path": "embedded:tud", "test_sequences": ["TUD-Nowhere"]}}, "real.test_sequences", "TUD-Nowhere"),
    ({"real": {"path": "embedded:tud", "fraction_of": "sequences"}, "real_fractions": [0.1, 1.0]},
     "real_fractions", "leaves none"),
    ({"learner": {"name": "kalman"}}, "learner", "the 'kalman' condition"),
    ({"conditions": ["real+aug"]}, "conditions", "not one of this task's"),
])
def test_bad_tracking_specs_name_the_key(over, key, words):
    with pytest.raises(UserInputError) as err:
        plan_study(validate_spec(_spec(**over)))
    assert key in str(err.value) and words in str(err.value)


def test_a_scene_set_with_no_trajectories_is_a_clear_error(monkeypatch):
    from synreal.study.jobs import SourceRef
    from synreal.tasks import tracking as task_mod
    from synreal.tracking import generate
    from synreal.tracking.motchallenge import MotSequence, MotTable, SeqInfo
    from synreal.tracking.spec import SceneSetSpec

    # a scene set whose people never come into view gives sequences without a box
    monkeypatch.setattr(generate, "scene_set_sequences",
                        lambda spec, n, seed=None: [MotSequence(SeqInfo(f"e{i}", 10), gt=MotTable.empty()) for i in range(n)])
    task_mod._scene_sequences.cache_clear()
    spec = SceneSetSpec.model_validate({"name": "nobody-in-view"})
    with pytest.raises(UserInputError, match="'nobody-in-view' produced no trajectories"):
        task_mod.Tracking().synthetic(SourceRef(kind="crowd", knobs=spec.model_dump(mode="json")), 2, 0, None)
    task_mod._scene_sequences.cache_clear()
