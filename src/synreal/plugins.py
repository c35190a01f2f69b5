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

BUILTIN_MODULES: dict[str, tuple[str, ...]] = {
    "task": ("synreal.tasks.classification", "synreal.tasks.tracking"),
    "dataset": ("synreal.data.datasets",),
    "learner": ("synreal.learners.cnn", "synreal.learners.resnet", "synreal.learners.probe"),
    "synthetic source": ("synreal.synth.user_files", "synreal.synth.digits_source", "synreal.synth.diffusion"),
    "retriever": ("synreal.retrieval.retrievers",),
    "condition": ("synreal.study.conditions", "synreal.tasks.retrieval_conditions"),
    "executor": ("synreal.study.executor", "synreal.study.ray_executor"),
    "motion model": ("synreal.tracking.motion",),
    "report section": ("synreal.report.section_core", "synreal.report.section_substitution",
                       "synreal.report.section_flexibility", "synreal.report.section_augmentation",
                       "synreal.report.section_scaling", "synreal.report.section_retrieval",
                       "synreal.report.section_tracking", "synreal.report.section_advice"),
}
"""The modules whose import registers the built-in plugins, by registry kind."""
STUDY_KINDS = ("task", "dataset", "learner", "synthetic source", "retriever", "condition", "executor")
"""What planning and running a study needs (the report sections are loaded by the report)."""

LEARNER_GROUP = "synreal.learners"
"""The entry point group through which installed packages add learners."""


def _check_learner(name: str, obj: object, origin: str) -> None:
    """A plugin's class implements the learner contract (``LEARNERS.check``); a UserInputError otherwise."""
    from synreal.learners.base import LEARNERS

    try:
        LEARNERS.check(name, obj)
    except TypeError as exc:
        raise UserInputError(f"entry point {name!r} ({origin}) is not a learner: {exc}", key=LEARNER_GROUP) from None


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


def load_plugins(*kinds: str) -> None:
    """Import the modules that register the built-in plugins of ``kinds`` (all when none is given),
    then the learner entry points. Idempotent: a module imports once per process, and the entry
    points load once (``load_entry_point_learners`` is cached).

    Example:
        >>> load_plugins("dataset")
        >>> from synreal.data.datasets import DATASETS
        >>> "digits" in DATASETS
        True
    """
    for kind in kinds or tuple(BUILTIN_MODULES):
        for name in BUILTIN_MODULES[kind]:
            importlib.import_module(name)
    if not kinds or "learner" in kinds:
        load_entry_point_learners()


def load_builtin_plugins() -> None:
    """Everything a study needs: ``load_plugins(*STUDY_KINDS)``."""
    load_plugins(*STUDY_KINDS)
