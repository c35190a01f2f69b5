"""Conformance tests over every registry: a new plugin gets these tests for free.

Each registry declares the contract its plugins implement; every registered plugin must pass
the check and behave as its kind promises (a learner builds and classifies, a source
generates balanced, deterministic sets, a dataset loads labelled data, a condition plans
jobs that name it, an executor runs a function, a retriever ranks pool items, a report
section formats a study or says it has nothing to show, a task declares its metrics).
"""

from __future__ import annotations

import numpy as np
import pytest

from synreal.plugins import load_plugins
from synreal.registry import REGISTRIES

load_plugins()
PLUGINS = [(kind, name) for kind, reg in REGISTRIES.items() for name in reg.names()]


def test_every_registry_declares_a_contract_and_holds_plugins():
    for kind, reg in REGISTRIES.items():
        assert reg.interface is not None or reg.contract, f"{kind} registry declares no contract"
        assert len(reg) >= 1, f"no {kind} is registered"


@pytest.mark.parametrize(("kind", "name"), PLUGINS, ids=[f"{k}:{n}" for k, n in PLUGINS])
def test_plugin_meets_its_contract_and_says_what_it_is(kind, name):
    reg = REGISTRIES[kind]
    reg.check(name, reg.get(name))  # raises TypeError naming what is missing
    assert reg.describe()[name], f"{kind} {name!r} has no one-line description for `synreal list`"


def _shape_for(learner) -> tuple[int, ...]:
    return (1, 12, 12) if learner.accepts == "images" else (16,)


@pytest.mark.parametrize("name", REGISTRIES["learner"].names())
def test_learner_builds_and_outputs_one_logit_per_class(name):
    import torch

    cls = REGISTRIES["learner"].get(name)
    shape = _shape_for(cls)
    model = cls.build(cls.Config(), shape, 3)
    model.eval()
    with torch.no_grad():
        out = model(torch.rand(5, *shape))
    assert tuple(out.shape) == (5, 3)
    assert torch.isfinite(out).all()


def _source(name: str, tmp_path):
    from pathlib import Path

    cls = REGISTRIES["synthetic source"].get(name)
    if cls.needs_pool:
        from synreal.data.datasets import load_digits_set

        pool = load_digits_set().subset(np.arange(100))
        return cls(cls.Config(train_steps=2, channels=8)).fit(pool, seed=0, progress=False)
    if cls.needs_path:
        rng = np.random.default_rng(0)
        path = Path(tmp_path) / "syn.npz"
        if name == "embeddings":
            np.savez(path, features=rng.random((60, 16)).astype("f4"), labels=np.arange(60) % 10)
        elif name == "folder":
            from PIL import Image

            path = Path(tmp_path) / "syn"
            for c in range(10):
                (path / str(c)).mkdir(parents=True)
                for i in range(6):
                    Image.fromarray((rng.random((8, 8)) * 255).astype("uint8")).save(path / str(c) / f"{i}.png")
        else:
            np.savez(path, images=rng.random((60, 8, 8)), labels=np.arange(60) % 10, max_value=1.0)
        return cls(cls.Config(), path)
    return cls(cls.Config())


@pytest.mark.parametrize("name", REGISTRIES["synthetic source"].names())
def test_source_generates_labelled_sets_deterministically(name, tmp_path):
    classes = [str(d) for d in range(10)]
    src = _source(name, tmp_path)
    a, b = src.generate(20, 3, classes), src.generate(20, 3, classes)
    assert len(a) == 20 and list(a.classes) == classes and a.labels.max() < 10
    assert np.array_equal(np.asarray(a.inputs), np.asarray(b.inputs)) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(np.asarray(a.inputs), np.asarray(src.generate(20, 4, classes).inputs))
    if not type(src).needs_path:  # generators balance classes; file sources draw uniform random subsets
        counts = np.bincount(a.labels, minlength=10)
        assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", REGISTRIES["dataset"].names())
def test_dataset_loads_labelled_data_in_range(name, tmp_path):
    rng = np.random.default_rng(1)
    path = None
    if name == "npz":
        path = tmp_path / "d.npz"
        np.savez(path, images=rng.random((30, 8, 8)), labels=np.arange(30) % 3, max_value=1.0)
    elif name == "embeddings":
        path = tmp_path / "e.npz"
        np.savez(path, features=rng.random((30, 5)).astype("f4"), labels=np.arange(30) % 3)
    elif name == "folder":
        from PIL import Image

        path = tmp_path / "f"
        for c in "abc":
            (path / c).mkdir(parents=True)
            for i in range(4):
                Image.fromarray((rng.random((8, 8)) * 255).astype("uint8")).save(path / c / f"{i}.png")
    data = REGISTRIES["dataset"].get(name)(path, image_size=None, channels=None, key="real.path")
    assert len(data) == len(data.labels) > 0
    assert data.labels.min() >= 0 and data.labels.max() < len(data.classes)
    x = np.asarray(data.inputs)
    assert np.isfinite(x).all()
    if hasattr(data, "images"):
        assert x.min() >= 0 and x.max() <= 1


