"""The examples in the tracking docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["activities", "appearance", "boxes", "camera", "detections", "embedded", "figure", "fit", "generate", "metrics",
           "motchallenge", "render", "scene", "show", "spec", "stats", "stats_figure"]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    mod = importlib.import_module(f"synreal.tracking.{name}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
