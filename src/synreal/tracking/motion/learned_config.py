"""The learned motion model's shape, as a pydantic model, and the sizes its network is built with (no torch needed)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from synreal.tracking.motion.base import MotionConfig

N_FEATURES = 10
N_GLOBAL = 3
#: Range of the predicted log-variance (keeps the likelihood finite).
LOGVAR_RANGE = (-14.0, 6.0)


class LearnedConfig(MotionConfig):
    """The network's shape and how it reads time."""

    arch: Literal["mlp", "gru"] = Field("mlp", description="MLP on the flattened history, or a GRU over it")
    history: int = Field(10, ge=2, le=64, description="observed boxes the network reads")
    hidden: int = Field(128, ge=4, le=512, description="hidden units")
    time_unit: Literal["frame", "second"] = Field(
        "frame", description="time in frames, or in frames at 25 fps (sequences of different frame rates)"
    )
