"""The settings of training and of naive augmentation, as pydantic models (no torch needed).

They live apart from the training loop and the augmentation code so that a study spec can
be validated, hashed and stored without importing torch.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TrainConfig(BaseModel):
    """Optimisation settings of one training phase."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: int = Field(30, ge=1, le=10_000, description="passes over the training data")
    min_steps: int = Field(150, ge=0, description="at least this many updates (small real fractions)")
    max_steps: int | None = Field(None, ge=1, description="at most this many updates (large synthetic sets)")
    batch_size: int = Field(64, ge=1, le=65_536)
    lr: float = Field(3e-3, gt=0, le=10)
    weight_decay: float = Field(1e-4, ge=0)
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="auto: a CUDA GPU when torch sees one, else the CPU; cuda without a GPU is an error"
    )


class AugmentConfig(BaseModel):
    """Knobs of the naive augmentation (defaults suit digits: no flips, small affine)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rotate: float = Field(10.0, ge=0, le=180, description="max rotation, degrees")
    shift: float = Field(0.1, ge=0, le=0.5, description="max shift, fraction of the image size")
    scale: tuple[float, float] = Field((0.9, 1.1), description="zoom range")
    shear: float = Field(0.15, ge=0, le=1, description="max horizontal shear")
    hflip: bool = Field(False, description="random horizontal flips (wrong for digits)")
    brightness: float = Field(0.1, ge=0, le=1, description="max brightness change")
    contrast: float = Field(0.1, ge=0, le=1, description="max contrast change")

    @model_validator(mode="after")
    def _check(self) -> "AugmentConfig":
        lo, hi = self.scale
        if not 0 < lo <= hi:
            raise ValueError(f"scale must be (low, high) with 0 < low <= high, got {self.scale}")
        return self
