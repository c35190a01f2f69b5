"""``synreal run --dry-run``: what a study would do, and how long it would take, without training.

``dry_run`` plans the study, reads the output directory's store (read-only) and the shared
artifact cache to say which jobs are reused and which would execute, and estimates the time
from a calibration on this machine: a few steps of the study's own training loop
(``synreal.learners.train.train``) on random inputs of the study's shape, per batch size,
with one torch thread as a worker has. A job's estimate is its number of training steps
(``training_steps``) times the calibrated step time; data generation, evaluation and the
pool generator's training are not in it. With adaptive seeds the estimate covers the first
round (every cell at ``start`` seeds) and the worst case (every cell at ``max`` seeds).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synreal.study.artifacts import ArtifactCache
from synreal.study.jobs import Job, PretrainConfig, RunConfig
from synreal.study.spec import StudySpec
from synreal.study.store import DB_NAME, RunStore

CALIBRATION_STEPS = 5
"""Training steps timed per batch size (after one warm-up step)."""


@dataclass
class PlanRow:
    """One line of the dry-run table: jobs of one kind and condition."""

    kind: str
    condition: str
    planned: int = 0
    reused: int = 0
    from_cache: int = 0
    execute: int = 0
    seconds: float = 0.0


@dataclass
class DryRun:
    """What ``run_study`` would do.

    Attributes:
        rows: per (kind, condition): planned, reused, restored from the cache, to execute,
            and the estimated training seconds of the jobs to execute (first round).
        step_seconds: calibrated seconds of one training step, per batch size.
        workers: the workers the estimate divides the work over.
        first_round: estimated wall seconds of the jobs to execute (all of them without adaptive seeds).
        worst_case: with adaptive seeds, estimated wall seconds when every cell needs every seed.
        critical_path: the longest chain (a pre-training, then its longest fine-tuning), seconds.
        notes: what the estimate leaves out.
    """

    rows: list[PlanRow]
    step_seconds: dict[int, float]
    workers: int
    first_round: float
    worst_case: float | None = None
    critical_path: float = 0.0
    notes: list[str] = field(default_factory=list)


def _train_images(job: Job) -> int:
    """Images a job trains on (0: it trains nothing)."""
    cfg = job.config
    if isinstance(cfg, PretrainConfig):
        return cfg.n_synthetic
    if isinstance(cfg, RunConfig):
        if cfg.train is None:
            return 0
        n = job.labels.n_real if job.labels is not None else 0
        if cfg.pool is not None or (cfg.source is not None and cfg.pretrain is None) or cfg.generator is not None:
            n += cfg.n_synthetic
        return n
    return 0


def calibrate(spec: StudySpec, in_shape: tuple[int, ...], n_classes: int, batch_sizes: set[int],
              learner: Any) -> dict[int, float]:
    """Seconds of one training step of the study's learner, per batch size, on this machine (one thread).

    Example:
        >>> from synreal.study.jobs import LearnerRef
        >>> s = StudySpec.model_validate({"name": "t", "seeds": [0], "real_fractions": [1], "conditions": ["real"]})
        >>> t = calibrate(s, (1, 8, 8), 10, {16}, LearnerRef(name="small-cnn", params={"width": 4}))
        >>> t[16] > 0
        True
    """
    import torch

    from synreal.data.base import FeatureSet, ImageSet
    from synreal.learners.base import LEARNERS
    from synreal.learners.configs import TrainConfig
    from synreal.learners.train import train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cls = LEARNERS.get(learner.name)
        device = spec.training.train.device
        out: dict[int, float] = {}
        rng = np.random.default_rng(0)
        for bs in sorted(batch_sizes):
            n = bs * (CALIBRATION_STEPS + 1)
            labels = np.arange(n) % n_classes
            classes = [str(c) for c in range(n_classes)]
            x = rng.random((n, *in_shape), dtype=np.float32)
            data = ImageSet(x, labels, classes) if len(in_shape) == 3 else FeatureSet(x, labels, classes)
            model = cls.build(cls.Config.model_validate(learner.params), tuple(in_shape), n_classes)
            warm = TrainConfig(epochs=1, min_steps=1, max_steps=1, batch_size=bs, device=device)
            train(model, data, warm, 0)
            cfg = TrainConfig(epochs=1, min_steps=CALIBRATION_STEPS, max_steps=CALIBRATION_STEPS, batch_size=bs,
                              device=device)
            t0 = time.perf_counter()
            train(model, data, cfg, 0)
            out[bs] = (time.perf_counter() - t0) / CALIBRATION_STEPS
        return out
    finally:
        torch.set_num_threads(threads)


def _job_seconds(job: Job, step: dict[int, float]) -> float:
    """Estimated training seconds of one job."""
    from synreal.learners.train import training_steps

    cfg = job.config
    train = getattr(cfg, "train", None)
    n = _train_images(job)
    if train is None or n == 0:
        return 0.0
    return training_steps(n, train) * step[train.batch_size]


def dry_run(spec: StudySpec, out_dir: Path, *, workers: int, cache: ArtifactCache | None) -> DryRun:
    """Plan ``spec`` against ``out_dir`` and estimate its time, training nothing and writing nothing.

    Args:
        spec: a validated study spec.
        out_dir: the output directory a run would use (read if it holds a store).
        workers: workers a run would use.
        cache: the shared artifact cache a run would read (None: not used).

    Returns:
        A ``DryRun``.

    Example:
        >>> from synreal.study.spec import load_spec
        >>> dry_run(load_spec("examples/digits.yaml"), Path("runs/demo"), workers=2, cache=None)  # doctest: +SKIP
    """
    from synreal.study.runner import _Rounds, plan_study

    plan = plan_study(spec)
    stored: set[str] = set()
    verified: set[str] = set()
    if (Path(out_dir) / DB_NAME).is_file():
        store = RunStore(Path(out_dir), create=False)
        try:
            stored = store.done_keys()
            for job in plan.jobs:
                if job.kind != "run" and job.key in stored:
                    record = store.artifact(job.key)
                    if record is not None and record.problem(Path(out_dir) / "artifacts") is None:
                        verified.add(job.key)
        finally:
            store.close()
    artifact_keys = {j.key for j in plan.jobs if j.kind != "run"}
    done = {k for k in stored if k not in artifact_keys or k in verified}
    cached = {j.key for j in plan.jobs if j.kind != "run" and j.key not in done and cache is not None
              and cache.get(j.key) is not None}
    first = _Rounds(spec, plan.jobs, plan.meta).first()
    sizes = {j.config.train.batch_size for j in plan.jobs if getattr(j.config, "train", None) is not None}
    ctx = plan.context
    step = calibrate(spec, ctx.in_shape, len(ctx.classes), sizes, ctx.learner) if sizes else {}
    rows: dict[tuple[str, str], PlanRow] = {}
    for job in first:
        cond = job.labels.condition if job.labels is not None and job.kind == "run" else job.kind
        row = rows.setdefault((job.kind, cond), PlanRow(job.kind, cond))
        row.planned += 1
        if job.key in done:
            row.reused += 1
        elif job.key in cached:
            row.from_cache += 1
        else:
            row.execute += 1
            row.seconds += _job_seconds(job, step)

    def wall(jobs: list[Job]) -> float:
        todo = [j for j in jobs if j.key not in done and j.key not in cached]
        return sum(_job_seconds(j, step) for j in todo) / max(1, workers)

    secs = {j.key: _job_seconds(j, step) for j in plan.jobs}
    chains = [secs[j.key] + sum(secs[d] for d in j.deps) for j in first if j.key not in done]
    notes = ["training steps only: data generation and evaluation add to it"]
    if any(j.kind == "generator" for j in first):
        notes.append("the pool generator's training is not estimated")
    kinds = Counter(j.kind for j in first)
    if not kinds.get("run"):
        notes.append("the plan holds no runs")
    return DryRun(sorted(rows.values(), key=lambda r: (r.kind == "run", r.kind, r.condition)), step, workers,
                  first_round=max(wall(first), max(chains, default=0.0)),
                  worst_case=max(wall(plan.jobs), max(chains, default=0.0)) if spec.adaptive is not None else None,
                  critical_path=max(chains, default=0.0), notes=notes)
