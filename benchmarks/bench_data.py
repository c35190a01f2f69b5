"""Benchmark of reading image folders larger than memory; prints measured numbers.

Generates an ImageFolder of N colour PNGs (default 100,000 at 32x32, 10 classes) in a
temporary directory, then measures, each step in a fresh process so that peak memory is
its own:

1. first decode into the memory-mapped cache (``load_image_folder(cache=True)``): images
   per second and peak resident memory;
2. cached load: the same call again (the cache is reused), then a full read of every image;
3. decode into memory (``cache=False``), for comparison;
4. a study over the folder (``real`` condition, real fraction 1.0, two worker processes):
   peak resident memory of the main process and of the largest worker.

Usage:
    python benchmarks/bench_data.py                      # 100,000 images
    python benchmarks/bench_data.py --n 20000 --skip-memory --skip-study   # quick

Target (from the issue): the main process and each worker under 2 GiB resident for
100,000 32x32 colour PNGs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CLASSES = 10


def make_folder(root: Path, n: int, size: int, seed: int = 0) -> float:
    """N PNGs under root/<class>/: a class-dependent colour gradient plus noise. Returns seconds."""
    from PIL import Image

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for c in range(CLASSES):
        (root / f"class{c}").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        c = i % CLASSES
        base = np.stack([np.sin(3 * xx + c), np.cos(2 * yy + 0.5 * c), xx * yy], -1) * 0.4 + 0.5
        img = np.clip(base + rng.normal(0, 0.08, base.shape), 0, 1)
        Image.fromarray((img * 255).astype(np.uint8)).save(root / f"class{c}" / f"{i:06d}.png", compress_level=1)
    return time.perf_counter() - t0


def _peak_gb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in GiB (Linux reports KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024**2


def step_decode(folder: str, cache_dir: str, mode: str) -> dict:
    """One measurement, run in a child process (mode: cold, warm, memory)."""
    from synreal.data.datasets import load_image_folder

    t0 = time.perf_counter()
    data = load_image_folder(Path(folder), cache=(mode != "memory"), cache_dir=cache_dir)
    load = time.perf_counter() - t0
    out = {"mode": mode, "n": len(data), "load_seconds": load, "images_per_second": len(data) / load}
    if mode == "warm":
        t1 = time.perf_counter()
        total = 0.0
        for chunk in data.images.chunks(8192):
            total += float(chunk.sum())
        out["read_seconds"] = time.perf_counter() - t1
        out["read_images_per_second"] = len(data) / out["read_seconds"]
        out["store"] = str(data.images.store.dtype)
    out["peak_rss_gib"] = _peak_gb()
    return out


def step_study(folder: str, cache_dir: str, out_dir: str, steps: int) -> dict:
    """Run a small study over the folder with two worker processes; peak memory of main and workers."""
    os.environ["SYNREAL_CACHE_DIR"] = cache_dir
    from rich.console import Console

    from synreal.study.runner import run_study
    from synreal.study.spec import validate_spec

    spec = validate_spec({
        "name": "bench-data", "seeds": [0, 1], "real_fractions": [1.0], "conditions": ["real"],
        "real": {"dataset": "folder", "path": folder, "test_fraction": 0.3},
        "training": {"train": {"epochs": 1, "min_steps": 1, "max_steps": steps, "batch_size": 64}},
        "learner": {"params": {"width": 8}},
        "executor": {"kind": "local", "workers": 2},
    })
    t0 = time.perf_counter()
    outcome = run_study(spec, Path(out_dir), console=Console(stderr=True, quiet=True))
    return {"mode": "study", "runs": outcome.executed, "wall_seconds": time.perf_counter() - t0,
            "main_peak_rss_gib": _peak_gb(), "largest_worker_peak_rss_gib": _peak_gb(resource.RUSAGE_CHILDREN)}


def _child(args: list[str]) -> dict:
    """Run this script's --step in a fresh interpreter and parse its JSON line."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                       os.environ.get("PYTHONPATH", "")]))
    res = subprocess.run([sys.executable, __file__, "--step", *args], capture_output=True, text=True, env=env)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit(f"step {args} failed")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="images to generate")
    ap.add_argument("--size", type=int, default=32, help="image side in px")
    ap.add_argument("--steps", type=int, default=300, help="training steps per run in the study step")
    ap.add_argument("--skip-memory", action="store_true", help="skip the in-memory decode")
    ap.add_argument("--skip-study", action="store_true", help="skip the study step")
    ap.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        kind, *rest = args.step
        result = step_study(*rest[:3], int(rest[3])) if kind == "study" else step_decode(*rest[:2], kind)
        print(json.dumps(result))
        return 0

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="synreal-bench-data-") as tmp:
        folder, cache = Path(tmp) / "images", Path(tmp) / "cache"
        secs = make_folder(folder, args.n, args.size)
        mb = sum(f.stat().st_size for f in folder.rglob("*.png")) / 1e6
        print(f"generated {args.n:,} {args.size}x{args.size} RGB PNGs ({mb:.0f} MB) in {secs:.1f} s")
        print(f"{'step':<28}{'images/s':>12}{'seconds':>10}{'peak RSS GiB':>14}")
        cold = _child(["cold", str(folder), str(cache)])
        print(f"{'first decode -> cache':<28}{cold['images_per_second']:>12,.0f}{cold['load_seconds']:>10.1f}{cold['peak_rss_gib']:>14.2f}")
        warm = _child(["warm", str(folder), str(cache)])
        print(f"{'cached load (reuse)':<28}{warm['images_per_second']:>12,.0f}{warm['load_seconds']:>10.1f}{warm['peak_rss_gib']:>14.2f}")
        print(f"{'  + read every image':<28}{warm['read_images_per_second']:>12,.0f}{warm['read_seconds']:>10.1f}{'':>14}"
              f"   (cache stores {warm['store']})")
        if not args.skip_memory:
            mem = _child(["memory", str(folder), str(cache)])
            print(f"{'decode into memory':<28}{mem['images_per_second']:>12,.0f}{mem['load_seconds']:>10.1f}{mem['peak_rss_gib']:>14.2f}")
        if not args.skip_study:
            st = _child(["study", str(folder), str(cache), str(Path(tmp) / "study"), str(args.steps)])
            print(f"study: {st['runs']} runs ({args.steps} steps each, 2 workers) in {st['wall_seconds']:.1f} s; peak RSS "
                  f"main {st['main_peak_rss_gib']:.2f} GiB, largest worker {st['largest_worker_peak_rss_gib']:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
