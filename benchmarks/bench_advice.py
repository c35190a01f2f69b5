"""Purchase advice on planted laws: interval coverage, cross-validation error rates, timing.

Studies are simulated from known laws (``synreal.analysis.advice.planted``: real-only curve
``1.0 s^-0.5 + 0.005``, joint law ``6 (0.05 + n^-0.5) s^-0.5``, 5 real sizes 50..800, 4
synthetic sizes 300..10,000, a seed effect of sd 0.002 and run noise of sd 0.003), advised
at accuracy 0.95 with real samples at 0.40 and synthetic ones at 0.002. Prints:

- coverage: how often the intervals of the advised synthetic and real sizes, the cost and
  the saving hold the truth's cheapest purchase (target: at least the nominal level, within
  the simulation's binomial error);
- cross-validation: on the right laws, how often a cell fails or the law is rejected (by
  construction at most about ``1 - level``); on a grid planted wrong from n = 3,000 on (real
  data there pay at exponent 0.2 instead of 0.5), how often the law is rejected;
- timing of one ``advise`` call with the defaults (1,000 seed resamples, 200 for the
  cross-validation) on one core.

    .venv/bin/python benchmarks/bench_advice.py [--sims 200] [--cv-sims 100] [--seeds 4]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from synreal.analysis import bootstrap as bs  # noqa: E402
from synreal.analysis.advice import AdviceSpec, advise, build_options, cross_validate, fit_option  # noqa: E402
from synreal.analysis.advice.planted import PlantedLaws, coverage, planted_runs  # noqa: E402

TARGET, REAL, SYN = 0.95, 0.4, 0.002


def cv_rates(laws: PlantedLaws, sims: int, seeds: int, level: float, cv_boot: int) -> dict[str, float]:
    """Share of planted studies whose joint law has a failing cell, or is rejected as a whole."""
    failed = rejected = 0
    for i in range(sims):
        opts, _ = build_options(planted_runs(laws, seeds, 50_000 + i))
        joint = next(o for o in opts if o.kind == "joint")
        mult = bs.seed_multiplicities(seeds, cv_boot, np.random.default_rng(i))
        chk = cross_validate(fit_option(joint, mult), mult, level)
        failed += bool(chk.failed)
        rejected += chk.rejected
    return {"any cell fails": failed / sims, "law rejected": rejected / sims}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--cv-sims", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    t = time.perf_counter()
    c = coverage(PlantedLaws(), sims=args.sims, n_seeds=args.seeds, level=args.level, target=TARGET, real_cost=REAL,
                 synthetic_cost=SYN, n_boot=200, cv_boot=100, seed=1)
    se = np.sqrt(args.level * (1 - args.level) / args.sims)
    print(f"\ncoverage of {100 * args.level:g}% intervals, {args.sims} planted studies, {args.seeds} seeds "
          f"(binomial standard error {se:.3f}; {time.perf_counter() - t:.0f} s)")
    for name, what in (("n", "synthetic samples of the cheapest point"), ("s", "real samples of the cheapest point"),
                       ("cost", "its cost"), ("saving", "saving against real data alone"),
                       ("real_s", "real samples, real data alone"), ("real_cost", "cost, real data alone")):
        print(f"  {what:<42} {getattr(c, name):.3f}   where every cell passed: {c.full_region[name]:.3f}")
    print(f"  {'both options advised':<42} {c.advised:.3f}")
    print(f"  {'synthetic option recommended':<42} {c.recommended:.3f}")
    print(f"  {'every cell of both laws passes':<42} {c.all_cells_pass:.3f}")

    t = time.perf_counter()
    right = cv_rates(PlantedLaws(), args.cv_sims, args.seeds, args.level, 100)
    wrong = cv_rates(PlantedLaws(wrong_from=3000, wrong_beta=0.2), args.cv_sims, args.seeds, args.level, 100)
    print(f"\ncross-validation of the joint law, {args.cv_sims} studies each ({time.perf_counter() - t:.0f} s)")
    for k in right:
        print(f"  {k:<16} right law {right[k]:.3f}   planted wrong {wrong[k]:.3f}")

    spec = AdviceSpec.model_validate({"costs": {"real_sample": REAL, "synthetic_sample": SYN},
                                      "target": {"metric": "accuracy", "value": TARGET}})
    frame = planted_runs(PlantedLaws(), args.seeds, 0)
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        advise(frame, spec, metric="accuracy", higher_is_better=True, level=args.level)
        times.append(time.perf_counter() - t)
    print(f"\none advise call with the defaults (1,000 resamples, 200 for cross-validation; 2 options, 25 cells), "
          f"one core: median {statistics.median(times):.2f} s over {args.repeats}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
