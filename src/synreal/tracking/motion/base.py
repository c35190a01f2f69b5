"""The motion-model interface: batched ``initiate``/``predict``/``update`` over live tracks.

A motion model is stateless, like ByteTrack's ``KalmanFilter``: the per-track state is a
``MotionState`` (arrays whose first axis is the track) that the tracker holds, selects and
concatenates; the model turns it into a ``BoxPrediction`` (mean box and its uncertainty) for
the next frame and folds matched detections back in. Boxes are ``left, top, width, height``
in pixels, as in MOTChallenge files.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np
from pydantic import BaseModel, ConfigDict

from synreal.registry import Registry


class MotionConfig(BaseModel):
    """Base of every motion model's knobs (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class MotionState:
    """Per-track arrays of a motion model; every field's first axis is the track."""

    def __len__(self) -> int:
        return len(next(iter(vars(self).values())))

    def take(self, index: np.ndarray) -> Self:
        """The tracks at ``index`` (integer indices or a boolean mask), in that order."""
        return type(self)(**{k: v[index] for k, v in vars(self).items()})

    def concat(self, other: Self) -> Self:
        """These tracks followed by ``other``'s."""
        return type(self)(**{k: np.concatenate([v, getattr(other, k)]) for k, v in vars(self).items()})


@dataclass(frozen=True)
class BoxPrediction:
    """Where each track's box is expected in the next frame.

    Attributes:
        box: (n, 4) mean box, ``left, top, width, height``.
        std: (n, 4) standard deviation of centre x, centre y, width and height, in pixels.
    """

    box: np.ndarray
    std: np.ndarray


class MotionModel(ABC):
    """Base class of a motion model.

    Subclasses set ``Config`` and implement ``initiate``, ``predict`` and ``update``; all
    three work on every track at once. ``trainable`` says whether the model learns from
    trajectories (then ``synreal.tracking.motion.train_motion_model`` fits it).
    """

    Config: ClassVar[type[MotionConfig]] = MotionConfig
    trainable: ClassVar[bool] = False

    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = config if config is not None else self.Config()

    @abstractmethod
    def initiate(self, boxes: np.ndarray, fps: float) -> MotionState:
        """State of new tracks first seen at ``boxes`` (n, 4) in a sequence at ``fps``."""

    @abstractmethod
    def predict(self, state: MotionState) -> tuple[MotionState, BoxPrediction]:
        """Advance every track by one frame: the new state and the predicted boxes."""

    @abstractmethod
    def update(self, state: MotionState, rows: np.ndarray, boxes: np.ndarray) -> MotionState:
        """Fold the detections ``boxes`` (m, 4) matched to tracks ``rows`` (m,) into the state."""


MOTION_MODELS: Registry[type[MotionModel]] = Registry("motion model", interface=MotionModel)


def to_cxcywh(box: np.ndarray) -> np.ndarray:
    """``left, top, w, h`` -> ``cx, cy, w, h`` (any leading axes).

    Example:
        >>> to_cxcywh(np.array([[0.0, 0, 10, 20]])).tolist()
        [[5.0, 10.0, 10.0, 20.0]]
    """
    return np.concatenate([box[..., :2] + box[..., 2:] / 2, box[..., 2:]], axis=-1)


def to_ltwh(box: np.ndarray) -> np.ndarray:
    """``cx, cy, w, h`` -> ``left, top, w, h`` (any leading axes).

    Example:
        >>> to_ltwh(np.array([[5.0, 10, 10, 20]])).tolist()
        [[0.0, 0.0, 10.0, 20.0]]
    """
    return np.concatenate([box[..., :2] - box[..., 2:] / 2, box[..., 2:]], axis=-1)
