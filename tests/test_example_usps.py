"""examples/usps.yaml is a valid spec whose sources draw the real data's shape."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from synreal.data.convert import shape_of
from synreal.plugins import load_builtin_plugins
from synreal.study.spec import load_spec
from synreal.synth.base import SOURCES

ROOT = Path(__file__).resolve().parents[1]


def test_usps_example_validates_and_its_sources_draw_16x16():
    load_builtin_plugins()
    spec = load_spec(ROOT / "examples" / "usps.yaml")
    assert spec.real.dataset == "npz" and spec.learner.name == "small-cnn"
    for s in spec.sources:
        cls = SOURCES.get(s.kind)
        assert cls(cls.Config.model_validate(s.knobs)).output_shape() == (1, 16, 16)


def test_usps_example_points_at_the_shared_copy(shared_data, monkeypatch):
    from synreal.data.datasets import load_npz

    monkeypatch.chdir(ROOT)
    spec = load_spec(ROOT / "examples" / "usps.yaml")
    if not Path(spec.real.path).is_file():
        pytest.skip(f"{spec.real.path} is not there from {os.getcwd()}")
    real = load_npz(Path(spec.real.path))
    assert shape_of(real) == (1, 16, 16) and len(real) == 7291
