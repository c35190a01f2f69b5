"""Importing the built-in plugin modules fills the registries (datasets, sources, learners...)."""

from __future__ import annotations

import importlib

BUILTIN_MODULES = (
    "synreal.data.datasets",
    "synreal.learners.cnn",
    "synreal.synth.user_files",
    "synreal.synth.render_digits",
    "synreal.synth.diffusion",
    "synreal.retrieval.retrievers",
    "synreal.study.conditions",
    "synreal.study.baseline_conditions",
    "synreal.study.executor",
)


def load_builtin_plugins() -> None:
    """Import every module that registers built-in plugins (idempotent)."""
    for name in BUILTIN_MODULES:
        importlib.import_module(name)
