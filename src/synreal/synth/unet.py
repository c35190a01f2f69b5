"""A small class-conditional U-Net in plain ``torch.nn``, sized for 8x8 digits up to 64x64 images.

The network predicts the diffusion target (noise or velocity) from a noisy image, its
timestep and a class label. Its depth follows the resolution: it halves the image until
the side reaches 4 pixels (or becomes odd), so 8x8 gets two levels and 32x32 gets four.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _groups(channels: int) -> int:
    """The largest of 8, 4, 2, 1 that divides ``channels`` (GroupNorm needs a divisor)."""
    for g in (8, 4, 2, 1):
        if channels % g == 0:
            return g
    return 1


def level_sizes(height: int, width: int, max_levels: int = 4) -> list[tuple[int, int]]:
    """Resolutions of the U-Net's levels: halve while both sides are even and above 4.

    Args:
        height, width: the input image size.
        max_levels: at most this many levels.

    Returns:
        One (height, width) per level, largest first.

    Example:
        >>> level_sizes(8, 8), level_sizes(32, 32)
        ([(8, 8), (4, 4)], [(32, 32), (16, 16), (8, 8), (4, 4)])
    """
    sizes = [(height, width)]
    while len(sizes) < max_levels:
        h, w = sizes[-1]
        if h <= 4 or w <= 4 or h % 2 or w % 2:
            break
        sizes.append((h // 2, w // 2))
    return sizes


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of the (float) timesteps ``t``, shape (N, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    return F.pad(emb, (0, dim % 2))


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, with the time/class embedding as a per-channel scale and shift."""

    def __init__(self, ch_in: int, ch_out: int, emb_dim: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(ch_in), ch_in)
        self.conv1 = nn.Conv2d(ch_in, ch_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * ch_out)
        self.norm2 = nn.GroupNorm(_groups(ch_out), ch_out)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(ch_out, ch_out, 3, padding=1)
        # Zero-initialised last conv: every block starts as the identity, which trains faster.
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(ch_in, ch_out, 1) if ch_in != ch_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        """Residual update of ``x`` conditioned on ``emb``."""
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(self.drop(F.silu(h)))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    """Single-head self-attention over pixels, used at the coarsest level only (cheap there)."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(_groups(ch), ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.out = nn.Conv2d(ch, ch, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` plus attention over its pixels."""
        n, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(n, 3, c, h * w).unbind(1)
        a = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return x + self.out(a.transpose(1, 2).reshape(n, c, h, w))


class UNet(nn.Module):
    """Class-conditional U-Net: predicts the diffusion target from (noisy image, timestep, label).

    Each level has ``blocks`` residual blocks on the way down and as many on the way up
    (fed the matching skip connection); levels are joined by 2x2 strided convolutions, which
    cost a quarter of a 3x3 convolution at the finer level. The coarsest level adds one
    residual block and self-attention. Label ``n_classes`` is the "no label" token that
    classifier-free guidance needs.

    Args:
        in_shape: (C, H, W) of the images.
        n_classes: number of real classes (the null label is added).
        channels: channels of the first level; deeper levels use twice as many.
        blocks: residual blocks per level and direction.
        attention: add self-attention at the coarsest level.
        dropout: dropout inside residual blocks.

    Example:
        >>> net = UNet((1, 8, 8), n_classes=10, channels=16)
        >>> net(torch.zeros(2, 1, 8, 8), torch.tensor([0.0, 500.0]), torch.tensor([3, 10])).shape
        torch.Size([2, 1, 8, 8])
    """

    def __init__(
        self,
        in_shape: tuple[int, int, int],
        n_classes: int,
        channels: int = 16,
        blocks: int = 1,
        attention: bool = True,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        c, h, w = in_shape
        self.in_shape = (c, h, w)
        self.n_classes = n_classes
        self.channels = channels
        emb_dim = 4 * channels
        self.time_mlp = nn.Sequential(nn.Linear(channels, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.label_emb = nn.Embedding(n_classes + 1, emb_dim)
        sizes = level_sizes(h, w)
        widths = [channels * (1 if i == 0 else 2) for i in range(len(sizes))]
        self.stem = nn.Conv2d(c, channels, 3, padding=1)

        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        for i, width in enumerate(widths):
            self.down.append(nn.ModuleList(ResBlock(width, width, emb_dim, dropout) for _ in range(blocks)))
            if i < len(widths) - 1:
                self.downsample.append(nn.Conv2d(width, widths[i + 1], 2, stride=2))

        ch = widths[-1]
        self.mid = ResBlock(ch, ch, emb_dim, dropout)
        self.mid_attn = SelfAttention(ch) if attention else nn.Identity()

        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i in reversed(range(len(widths))):
            width = widths[i]
            self.up.append(nn.ModuleList(ResBlock(2 * width, width, emb_dim, dropout) for _ in range(blocks)))
            if i > 0:
                # A 1x1 conv to 4x the channels then a pixel shuffle: a 2x2 transposed conv, faster on CPU.
                self.upsample.append(nn.Sequential(nn.Conv2d(width, 4 * widths[i - 1], 1), nn.PixelShuffle(2)))

        self.out_norm = nn.GroupNorm(_groups(channels), channels)
        self.out = nn.Conv2d(channels, c, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The predicted target for images ``x`` at (float) timesteps ``t`` with ``labels`` (n_classes = none)."""
        emb = self.time_mlp(timestep_embedding(t, self.channels)) + self.label_emb(labels)
        h = self.stem(x)
        skips = []
        for i, level in enumerate(self.down):
            for block in level:
                h = block(h, emb)
                skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
        h = self.mid_attn(self.mid(h, emb))
        for i, level in enumerate(self.up):
            for block in level:
                h = block(torch.cat([h, skips.pop()], dim=1), emb)
            if i < len(self.upsample):
                h = self.upsample[i](h)
        return self.out(F.silu(self.out_norm(h)))
