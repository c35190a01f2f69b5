"""Speed (and, with ``--accuracy``, the tracking study's accuracy protocol) of the tracker.

Speed, on one pinned core, best of a few repeats, in CPU seconds of the process (wall time
beside it), on MOT17 train (../shared/data) with detections simulated from ground truth:

1. the Kalman tracker, frames per second -- target >= 1,000;
2. the learned tracker (default network, batched numpy forward over live tracks), frames per
   second -- target >= 300; and the torch forward for comparison;
3. training the learned motion model, seconds per 1,000 steps (default config).

``--accuracy`` runs the study's protocol and prints HOTA/AssA/IDF1 tables (tens of minutes):

- SportsMOT: the 45 training sequences sorted by name, the first 35 to train, the last 10 to
  test; detections simulated from ground truth with the default ``DetectionSpec``; Kalman vs
  the learned model trained on the 35, each with the default plain-IoU tracker and with the
  uncertainty-buffered IoU (``buffer=4``, the best for Kalman on a 25/10 split of the 35);
- MOT17: the 7 sequences sorted by name, the first 4 to train, the last 3 to test;
- substitution signal: the learned model pre-trained on simple synthetic trajectories
  (``toy_sequences``: straight lines and turning random walks), fine-tuned on 1 or 4 SportsMOT
  training sequences, against the same fine-tuning from scratch and against Kalman.

Usage: python benchmarks/bench_tracker.py [--quick] [--accuracy [--seeds N] [--association] [--no-speed]]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import best, pin_one_core, rate

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SYNREAL_SHARED_DATA", REPO.parent / "shared" / "data"))


def _sequences(name: str) -> list:  # type: ignore[type-arg]
    from synreal.tracking.motchallenge import find_sequences, read_sequence

    root = SHARED / name
    return [read_sequence(p) for p in find_sequences(root)] if root.is_dir() else []


def bench_speed(repeats: int) -> None:
    """Tracker frames per second (Kalman, learned numpy, learned torch) and training seconds per 1,000 steps."""
    import torch

    from synreal.tracking.detections import DetectionConfig, sequence_detections
    from synreal.tracking.motion import KalmanMotion, LearnedMotion
    from synreal.tracking.motion.learned import make_inputs
    from synreal.tracking.motion.toy import toy_sequences
    from synreal.tracking.motion.training import MotionTrainConfig, train_motion_model
    from synreal.tracking.tracker import TrackerConfig, track_detections

    torch.set_num_threads(1)
    seqs = _sequences("mot17-train")
    if not seqs:
        print("MOT17 train not found under ../shared/data: tracker speed skipped")
    else:
        dets = [sequence_detections(s, DetectionConfig(source="simulate"), 0) for s in seqs]
        frames = sum(s.info.seq_length for s in seqs)
        per_frame = sum(len(d) for d in dets) / frames
        cfg = TrackerConfig()

        def track(model) -> None:  # type: ignore[no-untyped-def]
            for s, d in zip(seqs, dets):
                track_detections(d, model, cfg, fps=s.info.frame_rate, n_frames=s.info.seq_length)

        learned = LearnedMotion()

        class TorchForward(LearnedMotion):
            """The same network run through torch each frame (for comparison)."""

            def predict(self, state):  # type: ignore[no-untyped-def]
                state = type(state)(hist=state.hist, dt=state.dt, valid=state.valid, age=state.age + 1, unit=state.unit)
                if not len(state):
                    return super().predict(state)
                with torch.inference_mode():
                    mean, logvar = self.network(*(torch.from_numpy(a) for a in make_inputs(state.hist, state.dt, state.valid, state.age * state.unit)))
                return state, self._to_boxes(state.hist[:, -1], mean.numpy().astype(float), logvar.numpy().astype(float))

        torch_model = TorchForward(learned.config, learned.state_dict())
        print(f"MOT17 train, {len(seqs)} sequences, {frames} frames, {per_frame:.1f} detections per frame (simulated from gt)")
        for label, model, target in (
            ("Kalman tracker", KalmanMotion(), 1000),
            (f"learned tracker, numpy ({learned.config.arch}, {learned.n_parameters()} weights)", learned, 300),
            ("learned tracker, torch forward", torch_model, None),
        ):
            track(model)  # warm-up outside the clock
            cpu_rate, wall_rate = rate(frames, best(lambda m=model: track(m), repeats))
            verdict = "" if target is None else f"   target >= {target}  {'PASS' if cpu_rate >= target else 'FAIL'}"
            print(f"  {label:58s} {cpu_rate:7.0f} frames/s ({wall_rate:6.0f}){verdict}")

    train_seqs = toy_sequences(8, frames=150, turn=0.1, seed=0)
    steps = 100 if repeats == 1 else 300
    for arch in ("gru", "mlp"):
        tcfg = MotionTrainConfig(steps=steps, model={"arch": arch})
        train_motion_model(train_seqs, tcfg.model_copy(update={"steps": 2}), seed=0)  # imports outside the clock
        cpu, wall = best(lambda c=tcfg: train_motion_model(train_seqs, c, seed=0), 1)
        print(f"  training, {arch} (batch {tcfg.batch_size}): {cpu / steps * 1000:6.1f} s per 1,000 steps ({wall / steps * 1000:.1f} wall)")


# --------------------------------------------------------------------------------------
# accuracy protocol

FIELDS = ("HOTA", "DetA", "AssA", "IDF1", "MOTA", "IDSW")


def split(seqs: list, n_train: int) -> tuple[list, list]:  # type: ignore[type-arg]
    """First ``n_train`` sequences by sorted name to train, the rest to test."""
    seqs = sorted(seqs, key=lambda s: s.name)
    return seqs[:n_train], seqs[n_train:]


def score(test: list, models: list, tracker, association: list | None = None) -> dict[str, float]:  # type: ignore[no-untyped-def, type-arg]
    """Metrics averaged over runs (scores x100): run ``s`` tracks with ``models[s]`` on detection draw ``s``.

    A learned model is trained once per seed, so the spread covers both the detections and
    the training.
    """
    import numpy as np

    from synreal.tracking.detections import DetectionConfig
    from synreal.tracking.tracker import run_tracker

    runs = [
        run_tracker(test, m, tracker, DetectionConfig(source="simulate"), seed=s, association=None if association is None else association[s])
        for s, m in enumerate(models)
    ]
    out = {f: float(np.mean([r[f] for r in runs])) * (1 if f == "IDSW" else 100) for f in FIELDS}
    out["HOTA_sd"] = float(np.std([r["HOTA"] for r in runs])) * 100
    return out


def table(title: str, rows: dict[str, dict[str, float]], ref: str | None = None) -> None:
    """Print one block of results (and the difference to ``ref``)."""
    print(f"\n{title}")
    print(f"  {'':44s}" + "".join(f"{f:>8s}" for f in FIELDS) + "  HOTA sd   dHOTA   dAssA")
    for name, r in rows.items():
        d = "" if ref is None or name == ref else f"  {r['HOTA'] - rows[ref]['HOTA']:+6.2f}  {r['AssA'] - rows[ref]['AssA']:+6.2f}"
        cells = "".join(f"{r[f]:8.2f}" if f != "IDSW" else f"{r[f]:8.0f}" for f in FIELDS)
        print(f"  {name:44s}{cells}  {r['HOTA_sd']:7.2f}" + d, flush=True)


def run_protocol(seeds: int, quick: bool, association: bool = False) -> None:
    """SportsMOT 35/10 and MOT17 4/3: Kalman vs learned; synthetic pre-training vs scratch on 1 and 4 sequences."""
    import numpy as np

    from synreal.tracking.motion import KalmanMotion
    from synreal.tracking.motion.association import train_association
    from synreal.tracking.motion.toy import toy_sequences
    from synreal.tracking.motion.training import MotionTrainConfig, train_motion_model
    from synreal.tracking.tracker import TrackerConfig

    cfg = MotionTrainConfig(steps=300) if quick else MotionTrainConfig()
    trackers = {"IoU (default)": TrackerConfig(), "buffered IoU (buffer=4)": TrackerConfig(buffer=4.0)}
    sports = _sequences("sportsmot-train")
    mot17 = _sequences("mot17-train")
    print(f"\naccuracy protocol: {seeds} runs (detection draw s, training seed s), training {cfg.steps} steps ({cfg.model.arch}), load {os.getloadavg()[0]:.1f}")
    for label, seqs, n_train in (("SportsMOT 35/10", sports, 35), ("MOT17 4/3", mot17, 4)):
        if not seqs:
            print(f"{label}: data not found, skipped")
            continue
        train, test = split(seqs, n_train)
        print(f"{label}: test = {', '.join(s.name for s in test)}")
        t0 = time.perf_counter()
        learned = [train_motion_model(train, cfg, seed=s)[0] for s in range(seeds)]
        print(f"  {seeds} learned models trained in {time.perf_counter() - t0:.0f} s")
        kalman = [KalmanMotion()] * seeds
        for tname, tracker in trackers.items():
            rows = {"kalman": score(test, kalman, tracker), "learned": score(test, learned, tracker)}
            if association and tname.startswith("buffered"):
                scorers = [train_association(train, m, seed=s)[0] for s, m in enumerate(learned)]
                rows["learned + learned association"] = score(test, learned, tracker, scorers)
            table(f"{label}, {tname}", rows, ref="kalman")

    if not sports:
        return
    train, test = split(sports, 35)
    order = np.random.default_rng(0).permutation(len(train))
    synthetic = toy_sequences(100, frames=150, seed=1) + toy_sequences(100, frames=150, turn=0.1, seed=2)
    t0 = time.perf_counter()
    pre = [train_motion_model(synthetic, cfg, seed=s)[0] for s in range(seeds)]
    print(f"\npre-trained on {len(synthetic)} toy sequences (straight lines, turning walks) in {time.perf_counter() - t0:.0f} s")
    for tname, tracker in trackers.items():
        rows = {"kalman": score(test, [KalmanMotion()] * seeds, tracker), "synthetic only": score(test, pre, tracker)}
        for n in (1, 4):
            real = [train[i] for i in order[:n]]
            if tname.startswith("IoU"):
                print(f"  {n} real: {', '.join(s.name for s in real)}")
            scratch = [train_motion_model(real, cfg, seed=s)[0] for s in range(seeds)]
            tuned = [train_motion_model(real, cfg, seed=s, init_state=pre[s])[0] for s in range(seeds)]
            rows[f"real {n} from scratch"] = score(test, scratch, tracker)
            rows[f"real {n} fine-tuned from synthetic"] = score(test, tuned, tracker)
        table(f"SportsMOT test, substitution signal, {tname}", rows, ref="kalman")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repeat")
    ap.add_argument("--accuracy", action="store_true", help="also run the accuracy protocol (tens of minutes)")
    ap.add_argument("--seeds", type=int, default=3, help="runs averaged in the accuracy protocol (detection draw and training seed)")
    ap.add_argument("--association", action="store_true", help="accuracy: also the learned association score")
    ap.add_argument("--no-speed", action="store_true", help="skip the speed measurements")
    args = ap.parse_args()
    print(f"tracker benchmark ({pin_one_core()}, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f})")
    print("rates per CPU second (per wall second in brackets)")
    if not args.no_speed:
        bench_speed(1 if args.quick else 3)
    if args.accuracy:
        run_protocol(seeds=args.seeds, quick=args.quick, association=args.association)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"done in {time.perf_counter() - t0:.0f} s")
