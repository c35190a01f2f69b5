"""The settings of training a learned motion model, as a pydantic model (no torch needed).

Kept apart from the training loop so that a tracking study's spec can be validated, hashed
and stored without importing torch.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from synreal.tracking.motion.learned_config import LearnedConfig


class MotionTrainConfig(BaseModel):
    """How a learned motion model is trained (one phase: pre-training or fine-tuning).

    Example:
        >>> MotionTrainConfig(steps=500).model.arch
        'mlp'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: LearnedConfig = Field(default_factory=LearnedConfig, description="the network's shape")
    steps: int = Field(2000, ge=1, le=10_000_000, description="optimiser steps (the cost does not grow with the data)")
    batch_size: int = Field(256, ge=1, le=65_536)
    lr: float = Field(2e-3, gt=0, le=10, description="peak learning rate (one-cycle schedule)")
    weight_decay: float = Field(1e-4, ge=0)
    gap_prob: float = Field(0.3, ge=0, le=1, description="share of windows whose target lies more than one observation ahead")
    max_gap: int = Field(30, ge=1, le=10_000, description="largest such gap, in observations")
    drop_prob: float = Field(0.2, ge=0, lt=1, description="history observations are dropped with up to this probability")
    input_noise: float = Field(0.04, ge=0, le=1, description="box jitter as a fraction of its size (DetectionSpec.box_noise)")
    input_noise_px: float = Field(1.0, ge=0, le=100, description="extra box jitter in pixels (DetectionSpec.box_noise_px)")
    target_noise: bool = Field(True, description="jitter the target too: the predicted variance then covers the next detection's noise")
    input_noise_correlation: float = Field(
        0.5, ge=0, lt=1, description="frame-to-frame correlation of the jitter (DetectionSpec.noise_correlation)"
    )
