"""Learners on precomputed embeddings: ``linear-probe`` and ``mlp``.

Users with large images often compute an embedding once (CLIP image embeddings, say) and
ask what synthetic data is worth to a classifier on top of it. That is the linear-probing
evaluation of Geng et al. 2024 ("The Unmet Promise of Synthetic Training Images"), who
report downstream accuracy both zero-shot and by linear probing a CLIP image encoder, and
of CLIP itself (Radford et al. 2021): an L2-regularised multinomial logistic regression
on frozen image features, fitted to convergence by full-batch L-BFGS.

``linear-probe`` does exactly that on L2-normalised features (``normalize: l2``). The
penalty pulls the weights towards their starting point: zero for a fresh probe (plain L2
regularisation), the pre-trained weights when fine-tuning after synthetic pre-training
(the L2-SP prior of Li et al. 2018). Without that prior a convex fit would forget its
starting point and ``pretrain`` could not differ from ``real``. ``l2: auto`` picks the
penalty on a held-out fifth of the training data from a log grid (CLIP's sweep), then
refits on all of it. The fit is deterministic (no minibatches), so the seed only chooses
data. ``solver: sgd`` trains the same model with the shared minibatch loop instead.

``mlp`` is a small multi-layer perceptron on the same features, trained by the shared loop.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from synreal.data.base import LabelledSet
from synreal.learners.base import LEARNERS, LearnerConfig

L2_GRID = tuple(10.0**e for e in range(-6, 1))
"""Penalties tried by ``l2: auto`` (1e-6 .. 1)."""


class LinearProbeConfig(LearnerConfig):
    """Hyper-parameters of ``linear-probe``."""

    normalize: Literal["l2", "none"] = Field("l2", description="scale each feature vector to unit length first")
    solver: Literal["lbfgs", "sgd"] = Field(
        "lbfgs", description="lbfgs: full-batch fit to convergence (the protocol); sgd: the shared minibatch loop"
    )
    l2: float | Literal["auto"] = Field(
        1e-4, description="penalty on the squared distance of the weights from their start; auto: chosen on a held-out fifth"
    )
    max_iter: int = Field(300, ge=1, le=100_000, description="L-BFGS iterations at most")
    tol: float = Field(1e-6, gt=0, description="stop when the gradient's largest entry falls below this")


def _normalise(x: torch.Tensor, how: str) -> torch.Tensor:
    return F.normalize(x, dim=1) if how == "l2" else x


@LEARNERS.register("linear-probe", doc="logistic regression on precomputed embeddings (L-BFGS, L2 towards the start)")
class LinearProbe(nn.Module):
    """A linear classifier on feature vectors (N, D).

    Args:
        config: a ``LinearProbeConfig``.
        in_shape: (D,), the feature dimension.
        n_classes: number of outputs.

    Example:
        >>> from synreal.data.base import FeatureSet
        >>> from synreal.learners.train import TrainConfig, train, evaluate
        >>> x = np.random.default_rng(0).normal(size=(200, 16)).astype("f4"); y = (x[:, 0] > 0).astype(int)
        >>> probe = LinearProbe(LinearProbeConfig(), (16,), 2)
        >>> _ = train(probe, FeatureSet(x, y, ["neg", "pos"]), TrainConfig(device="cpu"), seed=0)
        >>> evaluate(probe, FeatureSet(x, y, ["neg", "pos"]))["accuracy"] > 0.95
        True
    """

    Config = LinearProbeConfig
    accepts = "features"
    own_fit = False

    def __init__(self, config: LinearProbeConfig, in_shape: tuple[int], n_classes: int) -> None:
        super().__init__()
        self.config = config
        self.linear = nn.Linear(int(in_shape[0]), n_classes)
        # a fresh probe starts at zero, so the L2 prior of the first fit is the plain penalty
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)
        self.own_fit = config.solver == "lbfgs"

    @classmethod
    def build(cls, config: LinearProbeConfig, in_shape: tuple[int], n_classes: int) -> "LinearProbe":
        """Factory used by the study engine."""
        return cls(config, in_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(_normalise(x, self.config.normalize))

    def _lbfgs(self, x: torch.Tensor, y: torch.Tensor, l2: float, smoothing: float,
               w0: torch.Tensor, b0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Minimise mean cross-entropy + l2/2 * |W - w0|^2 from (w0, b0); returns (W, b, iterations)."""
        w = w0.clone().requires_grad_(True)
        b = b0.clone().requires_grad_(True)
        opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=self.config.max_iter, tolerance_grad=self.config.tol,
                                tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(x @ w.T + b, y, label_smoothing=smoothing) + 0.5 * l2 * (w - w0).pow(2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        iters = int(opt.state[opt._params[0]].get("n_iter", 0))
        return w.detach(), b.detach(), iters

    def _choose_l2(self, x: torch.Tensor, y: torch.Tensor, seed: int, smoothing: float,
                   w0: torch.Tensor, b0: torch.Tensor) -> float:
        """The grid penalty with the best accuracy on a stratified held-out fifth (ties: the larger)."""
        from synreal.data.splits import make_split

        labels = y.cpu().numpy()
        if len(labels) < 10 or np.bincount(labels).min() < 2:
            return 1e-4  # too few images to hold any out: the default penalty
        split = make_split(labels, test_fraction=0.2, seed=int(seed))
        tr, va = torch.from_numpy(split.train).to(x.device), torch.from_numpy(split.test).to(x.device)
        best, best_acc = L2_GRID[0], -1.0
        for l2 in L2_GRID:
            w, b, _ = self._lbfgs(x[tr], y[tr], l2, smoothing, w0, b0)
            acc = ((x[va] @ w.T + b).argmax(1) == y[va]).float().mean().item()
            if acc >= best_acc:
                best, best_acc = l2, acc
        return best

    def fit(self, data: LabelledSet, cfg: "object", seed: int, *, device: torch.device | None = None) -> "object":
        """Fit by full-batch L-BFGS (``TrainConfig.label_smoothing`` and ``device`` apply; the rest is for sgd)."""
        from synreal.learners.train import TrainStats

        t0 = time.perf_counter()
        device = device or torch.device("cpu")
        self.to(device)
        x = _normalise(torch.from_numpy(np.ascontiguousarray(data.inputs, dtype=np.float32)).to(device), self.config.normalize)
        y = torch.from_numpy(np.ascontiguousarray(data.labels, dtype=np.int64)).to(device)
        smoothing = float(getattr(cfg, "label_smoothing", 0.0))
        w0, b0 = self.linear.weight.detach().clone(), self.linear.bias.detach().clone()
        l2 = self.config.l2 if self.config.l2 != "auto" else self._choose_l2(x, y, seed, smoothing, w0, b0)
        w, b, iters = self._lbfgs(x, y, float(l2), smoothing, w0, b0)
        with torch.no_grad():
            self.linear.weight.copy_(w)
            self.linear.bias.copy_(b)
        self.chosen_l2 = float(l2)
        return TrainStats(steps=iters, seconds=time.perf_counter() - t0, samples=iters * len(y), device=str(device))


class MLPConfig(LearnerConfig):
    """Hyper-parameters of ``mlp``."""

    hidden: int = Field(512, ge=1, le=65_536, description="units per hidden layer")
    layers: int = Field(1, ge=1, le=8, description="hidden layers")
    dropout: float = Field(0.1, ge=0.0, lt=1.0, description="dropout after each hidden layer")
    normalize: Literal["l2", "none"] = Field("l2", description="scale each feature vector to unit length first")


@LEARNERS.register("mlp", doc="multi-layer perceptron on precomputed embeddings (ReLU, dropout), shared training loop")
class MLP(nn.Module):
    """Hidden Linear-ReLU-Dropout layers and a linear classifier on feature vectors (N, D).

    Example:
        >>> MLP(MLPConfig(hidden=8), (16,), 3)(torch.zeros(2, 16)).shape
        torch.Size([2, 3])
    """

    Config = MLPConfig
    accepts = "features"
    own_fit = False

    def __init__(self, config: MLPConfig, in_shape: tuple[int], n_classes: int) -> None:
        super().__init__()
        self.normalize = config.normalize
        layers: list[nn.Module] = []
        d = int(in_shape[0])
        for _ in range(config.layers):
            layers += [nn.Linear(d, config.hidden), nn.ReLU(inplace=True), nn.Dropout(config.dropout)]
            d = config.hidden
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(d, n_classes)

    @classmethod
    def build(cls, config: MLPConfig, in_shape: tuple[int], n_classes: int) -> "MLP":
        """Factory used by the study engine."""
        return cls(config, in_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(_normalise(x, self.normalize)))
