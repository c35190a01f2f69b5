"""Motion models of the tracker: the ``MOTION_MODELS`` registry and its members.

- ``kalman``: the constant-velocity Kalman filter of SORT/ByteTrack (learns nothing);
- ``learned``: a small network that reads a track's last boxes and predicts the next box and
  its uncertainty, trained on trajectories with ``train_motion_model``.
"""

from __future__ import annotations

from typing import Any

from synreal.tracking.motion.base import (
    MOTION_MODELS,
    BoxPrediction,
    MotionConfig,
    MotionModel,
    MotionState,
)
from synreal.tracking.motion.kalman import KalmanConfig, KalmanMotion, KalmanState
from synreal.tracking.motion.learned import LearnedConfig, LearnedMotion, LearnedState
from synreal.tracking.motion.train_config import MotionTrainConfig

__all__ = [
    "MOTION_MODELS",
    "BoxPrediction",
    "KalmanConfig",
    "KalmanMotion",
    "KalmanState",
    "LearnedConfig",
    "LearnedMotion",
    "LearnedState",
    "MotionConfig",
    "MotionModel",
    "MotionState",
    "MotionTrainConfig",
    "MotionTrainStats",
    "make_motion_model",
    "train_motion_model",
]


def make_motion_model(name: str, config: dict[str, Any] | MotionConfig | None = None) -> MotionModel:
    """A registered motion model with its config (a dict is validated against its ``Config``).

    Args:
        name: a name in ``MOTION_MODELS`` (``kalman``, ``learned``).
        config: the model's knobs, or None for its defaults.

    Returns:
        The motion model (a learned one starts untrained: train it with ``train_motion_model``).

    Raises:
        UserInputError: an unknown name (listing the registered ones) or bad knobs.

    Example:
        >>> make_motion_model("kalman", {"state": "xywh"}).config.state
        'xywh'
    """
    from pydantic import ValidationError

    from synreal.errors import UserInputError

    cls = MOTION_MODELS.get(name, key="motion_model")
    if isinstance(config, dict):
        try:
            config = cls.Config.model_validate(config)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            raise UserInputError(err["msg"], key=f"motion_model.{key}" if key else "motion_model") from None
    return cls(config)


def __getattr__(name: str) -> Any:
    # Training needs torch; import it only when asked for.
    if name in ("MotionTrainStats", "train_motion_model"):
        from synreal.tracking.motion import training

        return getattr(training, name)
    raise AttributeError(f"module 'synreal.tracking.motion' has no attribute {name!r}")
