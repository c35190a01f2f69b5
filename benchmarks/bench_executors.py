"""The demo study on ``local`` against ``ray``, and run twice with the shared artifact cache.

Three runs of the same spec (default: the embedded demo), each into a fresh folder:

1. ``local`` with the shared cache empty (it publishes its pre-trainings and generator);
2. ``ray`` (a local Ray instance with the same number of CPUs), sharing off;
3. ``local`` again into another folder, taking the artifacts from the cache of run 1.

Prints each run's wall time, jobs executed and artifacts taken from the cache, and checks
that the three give bit-identical scores. Say the machine's load when quoting the figures.

    .venv/bin/python benchmarks/bench_executors.py [--spec SPEC] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--spec", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-ray", action="store_true")
    args = ap.parse_args()
    from synreal.cli.study import demo_spec_path
    from synreal.study.runner import run_study
    from synreal.study.spec import load_spec
    from synreal.study.store import RunStore

    spec = load_spec(args.spec or demo_spec_path())
    root = Path(tempfile.mkdtemp(prefix="synreal-bench-executors-"))
    cache = root / "cache"
    quiet = Console(file=open(os.devnull, "w"))
    runs = [("local, cache empty", "local", True), ("ray, no cache", "ray", False), ("local, from cache", "local", True)]
    if args.skip_ray:
        runs = [r for r in runs if r[1] != "ray"]
    print(f"{spec.name}: {args.workers} workers, load average {os.getloadavg()[0]:.1f} at start; folders under {root}")
    scores = {}
    for i, (name, kind, share) in enumerate(runs):
        out = root / f"run{i}"
        t = time.perf_counter()
        o = run_study(spec, out, workers=args.workers, executor=kind, console=quiet, cache_dir=cache,
                      share_artifacts=share)
        wall = time.perf_counter() - t
        tidy = RunStore(out, create=False).tidy()
        acc = tidy[tidy.metric == "accuracy"].sort_values("run_id")
        scores[name] = acc["value"].tolist()
        print(f"  {name:20s} {wall:7.1f} s wall, {o.executed:4d} jobs executed, {o.planned} runs, "
              f"{o.artifacts_from_cache} artifacts from the cache, {o.cores_busy:.2f} cores busy "
              f"(load average now {os.getloadavg()[0]:.1f})", flush=True)
    first = next(iter(scores.values()))
    print("bit-identical accuracies across runs:", all(v == first for v in scores.values()))


if __name__ == "__main__":
    main()
