"""Packaging respects the user's environment: a torch range, optional extras named when missing, --version."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from synreal import __version__
from synreal._optional import EXTRAS, MissingDependency, require
from synreal.errors import UserInputError

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_torch_is_a_range_and_the_exact_cpu_pin_lives_in_constraints():
    deps = _pyproject()["project"]["dependencies"]
    torch = [d for d in deps if d.replace(" ", "").startswith("torch")]
    assert len(torch) == 1 and "==" not in torch[0] and ">=" in torch[0] and "<" in torch[0]
    assert "torch==2.13.0" in (ROOT / "constraints.txt").read_text()


def test_heavy_stacks_are_extras_and_dev_installs_the_ones_tests_use():
    project = _pyproject()["project"]
    core = " ".join(project["dependencies"])
    extras = project["optional-dependencies"]
    for extra, dists in EXTRAS.items():
        assert all(any(d in r for r in extras[extra]) for d in dists), extra
        assert not any(d in core for d in dists), f"{dists} must not be core dependencies"
    dev_extras = {e for r in extras["dev"] if r.startswith("synreal[") for e in r[8:-1].split(",")}
    assert {"faiss", "tracking", "fit", "ray", "fast"} <= dev_extras  # CI installs dev: every extra's tests run


def test_require_names_the_extra_and_is_a_user_error():
    with pytest.raises(MissingDependency, match=r"pip install 'synreal\[tracking\]'") as err:
        require("no_such_module_xyz.metrics", "tracking")
    assert isinstance(err.value, UserInputError)
    assert require("json", "ray").dumps([]) == "[]"
    with pytest.raises(ValueError):
        require("json", "no-such-extra")


def test_a_missing_faiss_is_reported_with_its_extra(monkeypatch):
    import builtins

    import numpy as np

    from synreal.retrieval.neighbors import knn

    real_import = builtins.__import__

    def no_faiss(name, *a, **k):
        if name == "faiss" or name.startswith("faiss."):
            raise ModuleNotFoundError("No module named 'faiss'", name="faiss")
        return real_import(name, *a, **k)

    monkeypatch.delitem(__import__("sys").modules, "faiss", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_faiss)
    monkeypatch.setattr("importlib.import_module", lambda name, package=None: no_faiss(name))
    with pytest.raises(MissingDependency, match=r"synreal\[faiss\]"):
        knn(np.eye(2, dtype=np.float32), np.eye(2, dtype=np.float32), 1)


def test_version_option(capsys):
    from synreal.cli.main import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"synreal {__version__}"
    assert __version__ == _pyproject()["project"]["version"]
