"""A small convolutional network that adapts to the input resolution."""

from __future__ import annotations

import torch
from pydantic import Field
from torch import nn

from synreal.learners.base import LEARNERS, LearnerConfig


class SmallCNNConfig(LearnerConfig):
    """Hyper-parameters of ``small-cnn``."""

    width: int = Field(32, ge=4, le=512, description="channels of the first block; doubled per block")
    blocks: int | None = Field(None, ge=1, le=6, description="conv blocks (default: one per halving down to 4x4)")
    dropout: float = Field(0.2, ge=0.0, lt=1.0, description="dropout before the classifier")


@LEARNERS.register("small-cnn", doc="conv blocks (conv-BN-ReLU, max-pool) then a linear classifier; plain torch")
class SmallCNN(nn.Module):
    """Conv-BN-ReLU blocks with 2x2 max-pooling, global average pooling and a linear head.

    Args:
        config: a ``SmallCNNConfig``.
        in_shape: (C, H, W) of the inputs.
        n_classes: number of outputs.

    Example:
        >>> net = SmallCNN(SmallCNNConfig(), (1, 8, 8), 10)
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
    """

    Config = SmallCNNConfig

    def __init__(self, config: SmallCNNConfig, in_shape: tuple[int, int, int], n_classes: int) -> None:
        super().__init__()
        c, h, _ = in_shape
        blocks = config.blocks or max(1, (h // 4).bit_length() - 1 + 1)
        layers: list[nn.Module] = []
        ch_in, ch = c, config.width
        for b in range(blocks):
            layers += [nn.Conv2d(ch_in, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(inplace=True)]
            if h > 2 and b < blocks - 1:
                layers.append(nn.MaxPool2d(2))
                h //= 2
            ch_in, ch = ch, min(ch * 2, 512)
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(config.dropout), nn.Linear(ch_in * h * h, n_classes))

    @classmethod
    def build(cls, config: SmallCNNConfig, in_shape: tuple[int, int, int], n_classes: int) -> "SmallCNN":
        """Factory used by the study engine."""
        return cls(config, in_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def reset_head(self, n_classes: int) -> None:
        """A fresh classifier for a different label set (fine-tuning on other classes)."""
        last = self.head[-1]
        self.head[-1] = nn.Linear(last.in_features, n_classes)
