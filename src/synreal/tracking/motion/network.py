"""The learned motion model's torch network (``LearnedMotion`` runs a numpy copy of its forward pass)."""

from __future__ import annotations

import torch
from torch import nn

from synreal.tracking.motion.learned_config import (
    LOGVAR_RANGE,
    N_FEATURES,
    N_GLOBAL,
    LearnedConfig,
)


class MotionNet(nn.Module):
    """The torch network: history -> mean and log-variance of the next box (output units of ``targets``)."""

    def __init__(self, config: LearnedConfig) -> None:
        super().__init__()
        self.config = config
        h = config.hidden
        if config.arch == "gru":
            self.rnn = nn.GRU(N_FEATURES, h, batch_first=True)
            head_in = h + N_GLOBAL
        else:
            self.body = nn.Sequential(nn.Linear(config.history * N_FEATURES + N_GLOBAL, h), nn.SiLU())
            head_in = h
        self.head = nn.Sequential(nn.Linear(head_in, h), nn.SiLU(), nn.Linear(h, 12))
        # Start as a constant-velocity model with unit variance: the last layer outputs zeros.
        nn.init.zeros_(self.head[2].weight)
        nn.init.zeros_(self.head[2].bias)

    def forward(self, seq: torch.Tensor, glob: torch.Tensor, base: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log-variance), each (n, 4)."""
        if self.config.arch == "gru":
            _, hn = self.rnn(seq)
            z = torch.cat([hn[-1], glob], -1)
        else:
            z = self.body(torch.cat([seq.flatten(1), glob], -1))
        out = self.head(z)
        gate, res, logvar = out[:, :4], out[:, 4:8], out[:, 8:]
        return (1 + gate) * base + res, logvar.clamp(*LOGVAR_RANGE)



def build_network(config: LearnedConfig, seed: int) -> MotionNet:
    """A freshly initialised network (initialisation drawn from ``seed``, global RNG untouched).

    Args:
        config: the network's shape.
        seed: the initialisation's seed.

    Returns:
        The torch module.

    Example:
        >>> sum(p.numel() for p in build_network(LearnedConfig(), 0).parameters())
        31372
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return MotionNet(config)
