"""Time scaling-law fits with 1,000 bootstrap resamples, on one core.

Prints the median wall time of ``fit_scaling_law`` on 7 sizes x 3 seeds with 1,000 seed
resamples (target: under 2 s on one core), and for context the same with a residual
bootstrap, in log space, the joint law over 3 fine-tuning sizes, and ``effective_data``.

    .venv/bin/python benchmarks/bench_scaling.py [--repeats 5]
"""

from __future__ import annotations

import os

# One core: BLAS threads off before numpy loads, and the process pinned where the OS allows.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from synreal.analysis.equivalency import effective_data  # noqa: E402
from synreal.analysis.scaling import fit_scaling_law  # noqa: E402

SIZES = [1e3, 2e3, 4e3, 8e3, 16e3, 32e3, 64e3]
TARGET_S = 2.0


def single_table(rng: np.random.Generator) -> pd.DataFrame:
    """7 sizes x 3 seeds from L(n) = 2 n^-0.4 + 0.02 with a seed effect and run noise."""
    n = np.repeat(SIZES, 3)
    seed = np.tile([0, 1, 2], 7)
    err = 2 * n**-0.4 + 0.02 + rng.normal(0, 0.002, 3)[seed] + rng.normal(0, 0.002, n.size)
    return pd.DataFrame({"n": n, "seed": seed, "error": err})


def joint_table(rng: np.random.Generator) -> pd.DataFrame:
    """7 sizes x 3 fine-tuning sizes x 3 seeds from the joint law."""
    rows = [{"n": n, "s": s, "seed": k, "error": 3 * (0.02 + n**-0.5) * s**-0.3 * np.exp(rng.normal(0, 0.02))}
            for s in (1e3, 4e3, 16e3) for n in SIZES for k in range(3)]
    return pd.DataFrame(rows)


def timed(fn, repeats: int) -> float:
    """Median seconds of ``fn()`` over ``repeats`` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rng = np.random.default_rng(0)
    single, joint = single_table(rng), joint_table(rng)
    real = pd.DataFrame([{"n_real": n, "seed": k, "error": 3 * n**-0.5 + 0.02 + rng.normal(0, 0.003)}
                         for n in (90, 180, 360, 720, 1437) for k in range(3)])
    treated = pd.DataFrame([{"source": src, "n_synthetic": m, "n_real": n, "seed": k,
                             "error": 3 * (n * 1.5) ** -0.5 + 0.02 + rng.normal(0, 0.003)}
                            for src in ("a", "b") for m in (1000, 5000) for n in (90, 180, 360, 720, 1437)
                            for k in range(3)])
    cases = [
        ("single law, 7 sizes x 3 seeds, 1,000 seed resamples", lambda: fit_scaling_law(single, seed="seed")),
        ("  same, point fit only (n_boot=0)", lambda: fit_scaling_law(single, seed="seed", n_boot=0)),
        ("  same, residual bootstrap", lambda: fit_scaling_law(single, seed="seed", bootstrap="residuals")),
        ("  same, log space", lambda: fit_scaling_law(single, seed="seed", space="log")),
        ("joint law, 7 x 3 fine-tuning sizes x 3 seeds, 1,000", lambda: fit_scaling_law(joint, s="s", seed="seed")),
        ("effective_data, 20 groups, 1,000 seed resamples",
         lambda: effective_data(real, treated, by=["source", "n_synthetic"])),
    ]
    print(f"one core; median of {args.repeats} runs")
    for i, (name, fn) in enumerate(cases):
        sec = timed(fn, args.repeats)
        verdict = ""
        if i == 0:
            verdict = f"   target < {TARGET_S:.1f} s: {'MET' if sec < TARGET_S else 'MISSED'}"
        print(f"{name:<58} {sec:7.3f} s{verdict}")


if __name__ == "__main__":
    main()
