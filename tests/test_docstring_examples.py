"""The examples in the docstrings of the data, learner and packaging modules run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "synreal.data.base", "synreal.data.convert", "synreal.data.decode", "synreal.data.cache", "synreal.data.datasets",
    "synreal.learners.base", "synreal.learners.cnn", "synreal.learners.resnet", "synreal.learners.probe",
    "synreal.learners.train", "synreal.synth.digit_layouts", "synreal.fileio", "synreal._optional", "synreal.plugins",
    "synreal.yamlio", "synreal.study.artifacts", "synreal.study.lock", "synreal.study.ray_executor",
    "synreal.study.spec", "synreal.study.estimate",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
