"""Learners from other packages arrive through the ``synreal.learners`` entry point group."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from synreal import plugins
from synreal.errors import UserInputError
from synreal.learners.base import LEARNERS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "learner-plugin"


@pytest.fixture
def fake_entry_points(monkeypatch):
    """Install entry points (name -> 'module:attr') for the duration of a test."""

    def install(points: dict[str, str]) -> None:
        eps = metadata.EntryPoints(metadata.EntryPoint(n, v, plugins.LEARNER_GROUP) for n, v in points.items())
        monkeypatch.setattr(plugins.metadata, "entry_points", lambda group=None: eps if group == plugins.LEARNER_GROUP else ())
        plugins.load_entry_point_learners.cache_clear()

    yield install
    plugins.load_entry_point_learners.cache_clear()
    for name in ("tiny-mlp", "not-a-learner"):
        LEARNERS._items.pop(name, None)
        LEARNERS._docs.pop(name, None)


def test_the_example_package_registers_its_learner_once(fake_entry_points, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    fake_entry_points({"tiny-mlp": "synreal_tiny_learner:TinyMLP"})
    plugins.load_builtin_plugins()
    cls = LEARNERS.get("tiny-mlp")
    assert cls.__name__ == "TinyMLP" and "synreal_tiny_learner:TinyMLP" in LEARNERS.describe()["tiny-mlp"]
    # cached: a second call does not load the entry points again
    monkeypatch.setattr(plugins.metadata, "entry_points", lambda group=None: pytest.fail("loaded twice"))
    plugins.load_builtin_plugins()


def test_a_plugin_learner_trains_like_a_builtin_one(fake_entry_points, monkeypatch):
    import numpy as np
    import torch

    from synreal.data.base import ImageSet
    from synreal.learners.train import TrainConfig, evaluate, train

    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    fake_entry_points({"tiny-mlp": "synreal_tiny_learner:TinyMLP"})
    plugins.load_builtin_plugins()
    cls = LEARNERS.get("tiny-mlp")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    x = (rng.random((200, 1, 8, 8)) * 0.3 + 0.7 * y[:, None, None, None]).astype(np.float32)
    data = ImageSet(np.clip(x, 0, 1), y, ["dark", "bright"])
    torch.manual_seed(0)
    net = cls.build(cls.Config.model_validate({"hidden": 16}), (1, 8, 8), 2)
    train(net, data, TrainConfig(epochs=5, min_steps=80, device="cpu"), seed=0)
    assert evaluate(net, data)["accuracy"] > 0.95


def test_a_spec_can_name_a_plugin_learner_and_typos_in_its_params_are_errors(fake_entry_points, monkeypatch):
    from synreal.study.spec import validate_spec

    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    fake_entry_points({"tiny-mlp": "synreal_tiny_learner:TinyMLP"})
    base = {"name": "p", "seeds": [0], "real_fractions": [1.0], "conditions": ["real"]}
    assert validate_spec(base | {"learner": {"name": "tiny-mlp", "params": {"hidden": 8}}}).learner.name == "tiny-mlp"
    with pytest.raises(UserInputError, match="unknown key 'hiden'"):
        validate_spec(base | {"learner": {"name": "tiny-mlp", "params": {"hiden": 8}}})


def test_an_entry_point_that_is_not_a_learner_is_a_clear_error(fake_entry_points):
    fake_entry_points({"not-a-learner": "math:sqrt"})
    with pytest.raises(UserInputError, match="'not-a-learner' \\(math:sqrt\\) is not a learner"):
        plugins.load_builtin_plugins()


def test_an_entry_point_that_fails_to_import_names_itself(fake_entry_points):
    fake_entry_points({"tiny-mlp": "no_such_package_xyz:Learner"})
    with pytest.raises(UserInputError, match="cannot load learner plugin 'tiny-mlp' \\(no_such_package_xyz:Learner\\)"):
        plugins.load_builtin_plugins()
    assert "no_such_package_xyz" not in sys.modules
