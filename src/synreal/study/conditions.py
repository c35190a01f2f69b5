"""The conditions of science.md, each a registered plugin that plans its runs.

A condition turns one ``conditions:`` entry of the spec into typed jobs (``plan``). Runs of
the five core conditions execute the same way for every task (``execute_run``): start from a
fresh model (or the weights of a pre-training checkpoint), train on the real fraction and/or
the synthetic images the config names, evaluate on the real test set, all through the
task's operations. ``pretrain`` adds an artifact job per (source, size, seed), trained once
and reused by every real fraction and by ``synthetic-only``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synreal.errors import UserInputError
from synreal.fileio import atomic_write_bytes
from synreal.learners.configs import AugmentConfig, TrainConfig
from synreal.registry import Registry
from synreal.study.artifacts import ArtifactRecord
from synreal.study.jobs import (
    DataRef,
    Job,
    LearnerRef,
    PretrainConfig,
    RunConfig,
    RunLabels,
    SourceRef,
    TrackingDataRef,
    make_job,
)
from synreal.study.samples import write_samples
from synreal.study.spec import BaseStudySpec, ConditionSpec
from synreal.study.task import TASKS, Task


@dataclass(frozen=True)
class PlanContext:
    """What planning needs besides the condition entry: the spec and the resolved data.

    Attributes:
        spec: the validated study spec.
        task: the task's registered name.
        data: the resolved real data (with its fingerprint).
        n_train_real: images in 100% of the real training split.
        classes: class names.
        in_shape: the input shape every run's model takes.
        learner: the learner with resolved hyper-parameters.
        training: the task's optimisation settings per phase (``train``, ``pretrain``, ``finetune``, ``mix``).
        augmentation: the naive augmentation of ``real+aug`` (and ``mix`` with ``augment``); None
            where the task has none.
        sources: source name -> resolved source.
    """

    spec: BaseStudySpec
    task: str
    data: DataRef | TrackingDataRef
    n_train_real: int
    classes: tuple[str, ...]
    in_shape: tuple[int, ...]
    learner: LearnerRef
    training: Any
    augmentation: AugmentConfig | None
    sources: dict[str, SourceRef]

    def n_real(self, fraction: float) -> int:
        """Real training images at ``fraction`` (at least one per class)."""
        return max(len(self.classes), int(round(fraction * self.n_train_real)))

    def run(self, condition: str, seed: int, *, fraction: float = 0.0, phase: TrainConfig | None = None,
            label: str | None = None, source: str | None = None, n_synthetic: int = 0, deps: tuple[str, ...] = (),
            gamma: float | None = None, learner: LearnerRef | None = None, **fields: Any) -> Job:
        """A run job of this study: its typed config (``source`` resolved by name), labels and key.

        Args:
            condition: the registered condition that executes it.
            seed: the run's seed.
            fraction: real fraction trained on (0: none).
            phase: the optimisation settings (None: no training, e.g. synthetic-only).
            label: the condition in the tidy table when it differs (``mix+aug``).
            source: the synthetic source's name in the spec, if any.
            n_synthetic: synthetic images (or the pool-condition's image count).
            deps: keys of the jobs it needs first.
            gamma: the SDEdit strength of the perturbed condition.
            learner: another learner than the study's (a baseline's).
            **fields: further ``RunConfig`` fields (``augment``, ``pretrain``, ``pool``...).
        """
        cfg = RunConfig(task=self.task, condition=condition, seed=seed, real_fraction=fraction, data=self.data,
                        classes=self.classes, learner=learner or self.learner, in_shape=self.in_shape, train=phase,
                        n_synthetic=n_synthetic, gamma=gamma,
                        **({"source": self.sources[source]} if source in self.sources else {}), **fields)
        labels = RunLabels(condition=label or condition, source=source or "none", n_synthetic=n_synthetic,
                           real_fraction=fraction, n_real=self.n_real(fraction) if fraction > 0 else 0, seed=seed,
                           gamma=gamma)
        return make_job(cfg, self.data.fingerprint, deps=deps, labels=labels)


class Condition(ABC):
    """Base of every condition: ``name`` and ``plan``; runs execute through ``execute``."""

    name = ""

    @abstractmethod
    def plan(self, entry: ConditionSpec | None, ctx: PlanContext) -> list[Job]:
        """The jobs of one ``conditions:`` entry (None for conditions a spec section adds)."""

    def execute(self, config: RunConfig, artifacts: Path, key: str) -> dict[str, Any]:
        """Train and evaluate one run; return its metrics (the core recipe by default)."""
        return execute_run(config, artifacts, key)


def _read_artifact(artifacts: Path, name: str) -> bytes:
    return (artifacts / name).read_bytes()


def execute_run(cfg: RunConfig, artifacts: Path, key: str = "") -> dict[str, Any]:
    """The core recipe: start fresh or from a checkpoint, train on what the config names, evaluate.

    Args:
        cfg: the run's config.
        artifacts: the folder holding pre-training checkpoints.
        key: the job's key (names the sample images it stores).

    Returns:
        The task's metrics plus ``train_seconds`` and ``run_seconds``.
    """
    t0 = time.perf_counter()
    task: Task = TASKS.get(cfg.task)()
    parts = []
    if cfg.real_fraction > 0 and cfg.train is not None:
        parts.append(task.real_train(cfg.data, cfg.real_fraction, cfg.seed))
    if cfg.source is not None and cfg.pretrain is None and cfg.train is not None:
        parts.append(task.synthetic(cfg.source, cfg.n_synthetic, cfg.seed, cfg))
        write_samples(artifacts, key, parts[-1])
    model = task.new_model(cfg)
    if cfg.pretrain is not None:
        model = task.load(model, _read_artifact(artifacts, f"pretrain-{cfg.pretrain}.pt"))
    train_seconds = 0.0
    if parts and cfg.train is not None:
        data = parts[0] if len(parts) == 1 else task.concat(parts)
        model, train_seconds = task.fit(model, data, cfg.train, cfg.seed, cfg.augment, warm=cfg.pretrain is not None)
    metrics = task.evaluate(model, cfg.data, cfg.seed)
    metrics["train_seconds"] = train_seconds
    metrics["run_seconds"] = time.perf_counter() - t0
    return metrics


def pretrain_job(ctx: PlanContext, source: str, n: int, seed: int) -> Job:
    """The artifact job that pre-trains on ``n`` images of ``source`` for ``seed``.

    Its key ignores the real data's fingerprint: a checkpoint depends only on synthetic data
    (and on the classes and input shape, which are in its config).
    """
    cfg = PretrainConfig(task=ctx.task, source=ctx.sources[source], n_synthetic=n, seed=seed, classes=ctx.classes,
                         in_shape=ctx.in_shape, learner=ctx.learner, train=ctx.training.pretrain)
    return make_job(cfg, "synthetic-only", labels=RunLabels(condition="pretrain", source=source, n_synthetic=n,
                                                            seed=seed))


def execute_pretrain(cfg: PretrainConfig, key: str, artifacts: Path) -> dict[str, Any]:
    """Pre-train on synthetic data and store the checkpoint atomically."""
    t0 = time.perf_counter()
    task: Task = TASKS.get(cfg.task)()
    data = task.synthetic(cfg.source, cfg.n_synthetic, cfg.seed, cfg)
    write_samples(artifacts, key, data)
    model, seconds = task.fit(task.new_model(cfg), data, cfg.train, cfg.seed)
    payload = task.save(model)
    record = ArtifactRecord.of_bytes(f"pretrain-{key}.pt", payload)
    atomic_write_bytes(artifacts / record.name, payload)
    return {**record.as_metrics(), "pretrain_seconds": seconds, "run_seconds": time.perf_counter() - t0}


CONDITIONS: Registry = Registry("condition", interface=Condition)


def _fractions(entry: ConditionSpec | None, ctx: PlanContext) -> list[float]:
    return list((entry.real_fractions if entry is not None else None) or ctx.spec.real_fractions)


def _synthetic_grid(entry: ConditionSpec, ctx: PlanContext) -> list[tuple[str, int]]:
    names = entry.sources or [s.name for s in ctx.spec.sources]
    return [(name, n) for name in names for n in entry.n_synthetic or []]


@CONDITIONS.register("real", doc="train from scratch on a fraction f of the real training split")
class Real(Condition):
    """Train from scratch on real fraction f."""

    name = "real"
    augment = False

    def plan(self, entry: ConditionSpec | None, ctx: PlanContext) -> list[Job]:
        aug = ctx.augmentation if self.augment else None
        return [ctx.run(self.name, seed, fraction=f, phase=ctx.training.train, augment=aug)
                for seed in ctx.spec.seed_list for f in _fractions(entry, ctx)]


@CONDITIONS.register("real+aug", doc="as real, with naive augmentation (affine, jitter; flips where they fit)")
class RealAug(Real):
    """Real fraction f with naive augmentation: the baseline every synthetic gain must beat."""

    name = "real+aug"
    augment = True


@CONDITIONS.register("pretrain", doc="pre-train on n synthetic samples, then fine-tune on real fraction f")
class Pretrain(Condition):
    """Pre-train once per (source, n, seed); fine-tune that checkpoint on every real fraction."""

    name = "pretrain"

    def plan(self, entry: ConditionSpec | None, ctx: PlanContext) -> list[Job]:
        assert entry is not None
        jobs: list[Job] = []
        for seed in ctx.spec.seed_list:
            for source, n in _synthetic_grid(entry, ctx):
                pre = pretrain_job(ctx, source, n, seed)
                jobs.append(pre)
                jobs += [ctx.run(self.name, seed, fraction=f, phase=ctx.training.finetune, source=source,
                                 n_synthetic=n, deps=(pre.key,), pretrain=pre.key) for f in _fractions(entry, ctx)]
        return jobs


@CONDITIONS.register("mix", doc="train once on real fraction f together with n synthetic samples")
class Mix(Condition):
    """Real fraction f and n synthetic images in one training set (optionally + augmentation)."""

    name = "mix"

    def plan(self, entry: ConditionSpec | None, ctx: PlanContext) -> list[Job]:
        assert entry is not None
        aug = ctx.augmentation if entry.augment else None
        label = "mix+aug" if entry.augment else self.name
        return [ctx.run(self.name, seed, fraction=f, phase=ctx.training.mix, label=label, source=source,
                        n_synthetic=n, augment=aug)
                for seed in ctx.spec.seed_list for source, n in _synthetic_grid(entry, ctx)
                for f in _fractions(entry, ctx)]


@CONDITIONS.register("synthetic-only", doc="train on n synthetic samples, test on real")
class SyntheticOnly(Condition):
    """Train on synthetic, test on real: real_fraction 0. Reuses the pretrain checkpoint."""

    name = "synthetic-only"

    def plan(self, entry: ConditionSpec | None, ctx: PlanContext) -> list[Job]:
        assert entry is not None
        jobs: list[Job] = []
        for seed in ctx.spec.seed_list:
            for source, n in _synthetic_grid(entry, ctx):
                pre = pretrain_job(ctx, source, n, seed)
                # the checkpoint evaluated as it is: no real data, no training of its own
                jobs += [pre, ctx.run(self.name, seed, source=source, n_synthetic=n, deps=(pre.key,),
                                      pretrain=pre.key)]
        return jobs


@CONDITIONS.register("kalman", doc="tracking baseline: the same tracker with a constant-velocity Kalman filter, which learns nothing")
class Kalman(Condition):
    """The tracker with a Kalman filter at each real fraction (the same every fraction: it trains on nothing)."""

    name = "kalman"

    def plan(self, entry: ConditionSpec | None, ctx: PlanContext) -> list[Job]:
        from synreal.tracking.motion.base import MOTION_MODELS

        kalman = LearnerRef(name="kalman", params=MOTION_MODELS.get("kalman").Config().model_dump(mode="json"))
        return [ctx.run(self.name, seed, fraction=f, learner=kalman)
                for seed in ctx.spec.seed_list for f in _fractions(entry, ctx)]


ARTIFACT_EXECUTORS = {"pretrain": execute_pretrain}


def check_inputs(artifacts: Path, inputs: tuple[ArtifactRecord, ...]) -> None:
    """Refuse to start a job whose input artifacts are not the files their jobs recorded."""
    for record in inputs:
        why = record.problem(artifacts)
        if why is not None:
            raise UserInputError(f"{why}; it changed while the study ran: rerun the same command to recompute it",
                                 file=Path(artifacts) / record.name)


def execute_job(job: Job, artifacts: Path, inputs: tuple[ArtifactRecord, ...] = ()) -> dict[str, Any]:
    """Run one job in this process (the executor calls this in a worker).

    Args:
        job: the job.
        artifacts: the folder its input artifacts are in and its outputs go to.
        inputs: the records of the artifacts it reads, verified before it starts.
    """
    import torch

    torch.set_num_threads(1)
    check_inputs(artifacts, inputs)
    if isinstance(job.config, RunConfig):
        return CONDITIONS.get(job.config.condition)().execute(job.config, artifacts, job.key)
    return ARTIFACT_EXECUTORS[job.kind](job.config, job.key, artifacts)