@pytest.mark.parametrize("name", REGISTRIES["executor"].names())
def test_executor_runs_a_function_and_returns_its_result(name, request):
    if name == "ray":
        request.getfixturevalue("ray_local")  # one local Ray instance for the session
    ex = REGISTRIES["executor"].get(name)(1)
    try:
        assert ex.submit(divmod, 7, 2).result(timeout=60) == (3, 1)
        assert ex.workers >= 1
    finally:
        ex.shutdown()


def _spec_planning(name: str, noisy_digits_npz) -> dict:
    """A tiny spec of a task that allows condition ``name``, listing it."""
    from synreal.study.spec import StudySpec
    from synreal.tasks.tracking import TrackingStudySpec
    from tests.conftest import tiny_spec

    if name in StudySpec.CONDITIONS or name not in TrackingStudySpec.CONDITIONS:  # retrieval adds its own
        return tiny_spec(noisy_digits_npz, conditions=[
            "real", "real+aug", {"condition": "pretrain", "n_synthetic": [50]}, {"condition": "mix", "n_synthetic": [50]},
            {"condition": "synthetic-only", "n_synthetic": [50]}],
            real={"pool_fraction": 0.3},
            retrieval={"pool": "embedded", "sizes": [20], "gammas": [0.5],
                       "generator": {"knobs": {"train_steps": 2, "channels": 8}}})
    from tests.study.test_tracking_study import _spec as tracking_spec

    return tracking_spec()


@pytest.mark.parametrize("name", REGISTRIES["condition"].names())
def test_condition_plans_jobs_that_name_it(name, noisy_digits_npz):
    from synreal.study.runner import plan_study
    from synreal.study.spec import validate_spec

    jobs = plan_study(validate_spec(_spec_planning(name, noisy_digits_npz))).jobs
    mine = [j for j in jobs if j.kind == "run" and j.config.condition == name]
    assert mine, f"no run of condition {name!r} planned"
    keys = {j.key for j in jobs}
    assert all(set(j.deps) <= keys for j in mine)  # every dependency is planned too
    assert len({j.key for j in mine}) == len(mine)


@pytest.mark.parametrize("name", REGISTRIES["retriever"].names())
def test_retriever_returns_ranked_matches_per_class(name):
    from synreal.data.datasets import load_digits_set
    from synreal.retrieval import DIGIT_RULES, digits_pool
    from synreal.retrieval.config import validate_config

    digits = load_digits_set()
    pool = digits_pool(digits.subset(np.arange(300)), seed=0)
    classes = [str(d) for d in range(10)]
    cfg = validate_config({"method": name, **({"rules": DIGIT_RULES} if name == "fts" else {})})
    exemplars = digits.subset(np.arange(300, 400)) if name == "knn-image" else None
    if name == "knn-text" and pool.text_embeddings is None:
        pytest.skip("the embedded pool has no text embeddings")
    matches = REGISTRIES["retriever"].get(name)(pool, classes, cfg, exemplars=exemplars, index_dir=None)
    assert set(matches.indices) == set(classes)
    for c in classes:
        scores = np.asarray(matches.scores[c])
        assert len(scores) == len(matches.indices[c])
        assert np.all(np.diff(scores) <= 1e-9), f"{name}: matches of class {c} are not best first"


@pytest.mark.parametrize("name", REGISTRIES["report section"].names())
def test_report_section_formats_a_study_or_says_it_has_nothing(name, tmp_path):
    from synreal.report.sections import ReportContext, Section
    from tests.report.simulate import simulate_meta, simulate_study

    table = simulate_study()
    ctx = ReportContext(results=table, meta=simulate_meta(table), figures_dir=tmp_path)
    sec = REGISTRIES["report section"].get(name)(ctx)
    assert sec is None or (isinstance(sec, Section) and sec.key == name and sec.title)
    if sec is not None:
        assert all(p.is_file() for p in sec.figures)


@pytest.mark.parametrize("name", REGISTRIES["task"].names())
def test_task_declares_metrics_and_registered_conditions(name):
    task = REGISTRIES["task"].get(name)()
    assert task.name == name and task.metrics and task.primary is task.metrics[0]
    for c in task.conditions:
        assert c in REGISTRIES["condition"], f"task {name!r} names unregistered condition {c!r}"
    assert task.baseline in task.conditions


@pytest.mark.parametrize("name", REGISTRIES["motion model"].names())
def test_motion_model_predicts_one_box_per_live_track_and_follows_updates(name):
    model = REGISTRIES["motion model"].get(name)()
    boxes = np.array([[10.0, 20.0, 8.0, 20.0], [100.0, 50.0, 10.0, 25.0]])
    state = model.initiate(boxes, fps=25.0)
    for t in range(1, 6):  # both move right by 2 px per frame
        state, pred = model.predict(state)
        assert pred.box.shape == (2, 4) and np.isfinite(pred.box).all()
        state = model.update(state, np.arange(2), boxes + [2.0 * t, 0, 0, 0])
    state, pred = model.predict(state)
    assert np.all(np.abs(pred.box[:, 1] - boxes[:, 1]) < 5)  # no drift in the direction nothing moves
