"""Benchmark: the pool-trained diffusion generator on the demo pool of real digits.

Measures, on one CPU thread unless told otherwise:

* training time, updates/s and images/s on the demo pool (the default study's held-apart
  pool: 40% of scikit-learn's 1,797 digits, stratified, split seed 0);
* sampling throughput (images/s) with DDIM (default steps) and DDPM (all T steps);
* the SDEdit probe's throughput;
* transfer: a logistic regression trained on 1,000 generated digits (100 per class), tested
  on every real digit *not* in the pool, beside the same classifier trained on the pool
  itself (the retrieval-style reference) and chance (10%).

Run:  .venv/bin/python benchmarks/bench_diffusion.py [--threads 1] [--train-steps N]
Nothing here is asserted; it prints measured numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from synreal.data.base import ImageSet
from synreal.data.datasets import load_digits_set
from synreal.data.splits import make_split
from synreal.synth.diffusion import DiffusionConfig, train_diffusion


def transfer_accuracy(train: ImageSet, test: ImageSet) -> float:
    """Accuracy on ``test`` of a logistic regression fitted on ``train`` (pixels as features)."""
    clf = LogisticRegression(max_iter=3000).fit(train.images.reshape(len(train), -1), train.labels)
    return float(clf.score(test.images.reshape(len(test), -1), test.labels))


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """(result, wall seconds, CPU seconds of this process)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    """Run the benchmark and print a table (and a JSON line with every figure)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--train-steps", type=int, default=None, help="override DiffusionConfig.train_steps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ddpm-images", type=int, default=100, help="images sampled with full-length DDPM")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    digits = load_digits_set()
    split = make_split(digits.labels, test_fraction=0.3, pool_fraction=0.4, seed=0)
    pool = digits.subset(split.pool)
    held_out = digits.subset(np.setdiff1d(np.arange(len(digits)), split.pool))
    cfg = DiffusionConfig() if args.train_steps is None else DiffusionConfig(train_steps=args.train_steps)
    print(f"pool: {len(pool)} real digits {pool.shape}; held-out real digits: {len(held_out)}; torch threads: {args.threads}")
    print(f"config: {cfg.model_dump()}")

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (other work slows wall times)")
    gen, train_s, train_cpu = timed(train_diffusion, pool, cfg, args.seed, None, False)
    n_params = sum(p.numel() for p in gen.model.parameters())
    res: dict[str, float | int | str] = {
        "pool_images": len(pool),
        "params": n_params,
        "train_s": train_s,
        "train_cpu_s": train_cpu,
        "train_steps_per_s": cfg.train_steps / train_s,
        "train_images_per_s": cfg.train_steps * cfg.batch_size / train_s,
        "final_loss": gen.info["final_loss"],
    }

    gen.sample(n_per_class=5, seed=99)  # warm-up: first calls allocate
    rows = []
    for name, kwargs, n_per_class in [
        (f"DDIM {cfg.ddim_steps} steps, guidance {cfg.guidance:g}", {}, 100),
        (f"DDIM {cfg.ddim_steps} steps, guidance 2 (CFG)", {"guidance": 2.0}, 100),
        (f"DDIM 50 steps, guidance {cfg.guidance:g}", {"steps": 50}, 100),
        (f"DDPM {cfg.timesteps} steps, guidance {cfg.guidance:g}", {"sampler": "ddpm"}, max(1, args.ddpm_images // 10)),
        (f"DDPM 100 steps, guidance {cfg.guidance:g}", {"sampler": "ddpm", "steps": 100}, 100),
    ]:
        s, sec, cpu = timed(gen.sample, n_per_class=n_per_class, seed=args.seed + 1, **kwargs)
        acc = transfer_accuracy(s, held_out) if len(s) >= 1000 else float("nan")
        rows.append((name, len(s), sec, cpu, len(s) / sec, acc))

    real_acc = transfer_accuracy(pool, held_out)
    perturbed = []
    for gamma in (0.25, 0.5, 0.75):
        p, sec, _ = timed(gen.perturb, pool, gamma, args.seed + 2)
        perturbed.append((gamma, len(p) / sec, transfer_accuracy(p, held_out)))

    print()
    print(f"training: {train_s:.1f} s wall ({train_cpu:.1f} s CPU) for {cfg.train_steps} updates of {cfg.batch_size} "
          f"({res['train_steps_per_s']:.1f} updates/s, {res['train_images_per_s']:.0f} images/s); "
          f"{n_params:,} parameters; final loss {res['final_loss']:.3f}")  # fmt: skip
    print()
    print(f"{'sampler':<36} {'images':>6} {'wall s':>7} {'CPU s':>7} {'images/s':>9} {'transfer acc':>12}")
    for name, n, sec, cpu, ips, acc in rows:
        print(f"{name:<36} {n:>6} {sec:>7.2f} {cpu:>7.2f} {ips:>9.0f} {acc:>12.3f}")
        res[f"{name} images/s"] = ips
        res[f"{name} transfer"] = acc
    print()
    print(f"logistic regression on the {len(pool)} real pool digits: {real_acc:.3f} (chance 0.100)")
    for gamma, ips, acc in perturbed:
        print(f"SDEdit gamma {gamma:.2f} on the pool: {ips:.0f} images/s, transfer acc {acc:.3f}")
        res[f"sdedit {gamma} transfer"] = acc
    res["real_pool_transfer"] = real_acc
    print()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
