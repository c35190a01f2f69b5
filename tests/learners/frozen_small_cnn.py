"""The 8x8 small-cnn and training loop exactly as they were before any-size inputs and devices.

Frozen on purpose: the regression test trains this copy and the current code from the same
seed and requires bit-identical weights, so that the demo's numbers cannot drift.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from synreal.learners.augment import augment_batch


class FrozenSmallCNN(nn.Module):
    def __init__(self, width, dropout, in_shape, n_classes):
        super().__init__()
        c, h, _ = in_shape
        blocks = max(1, (h // 4).bit_length() - 1 + 1)
        layers = []
        ch_in, ch = c, width
        for b in range(blocks):
            layers += [nn.Conv2d(ch_in, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(inplace=True)]
            if h > 2 and b < blocks - 1:
                layers.append(nn.MaxPool2d(2))
                h //= 2
            ch_in, ch = ch, min(ch * 2, 512)
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(ch_in * h * h, n_classes))

    def forward(self, x):
        return self.head(self.features(x))


def frozen_train(model, images, labels, *, epochs, min_steps, batch_size, lr, weight_decay, seed, augment=None):
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + 17)
    x_all = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
    y_all = torch.from_numpy(np.ascontiguousarray(labels, dtype=np.int64))
    n = len(y_all)
    steps = max(min_steps, epochs * max(1, -(-n // batch_size)))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    model.train()
    bs = min(batch_size, n)
    perm = torch.randperm(n, generator=gen)
    pos = 0
    for _ in range(steps):
        if pos + bs > n:
            perm, pos = torch.randperm(n, generator=gen), 0
        idx = perm[pos : pos + bs]
        pos += bs
        xb, yb = x_all[idx], y_all[idx]
        if augment is not None:
            xb = augment_batch(xb, augment, gen)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
