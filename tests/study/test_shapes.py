"""One input shape per study, resolved at plan time: sources are converted to it or refused before any run."""

from __future__ import annotations

import os

import numpy as np
import pytest
from rich.console import Console

from synreal.errors import UserInputError
from synreal.study.runner import plan_study, run_study
from synreal.study.spec import validate_spec
from synreal.study.store import RunStore
from tests.conftest import tiny_spec

QUIET = Console(file=open(os.devnull, "w"))


@pytest.fixture
def digits16(tmp_path):
    """Real digits at 16x16 (scikit-learn's, upsampled by pixel repetition), 0..16 scale."""
    from sklearn.datasets import load_digits

    d = load_digits()
    path = tmp_path / "real16.npz"
    np.savez(path, images=np.kron(d.images, np.ones((2, 2))), labels=d.target, max_value=16)
    return path


def _spec(real: object, **over: object) -> dict:
    spec = tiny_spec(real, conditions=["real", {"condition": "pretrain", "n_synthetic": [60]}],
                     sources=[{"name": "fonts", "kind": "render-digits", "knobs": {"fonts": 2}}],
                     real={"dataset": "npz", "path": str(real)}, seeds=[0], real_fractions=[0.2, 1.0])
    spec.update(over)
    return spec


def test_a_source_of_another_size_is_converted_as_the_plan_says(digits16, tmp_path):
    plan = plan_study(validate_spec(_spec(digits16)))
    assert plan.context.in_shape == (1, 16, 16) and plan.meta.input_shape == "1x16x16"
    assert plan.meta.conversions["fonts"] == "fonts: 1x8x8 -> 1x16x16 (bilinear upsample)"
    pre = next(j for j in plan.jobs if j.kind == "pretrain")
    assert pre.config.source.convert.upsample == "bilinear"  # the policy is part of the checkpoint's key
    run_study(validate_spec(_spec(digits16)), tmp_path / "out", console=QUIET)
    acc = RunStore(tmp_path / "out").tidy().query("metric == 'accuracy'")
    assert len(acc) == 2 + 2 and acc["value"].between(0, 1).all()  # real and pretrain at 2 fractions: no crash


def test_a_forbidden_conversion_fails_at_plan_time_naming_both_sides(digits16):
    spec = validate_spec(_spec(digits16, convert={"upsample": "forbid"}))
    with pytest.raises(UserInputError) as err:
        plan_study(spec)
    msg = str(err.value)
    assert "source 'fonts' (sources[0])" in msg and "the real data" in msg and "1x8x8" in msg and "1x16x16" in msg


def test_the_policy_changes_the_run_keys(digits16):
    a = {j.key for j in plan_study(validate_spec(_spec(digits16))).jobs if j.kind == "pretrain"}
    b = {j.key for j in plan_study(validate_spec(_spec(digits16, convert={"upsample": "nearest"}))).jobs
         if j.kind == "pretrain"}
    assert a and a.isdisjoint(b)


@pytest.fixture
def embeddings(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "emb.npz"
    y = np.arange(300) % 3
    np.savez(path, features=(rng.normal(size=(300, 8)) + y[:, None]).astype("f4"), labels=y)
    return path


def test_an_image_learner_on_embeddings_is_refused_at_plan_time(embeddings):
    spec = tiny_spec(embeddings, real={"dataset": "embeddings", "path": str(embeddings)}, conditions=["real"],
                     sources=[], seeds=[0], real_fractions=[1.0])
    with pytest.raises(UserInputError, match="learner 'small-cnn' takes images but the real data holds features"):
        plan_study(validate_spec(spec))


def test_augmentation_on_embeddings_is_refused_at_plan_time_naming_the_condition(embeddings):
    spec = tiny_spec(embeddings, real={"dataset": "embeddings", "path": str(embeddings)},
                     conditions=["real", "real+aug"], sources=[], seeds=[0], real_fractions=[1.0],
                     learner={"name": "mlp", "params": {}})
    with pytest.raises(UserInputError, match=r"conditions\[1\].*needs images"):
        plan_study(validate_spec(spec))
