"""Benchmark of the learners on the CPU; prints measured numbers.

1. Training steps per second of ``resnet`` (ResNet-18, width 64) and ``small-cnn`` on
   3x32x32 images, batch 64, one thread (as study workers run) and all threads.
2. The ``linear-probe`` protocol (full-batch L-BFGS) on N x D features (default
   100,000 x 512, 10 classes): fit time, iterations, accuracy on held-out features, and the
   same with ``l2: auto`` (seven fits on a held-out fifth, then one on all).
3. ``mlp`` training steps per second on the same features.

From these it prints the time a study over 100,000 embedded images would take: the
demo's 168-run grid, every run fitting a probe on up to all the training features.

Usage:
    python benchmarks/bench_learners.py
    python benchmarks/bench_learners.py --n 20000 --steps 2     # quick
    python benchmarks/bench_learners.py --skip-images           # the feature learners only
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch


def steps_per_second(name: str, params: dict, shape: tuple[int, int, int], batch: int, steps: int, threads: int) -> float:
    """Training steps per second of a registered image learner at ``shape``."""
    from synreal.learners.base import LEARNERS
    from synreal.plugins import load_builtin_plugins

    load_builtin_plugins()
    torch.set_num_threads(threads)
    cls = LEARNERS.get(name)
    torch.manual_seed(0)
    net = cls.build(cls.Config(**params), shape, 10).train()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    x = torch.rand(batch, *shape)
    y = torch.randint(0, 10, (batch,))

    def step() -> None:
        loss = torch.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - t0)


def features(n: int, d: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Clustered unit-norm features: k class centres plus noise, like embeddings of k classes."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(123).normal(size=(k, d)) / np.sqrt(d)
    y = rng.integers(0, k, n)
    x = centres[y] + rng.normal(size=(n, d)) * (10.0 / np.sqrt(d))
    return x.astype(np.float32), y


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="feature rows for the probe")
    ap.add_argument("--dim", type=int, default=512, help="feature dimension")
    ap.add_argument("--steps", type=int, default=5, help="timed training steps per image learner")
    ap.add_argument("--skip-images", action="store_true", help="only the feature learners")
    args = ap.parse_args()
    from synreal.data.base import FeatureSet
    from synreal.learners.base import LEARNERS
    from synreal.learners.train import TrainConfig, evaluate, train
    from synreal.plugins import load_builtin_plugins

    load_builtin_plugins()
    cores = len(os.sched_getaffinity(0))
    print(f"load average {os.getloadavg()[0]:.2f} on {cores} cores; torch {torch.__version__}")
    print(f"{'learner':<34}{'threads':>8}{'steps/s':>10}{'images/s':>10}")
    for name, params in () if args.skip_images else (("resnet", {"depth": 18}), ("small-cnn", {})):
        for threads in sorted({1, cores}):
            sps = steps_per_second(name, params, (3, 32, 32), 64, args.steps, threads)
            label = f"{name} {params or ''} 3x32x32 batch 64"
            print(f"{label:<34}{threads:>8}{sps:>10.2f}{sps * 64:>10.0f}")

    torch.set_num_threads(1)
    x, y = features(args.n, args.dim, 10, 0)
    xt, yt = features(10_000, args.dim, 10, 1)
    classes = [str(i) for i in range(10)]
    train_set, test_set = FeatureSet(x, y, classes), FeatureSet(xt, yt, classes)
    cls = LEARNERS.get("linear-probe")
    print(f"\nlinear-probe on {args.n:,} x {args.dim} features, 10 classes, one thread")
    fit_seconds = None
    for l2 in (1e-4, "auto"):
        probe = cls.build(cls.Config(l2=l2), (args.dim,), 10)
        stats = train(probe, train_set, TrainConfig(device="cpu"), seed=0)
        acc = evaluate(probe, test_set)["accuracy"]
        print(f"  l2={l2!s:<6} fit {stats.seconds:6.1f} s, {stats.steps} L-BFGS iterations, held-out accuracy {acc:.3f}"
              + (f" (chose l2={probe.chosen_l2:g})" if l2 == "auto" else ""))
        fit_seconds = fit_seconds or stats.seconds
    mlp = LEARNERS.get("mlp")
    net = mlp.build(mlp.Config(), (args.dim,), 10)
    st = train(net, train_set, TrainConfig(epochs=1, min_steps=0, max_steps=200, batch_size=256, device="cpu"), seed=0)
    print(f"mlp (512 hidden) on the same features: {st.steps / st.seconds:.0f} steps/s at batch 256 "
          f"({st.steps * 256 / st.seconds:,.0f} rows/s)")
    runs = 168
    print(f"\na study over {args.n:,} embedded images with the demo's grid ({runs} runs, each fitting at most "
          f"{fit_seconds:.1f} s): at most {runs * fit_seconds / cores / 60:.1f} min on {cores} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
