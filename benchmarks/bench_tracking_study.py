"""The tracking study's cost: tracker speed and the MOT17 study end to end (run by hand).

Prints the Kalman and learned trackers' frames per second on MOT17 with detections
simulated from ground truth (targets: at least 1,000 and 300 on one core; the tracker's own
benchmark, ``bench_tracker.py``, measures them in more detail), then runs the MOT17 study of
``examples/tracking-study.yaml`` (3 seeds, 5 real fractions, 5 scene sets; target: at most
20 minutes on 2 cores, both busy) and prints its wall time, cores busy and headlines.
Needs ../shared/data/mot17-train.

    python benchmarks/bench_tracking_study.py [--out DIR] [--skip-study]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

REPO = Path(__file__).resolve().parents[1]
MOT17 = REPO.parent / "shared" / "data" / "mot17-train"


def tracker_speed() -> None:
    """Frames per second of one tracking pass over the MOT17 test sequences, one thread."""
    import torch

    from synreal.tracking.detections import DetectionConfig, sequence_detections
    from synreal.tracking.motchallenge import find_sequences, read_sequence
    from synreal.tracking.motion import KalmanMotion, LearnedMotion, MotionTrainConfig, train_motion_model
    from synreal.tracking.tracker import TrackerConfig, track_detections

    torch.set_num_threads(1)
    seqs = [read_sequence(p) for p in find_sequences(MOT17)]
    train, test = seqs[:4], seqs[4:]
    learned, _ = train_motion_model(train, MotionTrainConfig(steps=200), seed=0)
    dets = [(s, sequence_detections(s, DetectionConfig(source="simulate"), 0)) for s in test]
    frames = sum(s.info.seq_length for s in test)
    for name, model in (("kalman", KalmanMotion()), ("learned", learned)):
        t0 = time.process_time()
        for s, det in dets:
            track_detections(det, model, TrackerConfig(), fps=s.info.frame_rate, n_frames=s.info.seq_length)
        secs = time.process_time() - t0
        target = 1000 if name == "kalman" else 300
        print(f"{name:8s} tracker  {frames / secs:8.0f} frames/s of CPU time   (target >= {target} on one core)")
    assert isinstance(learned, LearnedMotion)


def study(out: Path) -> None:
    """The MOT17 study of examples/tracking-study.yaml, timed."""
    from synreal.report.build import report_from_store
    from synreal.study.runner import run_study
    from synreal.study.spec import load_spec

    spec = load_spec(REPO / "examples" / "tracking-study.yaml")
    t0 = time.perf_counter()
    cache = Path(tempfile.mkdtemp(prefix="synreal-tracking-cache-"))  # nothing from earlier studies
    outcome = run_study(spec, out, console=Console(stderr=True), cache_dir=cache)
    report_from_store(out)
    wall = time.perf_counter() - t0
    print(f"MOT17 study wall time  {wall / 60:8.1f} min  (target <= 20 min on 2 cores)")
    print(f"cores busy             {outcome.cores_busy:8.2f}")
    print(f"runs                   {outcome.planned:8d}  ({outcome.executed} jobs executed)")
    print((out / "findings.md").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip-study", action="store_true")
    args = ap.parse_args()
    if not MOT17.is_dir():
        print(f"{MOT17} is absent: nothing to measure")
        sys.exit(0)
    import os

    os.chdir(REPO)  # the example spec names its scene sets relative to the repository root
    tracker_speed()
    if not args.skip_study:
        out = args.out or Path(tempfile.mkdtemp(prefix="synreal-tracking-"))
        if args.out and out.exists():
            shutil.rmtree(out)
        study(out)


if __name__ == "__main__":
    main()
