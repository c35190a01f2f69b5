"""Learners: models in plain ``torch.nn``, registered by name.

A learner class has a nested pydantic ``Config`` (its hyper-parameters, unknown keys are
errors) and ``build(config, in_shape, n_classes) -> nn.Module``. Training is shared
(``synreal.learners.train``), so a new learner only says how its network looks.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from synreal.registry import Registry

LEARNERS: Registry = Registry("learner")


class LearnerConfig(BaseModel):
    """Base of every learner's hyper-parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)
