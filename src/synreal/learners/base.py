"""Learners: models in plain ``torch.nn``, registered by name.

A learner class has a nested pydantic ``Config`` (its hyper-parameters, unknown keys are
errors), ``build(config, in_shape, n_classes) -> nn.Module`` and a class attribute
``accepts``: ``"images"`` (``in_shape`` is (C, H, W)) or ``"features"`` (``in_shape`` is
(D,), precomputed embeddings). Training is shared (``synreal.learners.train``), so a new
learner only says how its network looks; a learner that trains itself differently (the
linear probe's L-BFGS) sets ``own_fit = True`` and defines ``fit``.

Users add learners from their own packages through the entry point group
``synreal.learners`` (see ``synreal.plugins``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from synreal.data.convert import as_shape
from synreal.errors import UserInputError
from synreal.registry import Registry, has_attrs, has_methods, one_of

InputKind = Literal["images", "features"]


class LearnerConfig(BaseModel):
    """Base of every learner's hyper-parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)


LEARNERS: Registry = Registry("learner", contract=[
    has_attrs(Config=LearnerConfig, own_fit=bool), one_of("accepts", ("images", "features")), has_methods("build"),
])
"""name -> learner class: ``Config`` (a LearnerConfig), ``accepts`` ("images" or "features"), ``own_fit``
(True when the model trains itself through ``fit``) and ``build(config, in_shape, n_classes)``."""


def accepts(learner_cls: Any) -> InputKind:
    """What a learner class takes: ``"images"`` or ``"features"`` (declared by the class).

    Example:
        >>> class Probe: accepts = "features"
        >>> accepts(Probe)
        'features'
    """
    return learner_cls.accepts


def check_learner_input(name: str, in_shape: Any, *, what: str = "the real data", key: str = "learner.name") -> None:
    """A UserInputError when the learner ``name`` cannot take inputs of ``in_shape``.

    Args:
        name: a registered learner.
        in_shape: (C, H, W) of images or (D,) of features.
        what: the data in words, for the message.
        key: the spec key to name.

    Example:
        >>> from synreal.plugins import load_builtin_plugins; load_builtin_plugins()
        >>> check_learner_input("small-cnn", (1, 8, 8))
        >>> check_learner_input("small-cnn", (512,))
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: learner.name: learner 'small-cnn' takes images but the real data holds features (512-d features); ...
    """
    cls = LEARNERS.get(name, key=key)
    shape = as_shape(in_shape)
    kind = accepts(cls)
    if shape.kind != kind:
        fits = [n for n in LEARNERS.names() if accepts(LEARNERS.get(n)) == shape.kind]
        raise UserInputError(
            f"learner {name!r} takes {kind} but {what} holds {shape.kind} ({shape}); "
            f"learners for {shape.kind}: {', '.join(fits) or 'none registered'}",
            key=key,
        )
