"""Naive augmentation for the ``real+aug`` baseline: random affine, optional flips, jitter.

Done on batches with ``affine_grid``/``grid_sample`` so it costs little next to training.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from synreal.learners.configs import AugmentConfig


def augment_batch(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Randomly transformed copy of a batch (N, C, H, W) in [0, 1]."""
    n = x.shape[0]

    def u(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    ang = u(-cfg.rotate, cfg.rotate) * math.pi / 180
    s = u(*cfg.scale)
    sh = u(-cfg.shear, cfg.shear)
    tx, ty = u(-cfg.shift, cfg.shift) * 2, u(-cfg.shift, cfg.shift) * 2
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    theta = torch.stack(
        [torch.stack([cos, -sin + sh, tx], 1), torch.stack([sin, cos, ty], 1)], 1
    )
    if cfg.hflip:
        flip = (torch.rand(n, generator=gen) < 0.5).float() * -2 + 1
        theta[:, 0, 0] *= flip
        theta[:, 1, 0] *= flip
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if cfg.brightness or cfg.contrast:
        b = u(-cfg.brightness, cfg.brightness).view(n, 1, 1, 1)
        c = u(1 - cfg.contrast, 1 + cfg.contrast).view(n, 1, 1, 1)
        mean = out.mean(dim=(1, 2, 3), keepdim=True)
        out = (out - mean) * c + mean + b
    return out.clamp_(0, 1)
