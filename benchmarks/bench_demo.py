"""Run the embedded demo study from scratch and print its cost.

Prints wall time, average cores busy, runs per minute and the render-digits generator's
images per second. Targets (2-core machine): under 3 minutes, at least 1.6 cores busy.

    .venv/bin/python benchmarks/bench_demo.py [--out DIR] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console


def generator_rate(n: int = 20_000) -> float:
    """Images per second of render-digits with the demo's first source, one thread."""
    import torch

    from synreal.cli.study import demo_spec_path
    from synreal.plugins import load_builtin_plugins
    from synreal.study.spec import load_spec
    from synreal.synth.base import SOURCES

    torch.set_num_threads(1)
    load_builtin_plugins()
    spec = load_spec(demo_spec_path())
    src = next(s for s in spec.sources if s.kind == "render-digits")
    cls = SOURCES.get(src.kind)
    gen = cls(cls.Config.model_validate(src.knobs))
    gen.generate(500, 99, [str(i) for i in range(10)])  # warm the glyph cache
    t = time.perf_counter()
    gen.generate(n, 0, [str(i) for i in range(10)])
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=None, help="output directory (default: a fresh temp dir)")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    from synreal.cli.study import demo_spec_path
    from synreal.report.build import report_from_store
    from synreal.study.runner import run_study
    from synreal.study.spec import load_spec

    out = args.out or Path(tempfile.mkdtemp(prefix="synreal-demo-"))
    if args.out and out.exists():
        shutil.rmtree(out)
    spec = load_spec(demo_spec_path())
    t = time.perf_counter()
    # an empty shared cache, as on a fresh machine (a warm one would hand over the checkpoints)
    cache = Path(tempfile.mkdtemp(prefix="synreal-demo-cache-"))
    outcome = run_study(spec, out, workers=args.workers, console=Console(stderr=True), cache_dir=cache)
    t_report = time.perf_counter()
    report_from_store(out)
    wall = time.perf_counter() - t
    print(f"demo wall time          {wall:8.1f} s   (target < 180 s)")
    print(f"  of which the runs     {outcome.wall_seconds:8.1f} s")
    print(f"  of which the report   {time.perf_counter() - t_report:8.1f} s")
    print(f"cores busy (average)    {outcome.cores_busy:8.2f}     (target >= 1.6 of {os.cpu_count()})")
    print(f"runs                    {outcome.planned:8d}     ({outcome.executed} jobs executed)")
    print(f"runs per minute         {outcome.planned / wall * 60:8.1f}")
    print(f"seeds run               {len(outcome.meta.seeds)} ({'adaptive' if spec.adaptive else 'fixed'}); "
          f"{len(spec.real_fractions)} real fractions")
    print(f"render-digits           {generator_rate():8.0f} images/s (one thread)")
    print(f"report                  {out / 'report.html'}")


if __name__ == "__main__":
    main()
