"""Every docstring example of the package runs and prints what it claims.

The modules are found by walking the package, so a new module's examples run without
being listed anywhere. Modules import through the normal import system (each once), so
plugin registries are not filled twice.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import synreal

MODULES = sorted(m.name for m in pkgutil.walk_packages(synreal.__path__, "synreal.") if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (see the output above)"
