"""Optional heavy dependencies, imported at the point of use with a message naming the extra.

synreal's core (studies, learners, reports) needs numpy, torch and friends; a few features
need more: retrieval's nearest neighbours (``faiss-cpu``, extra ``faiss``), the tracking
metrics (``trackeval``, ``motmetrics``, extra ``tracking``) and the ray executor (``ray``,
extra ``ray``). ``require`` imports such a module or raises ``MissingDependency``, a
``UserInputError``, so the command line prints one line saying what to install and exits 2.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from synreal.errors import UserInputError

EXTRAS = {
    "faiss": ("faiss-cpu",),
    "tracking": ("trackeval", "motmetrics"),
    "fit": ("optuna",),
    "ray": ("ray",),
    "fast": ("numba",),
}
"""extra -> the distributions it installs (kept in step with pyproject.toml)."""


class MissingDependency(UserInputError):
    """An optional dependency is not installed; the message names the extra that installs it."""


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or raise ``MissingDependency`` naming ``pip install 'synreal[extra]'``.

    Args:
        module: the module to import (``"faiss"``, ``"trackeval.metrics"``).
        extra: the synreal extra that installs it (a key of ``EXTRAS``).

    Returns:
        The imported module.

    Example:
        >>> require("json", "faiss").__name__
        'json'
        >>> require("no_such_module_xyz", "faiss")
        Traceback (most recent call last):
        ...
        synreal._optional.MissingDependency: no_such_module_xyz is not installed; it comes with the optional extra 'faiss' (faiss-cpu): pip install 'synreal[faiss]'
    """
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(EXTRAS)}")
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.split(".")[0]
        if exc.name is not None and exc.name.split(".")[0] != top:
            raise  # the package is there but something it imports is missing: not ours to explain
        raise MissingDependency(
            f"{top} is not installed; it comes with the optional extra {extra!r} ({', '.join(EXTRAS[extra])}): "
            f"pip install 'synreal[{extra}]'"
        ) from None
