"""The one plugin loader: built-in modules, then the ``synreal.learners`` entry points.

Importing a plugin module fills the registries (datasets, sources, learners...). Built-in
modules are listed below; other packages add learners by declaring an entry point in the
group ``synreal.learners`` whose object is a learner class (a ``Config`` and ``build``) or a
module that registers learners when imported::

    [project.entry-points."synreal.learners"]
    tiny-mlp = "my_package.learners:TinyMLP"

A class is registered under the entry point's name; a module registers its own. Entry
points load once per process (cached), only when a registry is first needed, and only
from installed packages: a study spec names a learner, it never carries code.
"""

from __future__ import annotations

import importlib
import inspect
from functools import lru_cache
from importlib import metadata

from synreal.errors import UserInputError

BUILTIN_MODULES = (
    "synreal.data.datasets",
    "synreal.learners.cnn",
    "synreal.learners.resnet",
    "synreal.learners.probe",
    "synreal.synth.user_files",
    "synreal.synth.render_digits",
    "synreal.synth.diffusion",
    "synreal.retrieval.retrievers",
    "synreal.study.conditions",
    "synreal.study.baseline_conditions",
    "synreal.study.executor",
)

LEARNER_GROUP = "synreal.learners"
"""The entry point group through which installed packages add learners."""


def _check_learner(name: str, obj: object, origin: str) -> None:
    """A learner class has a pydantic Config and a build method; a UserInputError otherwise."""
    from pydantic import BaseModel

    config = getattr(obj, "Config", None)
    if not (inspect.isclass(config) and issubclass(config, BaseModel)) or not callable(getattr(obj, "build", None)):
        raise UserInputError(
            f"entry point {name!r} ({origin}) is not a learner: expected a class with a pydantic 'Config' "
            "and a 'build(config, in_shape, n_classes)' classmethod",
            key=LEARNER_GROUP,
        )


@lru_cache(maxsize=1)
def load_entry_point_learners() -> tuple[str, ...]:
    """Load every ``synreal.learners`` entry point once; returns the names registered from them.

    Example:
        >>> isinstance(load_entry_point_learners(), tuple)
        True
    """
    from synreal.learners.base import LEARNERS

    added = []
    for ep in metadata.entry_points(group=LEARNER_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - any failure inside a third-party import is reported, not hidden
            raise UserInputError(
                f"cannot load learner plugin {ep.name!r} ({ep.value}): {type(exc).__name__}: {exc}", key=LEARNER_GROUP
            ) from exc
        if inspect.ismodule(obj):
            continue  # importing it registered its learners
        _check_learner(ep.name, obj, ep.value)
        LEARNERS.register(ep.name, doc=f"plugin {ep.value}")(obj)
        added.append(ep.name)
    return tuple(added)


def load_builtin_plugins() -> None:
    """Import every module that registers built-in plugins, then the learner entry points (idempotent)."""
    for name in BUILTIN_MODULES:
        importlib.import_module(name)
    load_entry_point_learners()
