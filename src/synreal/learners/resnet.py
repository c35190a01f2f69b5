"""ResNet-10/18/34 (basic blocks, BatchNorm) for colour or grey images from 8 to 224 pixels.

He et al. 2016's network with two stems: ImageNet's 7x7 stride-2 convolution and 3x3
max-pool for large images, and the 3x3 stride-1 convolution that CIFAR-sized images need
(the large stem would shrink 32x32 to 8x8 before the first block). ``stem: auto`` takes the
small one up to 64 pixels. Four stages of basic blocks at ``width``, 2x, 4x and 8x channels
(strides 1, 2, 2, 2), global average pooling, a linear classifier. The last BatchNorm of
every block starts at zero, so each block starts as the identity (Goyal et al. 2017).
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from synreal.learners.base import LEARNERS, LearnerConfig

STAGES = {10: (1, 1, 1, 1), 18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}
"""Basic blocks per stage for each depth."""

# images up to this side use the 3x3 stride-1 stem under ``stem: auto``
SMALL_STEM_MAX = 64


class ResNetConfig(LearnerConfig):
    """Hyper-parameters of ``resnet``."""

    depth: Literal[10, 18, 34] = Field(18, description="10, 18 or 34 layers (basic blocks per stage: 1111, 2222, 3463)")
    width: int = Field(64, ge=4, le=256, description="channels of the first stage; doubled per stage (64 = the paper's)")
    stem: Literal["auto", "small", "large"] = Field(
        "auto", description="small: 3x3 stride 1; large: 7x7 stride 2 + max-pool; auto: small up to 64 px"
    )
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="dropout before the classifier")
    zero_init_residual: bool = Field(True, description="start each block's last BatchNorm at zero")


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with a shortcut (1x1 conv-BN where the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


@LEARNERS.register("resnet", doc="ResNet-10/18/34 (basic blocks, BatchNorm), stem adapted to 8..224 px, colour or grey")
class ResNet(nn.Module):
    """A ResNet of basic blocks for images (C, H, W).

    Args:
        config: a ``ResNetConfig``.
        in_shape: (C, H, W) of the inputs; any C.
        n_classes: number of outputs.

    Example:
        >>> net = ResNet(ResNetConfig(depth=10, width=8), (3, 32, 32), 10)
        >>> net(torch.zeros(2, 3, 32, 32)).shape, net.stem_kind
        (torch.Size([2, 10]), 'small')
        >>> ResNet(ResNetConfig(depth=10, width=8), (3, 224, 224), 5).stem_kind
        'large'
    """

    Config = ResNetConfig
    accepts = "images"
    own_fit = False

    def __init__(self, config: ResNetConfig, in_shape: tuple[int, int, int], n_classes: int) -> None:
        super().__init__()
        c, h, w = in_shape
        kind = config.stem if config.stem != "auto" else ("small" if min(h, w) <= SMALL_STEM_MAX else "large")
        self.stem_kind = kind
        width = config.width
        if kind == "small":
            self.stem = nn.Sequential(nn.Conv2d(c, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        else:
            self.stem = nn.Sequential(
                nn.Conv2d(c, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)
            )
        stages = []
        c_in = width
        for i, n_blocks in enumerate(STAGES[config.depth]):
            c_out = width * 2**i
            blocks = [BasicBlock(c_in, c_out, 1 if i == 0 else 2)]
            blocks += [BasicBlock(c_out, c_out, 1) for _ in range(n_blocks - 1)]
            stages.append(nn.Sequential(*blocks))
            c_in = c_out
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(config.dropout), nn.Linear(c_in, n_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if config.zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    @classmethod
    def build(cls, config: ResNetConfig, in_shape: tuple[int, int, int], n_classes: int) -> "ResNet":
        """Factory used by the study engine."""
        return cls(config, in_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x)))

    def reset_head(self, n_classes: int) -> None:
        """A fresh classifier for a different label set."""
        last = self.head[-1]
        self.head[-1] = nn.Linear(last.in_features, n_classes)
