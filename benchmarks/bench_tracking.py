"""Speed of the tracking data side, on one core, against the targets of the tracking issue.

Prints measured numbers: the best of a few repeats, in CPU seconds of the process (and of
its child processes), which a busy shared machine disturbs far less than wall time; wall
times are printed beside them.

1. rendered frames per second at 640x360 with 20 people (render only, and render plus
   JPEG encoding as ``synreal mot generate`` does) -- target >= 100;
2. trajectories-only sequences per second (300 frames, the default scene set: people
   entering, moving cameras, occluders, annotation model; ground truth with visibility
   built; and with the files written) -- target >= 50;
3. ``synreal mot eval`` on MOT17 train (../shared/data) against TrackEval's own
   ``Evaluator`` on the same files, both as fresh processes and in-process -- target:
   ratio <= 1 (ours no slower). Skipped when the shared data is absent.

Run it with and without ``SYNREAL_NO_JIT=1`` to see what the compiled loops (extra ``fast``)
are worth; both paths generate the same sequences.

Usage: python benchmarks/bench_tracking.py [--quick]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import io
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def pin_one_core() -> str:
    """Run on a single CPU when the OS lets us; say which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def best(fn, repeats: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(smallest CPU time, smallest wall time) of ``repeats`` calls."""
    cpu, wall = [], []
    for _ in range(repeats):
        c, t = _cpu(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(_cpu() - c)
    return min(cpu), min(wall)


def rate(n: float, times: tuple[float, float]) -> tuple[float, float]:
    """Items per CPU second and per wall second."""
    return n / times[0], n / times[1]


def twenty_people_scenes(n: int):  # type: ignore[no-untyped-def]
    """Scenes of exactly 20 people at 640x360, all activities, static camera."""
    from synreal.tracking.scene import simulate_scene
    from synreal.tracking.spec import SceneSetSpec

    spec = SceneSetSpec.model_validate(
        {"name": "bench", "scene": {"fps": 30, "frames": 90, "groups": [4, 5], "lone_walkers": [3, 3], "max_people": 20,
                                    "entry_rate": 0},
         "camera": {"width": 640, "height": 360, "moving": 0}}
    )  # fmt: skip
    scenes, seed = [], 0
    while len(scenes) < n:
        s = simulate_scene(spec, seed)
        if s.n_people == 20:
            scenes.append(s)
        seed += 1
    return spec, scenes


def bench_render(repeats: int, n_scenes: int) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Frames/s (CPU, wall) render only and with JPEG encoding; mean labelled people per frame."""
    from synreal.tracking.render import SceneRenderer

    spec, scenes = twenty_people_scenes(n_scenes)
    frames = sum(s.n_frames for s in scenes)
    in_view = sum(int(s.labelled.sum()) for s in scenes) / frames

    def render_only() -> None:
        for s in scenes:
            r = SceneRenderer(s, spec.render)
            for t in range(s.n_frames):
                r.frame(t)

    def render_jpeg() -> None:
        for s in scenes:
            r = SceneRenderer(s, spec.render)
            for t in range(s.n_frames):
                r.frame(t)[0].save(io.BytesIO(), "JPEG", quality=spec.render.jpeg_quality)

    return rate(frames, best(render_only, repeats)), rate(frames, best(render_jpeg, repeats)), in_view


def bench_trajectories(repeats: int, n: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Sequences/s (CPU, wall) simulated with ground truth, and written to disk."""
    from synreal.tracking.generate import generate_scene_set, make_sequence
    from synreal.tracking.spec import SceneSetSpec

    spec = SceneSetSpec.model_validate({"name": "traj", "sequences": n, "scene": {"frames": 300}, "render": {"images": False}})
    # Imports and caches outside the clock (dance formations import scipy.optimize).
    from scipy.optimize import linear_sum_assignment  # noqa: F401

    make_sequence(spec, 0)

    def simulate() -> None:
        for i in range(n):
            make_sequence(spec, i).ground_truth()

    def write() -> None:
        with tempfile.TemporaryDirectory() as d:
            generate_scene_set(spec, d)

    return rate(n, best(simulate, repeats)), rate(n, best(write, repeats))


TRACKEVAL_SCRIPT = textwrap.dedent(
    """
    import contextlib, io, os, sys, tempfile
    from pathlib import Path
    import trackeval
    gt_src, tr_src = Path(sys.argv[1]), Path(sys.argv[2])
    tmp = Path(tempfile.mkdtemp())
    (tmp / "gt").mkdir()
    seqs = sorted(p.stem for p in tr_src.glob("*.txt"))
    for s in seqs:
        os.symlink(gt_src / s, tmp / "gt" / s)
    (tmp / "seqmap.txt").write_text("name\\n" + "\\n".join(seqs) + "\\n")
    (tmp / "trackers" / "t").mkdir(parents=True)
    os.symlink(tr_src, tmp / "trackers" / "t" / "data")
    ec = trackeval.Evaluator.get_default_eval_config()
    ec.update(USE_PARALLEL=False, PRINT_CONFIG=False, TIME_PROGRESS=False, PLOT_CURVES=False,
              OUTPUT_SUMMARY=True, OUTPUT_DETAILED=True, PRINT_RESULTS=True)
    dc = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
    dc.update(GT_FOLDER=str(tmp / "gt"), TRACKERS_FOLDER=str(tmp / "trackers"), SKIP_SPLIT_FOL=True,
              SEQMAP_FILE=str(tmp / "seqmap.txt"), PRINT_CONFIG=False, OUTPUT_FOLDER=str(tmp / "out"))
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    with contextlib.redirect_stdout(io.StringIO()):
        res, _ = trackeval.Evaluator(ec).evaluate([trackeval.datasets.MotChallenge2DBox(dc)], metrics)
    r = res["MotChallenge2DBox"]["t"]["COMBINED_SEQ"]["pedestrian"]
    print(float(r["HOTA"]["HOTA"].mean()))
    """
)


def bench_eval(repeats: int) -> dict[str, tuple[float, float]] | None:
    """Wall times of our evaluator and TrackEval's on MOT17 train, or None without the data."""
    gt, tr_root = SHARED / "mot17-train", SHARED / "mot17-train-trackers"
    if not gt.is_dir() or not tr_root.is_dir():
        return None
    tr = tr_root / "MoTT_20221127" / "data"
    synreal_bin = Path(sys.executable).with_name("synreal")
    ours_cmd = [str(synreal_bin), "mot", "eval", str(gt), str(tr_root)]
    te_cmd = [sys.executable, "-c", TRACKEVAL_SCRIPT, str(gt), str(tr)]
    env = {**os.environ, "COLUMNS": "200"}

    def run(cmd: list[str]) -> None:
        subprocess.run(cmd, check=True, capture_output=True, env=env, preexec_fn=lambda: None)

    out: dict[str, tuple[float, float]] = {}
    out["ours_process"] = best(lambda: run(ours_cmd), repeats)
    out["trackeval_process"] = best(lambda: run(te_cmd), repeats)

    from synreal.tracking.metrics import evaluate_folders

    evaluate_folders(gt, tr_root)  # imports outside the clock
    out["ours_inprocess"] = best(lambda: evaluate_folders(gt, tr_root), repeats)
    ns: dict = {}
    exec(compile("import trackeval", "te", "exec"), ns)
    script = TRACKEVAL_SCRIPT.replace("gt_src, tr_src = Path(sys.argv[1]), Path(sys.argv[2])", "gt_src, tr_src = GT, TR")
    out["trackeval_inprocess"] = best(lambda: exec(script, {"GT": gt, "TR": tr, "print": lambda *a: None}), repeats)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and sequences")
    args = ap.parse_args()
    reps = 1 if args.quick else 3
    from synreal.tracking import kernels

    jit = "compiled loops on (numba)" if kernels.jit_enabled() else "numpy path (numba absent or SYNREAL_NO_JIT=1)"
    print(f"tracking benchmark ({pin_one_core()}, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}, {jit})")
    print("rates per CPU second (per wall second in brackets)")

    (fps, fps_w), (fpj, fpj_w), in_view = bench_render(reps, 2 if args.quick else 3)
    print(f"render 640x360, 20 people ({in_view:.1f} labelled per frame on average):")
    print(f"  render only          {fps:7.1f} frames/s ({fps_w:6.1f})   target >= 100  {'PASS' if fps >= 100 else 'FAIL'}")
    print(f"  render + JPEG q90    {fpj:7.1f} frames/s ({fpj_w:6.1f})")

    (sps, sps_w), (spw, spw_w) = bench_trajectories(reps, 40 if args.quick else 100)
    print("trajectories only (300 frames, default scene set):")
    print(f"  simulate + gt        {sps:7.1f} sequences/s ({sps_w:6.1f})   target >= 50  {'PASS' if sps >= 50 else 'FAIL'}")
    print(f"  ... + files written  {spw:7.1f} sequences/s ({spw_w:6.1f})")

    ev = bench_eval(reps)
    if ev is None:
        print("evaluation: skipped (../shared/data/mot17-train not present)")
        return
    ratio = ev["ours_process"][0] / ev["trackeval_process"][0]
    ratio_in = ev["ours_inprocess"][0] / ev["trackeval_inprocess"][0]
    print("evaluation on MOT17 train (7 sequences, HOTA + CLEAR + Identity), CPU seconds (wall):")
    print(f"  synreal mot eval     {ev['ours_process'][0]:6.2f} s ({ev['ours_process'][1]:6.2f}) as a process,"
          f" {ev['ours_inprocess'][0]:6.2f} s ({ev['ours_inprocess'][1]:6.2f}) in-process")  # fmt: skip
    print(f"  TrackEval Evaluator  {ev['trackeval_process'][0]:6.2f} s ({ev['trackeval_process'][1]:6.2f}) as a process,"
          f" {ev['trackeval_inprocess'][0]:6.2f} s ({ev['trackeval_inprocess'][1]:6.2f}) in-process")  # fmt: skip
    print(f"  ratio ours / TrackEval  {ratio:.2f} (process), {ratio_in:.2f} (in-process)   target <= 1  {'PASS' if ratio <= 1 else 'FAIL'}")


if __name__ == "__main__":
    main()
