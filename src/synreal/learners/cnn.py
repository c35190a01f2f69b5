"""A small convolutional network that adapts to the input resolution and channel count."""

from __future__ import annotations

import torch
from pydantic import Field
from torch import nn

from synreal.learners.base import LEARNERS, LearnerConfig

# the classifier sees at most this many positions per side; 8x8 inputs reach it exactly
_HEAD_SIDE = 4


class SmallCNNConfig(LearnerConfig):
    """Hyper-parameters of ``small-cnn``."""

    width: int = Field(32, ge=4, le=512, description="channels of the first block; doubled per block")
    blocks: int | None = Field(None, ge=1, le=6, description="conv blocks (default: one per halving down to 4x4)")
    dropout: float = Field(0.2, ge=0.0, lt=1.0, description="dropout before the classifier")


@LEARNERS.register("small-cnn", doc="conv blocks (conv-BN-ReLU, max-pool) then a linear classifier; any size, any channels")
class SmallCNN(nn.Module):
    """Conv-BN-ReLU blocks with 2x2 max-pooling, adaptive average pooling to at most 4x4 and a linear head.

    The number of blocks follows the smaller image side (one per halving down to about
    4x4); adaptive pooling then brings any remaining size to at most 4x4, so one network
    takes any resolution and any number of channels. At 8x8 and 16x16 the features are
    already 4x4 and the pooling is skipped: the network is exactly the one earlier
    versions built.

    Args:
        config: a ``SmallCNNConfig``.
        in_shape: (C, H, W) of the inputs.
        n_classes: number of outputs.

    Example:
        >>> net = SmallCNN(SmallCNNConfig(), (1, 8, 8), 10)
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> SmallCNN(SmallCNNConfig(width=8), (3, 28, 28), 10)(torch.zeros(2, 3, 28, 28)).shape
        torch.Size([2, 10])
    """

    Config = SmallCNNConfig
    accepts = "images"
    own_fit = False

    def __init__(self, config: SmallCNNConfig, in_shape: tuple[int, int, int], n_classes: int) -> None:
        super().__init__()
        c, h, w = in_shape
        side = min(h, w)
        blocks = config.blocks or max(1, (side // 4).bit_length() - 1 + 1)
        layers: list[nn.Module] = []
        ch_in, ch = c, config.width
        for b in range(blocks):
            layers += [nn.Conv2d(ch_in, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(inplace=True)]
            if min(h, w) > 2 and b < blocks - 1:
                layers.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            ch_in, ch = ch, min(ch * 2, 512)
        self.features = nn.Sequential(*layers)
        self.pool_size = (min(h, _HEAD_SIDE), min(w, _HEAD_SIDE))
        self.pool = nn.AdaptiveAvgPool2d(self.pool_size)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Dropout(config.dropout), nn.Linear(ch_in * self.pool_size[0] * self.pool_size[1], n_classes)
        )

    @classmethod
    def build(cls, config: SmallCNNConfig, in_shape: tuple[int, int, int], n_classes: int) -> "SmallCNN":
        """Factory used by the study engine."""
        return cls(config, in_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        if tuple(x.shape[-2:]) != self.pool_size:
            # skipped when the size already fits, so 8x8 training stays bit-identical
            x = self.pool(x)
        return self.head(x)

    def reset_head(self, n_classes: int) -> None:
        """A fresh classifier for a different label set (fine-tuning on other classes)."""
        last = self.head[-1]
        self.head[-1] = nn.Linear(last.in_features, n_classes)
