"""The conditions of science.md, each a registered plugin that plans and executes its runs.

A condition turns one ``conditions:`` entry of the spec into jobs (``plan``) and, in a
worker, trains and evaluates one of them (``execute``). ``pretrain`` adds an artifact job
per (source, size, seed), trained once and reused by every real fraction.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from synreal.data.base import concat
from synreal.learners.augment import AugmentConfig
from synreal.learners.base import LEARNERS
from synreal.learners.train import TrainConfig, evaluate, train
from synreal.registry import Registry
from synreal.study import workspace as ws
from synreal.study.jobs import Job, canonical, job_key

CONDITIONS: Registry = Registry("condition")


@dataclass
class PlanContext:
    """What planning needs besides the spec: the resolved data description."""

    data_cfg: dict[str, Any]
    data_fingerprint: str
    n_train_real: int
    classes: list[str]
    in_shape: tuple[int, int, int]
    learner: dict[str, Any]
    training: Any  # TrainingSpec
    augmentation: AugmentConfig
    sources: dict[str, dict[str, Any]]  # name -> {"kind", "knobs" (resolved), "path", "fingerprint"}


def _n_real(ctx: PlanContext, f: float) -> int:
    return max(len(ctx.classes), int(round(f * ctx.n_train_real)))


def _base(ctx: PlanContext, condition: str, seed: int, f: float, phase: TrainConfig) -> dict[str, Any]:
    return {
        "kind": "run",
        "condition": condition,
        "seed": seed,
        "real_fraction": f,
        "data": ctx.data_cfg,
        "classes": ctx.classes,
        "learner": ctx.learner,
        "train": phase.model_dump(mode="json"),
    }


def _run(ctx: PlanContext, cfg: dict[str, Any], labels: dict[str, Any], deps: list[str] | None = None) -> Job:
    return Job("run", cfg, job_key(cfg, ctx.data_fingerprint), deps or [], labels)


def _labels(condition: str, source: str, n_syn: int, f: float, n_real: int, seed: int) -> dict[str, Any]:
    return {"condition": condition, "source": source, "n_synthetic": n_syn, "real_fraction": f, "n_real": n_real, "seed": seed}


def _make_model(cfg: dict[str, Any]) -> torch.nn.Module:
    cls = LEARNERS.get(cfg["learner"]["name"])
    torch.manual_seed(int(cfg["seed"]) * 7919 + 1)
    return cls.build(cls.Config.model_validate(cfg["learner"]["params"]), tuple(cfg["in_shape"]), len(cfg["classes"]))


def _pretrained(cfg: dict[str, Any], artifacts: Path) -> torch.nn.Module:
    """The learner with the weights of the pre-training checkpoint this run depends on."""
    model = _make_model(cfg)
    model.load_state_dict(torch.load(artifacts / f"pretrain-{cfg['pretrain']}.pt", map_location="cpu", weights_only=True))
    return model


def _finish(model: torch.nn.Module, cfg: dict[str, Any], t0: float, stats: list[Any]) -> dict[str, Any]:
    test = ws.real_test(canonical(cfg["data"]))
    metrics = evaluate(model, test)
    metrics["train_seconds"] = sum(s.seconds for s in stats)
    metrics["run_seconds"] = time.perf_counter() - t0
    return metrics


class Condition(ABC):
    """Base: subclasses set ``name`` and implement ``plan`` and ``execute``."""

    name = ""

    @abstractmethod
    def plan(self, entry: Any, spec: Any, ctx: PlanContext) -> list[Job]:
        """The jobs of one ``conditions:`` entry."""

    @abstractmethod
    def execute(self, job: Job, artifacts: Path) -> dict[str, Any]:
        """Train and evaluate one run; return its metrics."""


@CONDITIONS.register("real", doc="train from scratch on a fraction f of the real training split")
class Real(Condition):
    """Train from scratch on real fraction f."""

    name = "real"
    augment = False

    def plan(self, entry: Any, spec: Any, ctx: PlanContext) -> list[Job]:
        jobs = []
        for seed in spec.seed_list:
            for f in entry.real_fractions or spec.real_fractions:
                cfg = _base(ctx, self.name, seed, f, ctx.training.train)
                cfg["in_shape"] = list(ctx.in_shape)
                cfg["augment"] = ctx.augmentation.model_dump(mode="json") if self.augment else None
                jobs.append(_run(ctx, cfg, _labels(self.name, "none", 0, f, _n_real(ctx, f), seed)))
        return jobs

    def execute(self, job: Job, artifacts: Path) -> dict[str, Any]:
        t0 = time.perf_counter()
        cfg = job.config
        data = ws.real_train_subset(canonical(cfg["data"]), cfg["real_fraction"], cfg["seed"])
        model = _make_model(cfg)
        aug = AugmentConfig.model_validate(cfg["augment"]) if cfg["augment"] else None
        st = train(model, data, TrainConfig.model_validate(cfg["train"]), cfg["seed"], augment=aug)
        return _finish(model, cfg, t0, [st])


@CONDITIONS.register("real+aug", doc="as real, with naive augmentation (affine, jitter; flips where they fit)")
class RealAug(Real):
    """Real fraction f with naive augmentation: the baseline every synthetic gain must beat."""

    name = "real+aug"
    augment = True


def _synthetic_grid(entry: Any, spec: Any) -> list[tuple[str, int]]:
    names = entry.sources or [s.name for s in spec.sources]
    return [(name, n) for name in names for n in entry.n_synthetic]


def pretrain_job(ctx: PlanContext, source: str, n: int, seed: int) -> Job:
    """The artifact job that pre-trains on ``n`` images of ``source`` for ``seed``."""
    cfg = {
        "kind": "pretrain",
        "source": ctx.sources[source],
        "n_synthetic": n,
        "seed": seed,
        "classes": ctx.classes,
        "in_shape": list(ctx.in_shape),
        "learner": ctx.learner,
        "train": ctx.training.pretrain.model_dump(mode="json"),
    }
    return Job("pretrain", cfg, job_key(cfg, "synthetic-only"), [], {"source": source, "n_synthetic": n, "seed": seed})


def execute_pretrain(job: Job, artifacts: Path) -> dict[str, Any]:
    """Pre-train on synthetic data and store the checkpoint atomically."""
    t0 = time.perf_counter()
    cfg = job.config
    data = ws.synthetic(canonical(cfg["source"]), cfg["n_synthetic"], cfg["seed"], tuple(cfg["classes"]))
    model = _make_model(cfg)
    st = train(model, data, TrainConfig.model_validate(cfg["train"]), cfg["seed"])
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    path = artifacts / f"pretrain-{job.key}.pt"
    ws.atomic_write_bytes(path, buf.getvalue())
    return {"artifact": path.name, "pretrain_seconds": st.seconds, "run_seconds": time.perf_counter() - t0}


@CONDITIONS.register("pretrain", doc="pre-train on n synthetic samples, then fine-tune on real fraction f")
class Pretrain(Condition):
    """Pre-train once per (source, n, seed); fine-tune that checkpoint on every real fraction."""

    name = "pretrain"

    def plan(self, entry: Any, spec: Any, ctx: PlanContext) -> list[Job]:
        jobs: list[Job] = []
        for seed in spec.seed_list:
            for source, n in _synthetic_grid(entry, spec):
                pre = pretrain_job(ctx, source, n, seed)
                jobs.append(pre)
                for f in entry.real_fractions or spec.real_fractions:
                    cfg = _base(ctx, self.name, seed, f, ctx.training.finetune)
                    cfg.update(in_shape=list(ctx.in_shape), pretrain=pre.key, n_synthetic=n, source=ctx.sources[source])
                    jobs.append(_run(ctx, cfg, _labels(self.name, source, n, f, _n_real(ctx, f), seed), [pre.key]))
        return jobs

    def execute(self, job: Job, artifacts: Path) -> dict[str, Any]:
        t0 = time.perf_counter()
        cfg = job.config
        model = _pretrained(cfg, artifacts)
        data = ws.real_train_subset(canonical(cfg["data"]), cfg["real_fraction"], cfg["seed"])
        st = train(model, data, TrainConfig.model_validate(cfg["train"]), cfg["seed"])
        return _finish(model, cfg, t0, [st])


@CONDITIONS.register("mix", doc="train once on real fraction f together with n synthetic samples")
class Mix(Condition):
    """Real fraction f and n synthetic images in one training set (optionally + augmentation)."""

    name = "mix"

    def plan(self, entry: Any, spec: Any, ctx: PlanContext) -> list[Job]:
        jobs = []
        for seed in spec.seed_list:
            for source, n in _synthetic_grid(entry, spec):
                for f in entry.real_fractions or spec.real_fractions:
                    cfg = _base(ctx, self.name, seed, f, ctx.training.mix)
                    cfg.update(in_shape=list(ctx.in_shape), n_synthetic=n, source=ctx.sources[source])
                    cfg["augment"] = ctx.augmentation.model_dump(mode="json") if entry.augment else None
                    label = "mix+aug" if entry.augment else self.name
                    jobs.append(_run(ctx, cfg, _labels(label, source, n, f, _n_real(ctx, f), seed)))
        return jobs

    def execute(self, job: Job, artifacts: Path) -> dict[str, Any]:
        t0 = time.perf_counter()
        cfg = job.config
        real = ws.real_train_subset(canonical(cfg["data"]), cfg["real_fraction"], cfg["seed"])
        syn = ws.synthetic(canonical(cfg["source"]), cfg["n_synthetic"], cfg["seed"], tuple(cfg["classes"]))
        model = _make_model(cfg)
        aug = AugmentConfig.model_validate(cfg["augment"]) if cfg["augment"] else None
        st = train(model, concat([real, syn]), TrainConfig.model_validate(cfg["train"]), cfg["seed"], augment=aug)
        return _finish(model, cfg, t0, [st])


@CONDITIONS.register("synthetic-only", doc="train on n synthetic samples, test on real")
class SyntheticOnly(Condition):
    """Train on synthetic, test on real: real_fraction 0. Reuses the pretrain checkpoint."""

    name = "synthetic-only"

    def plan(self, entry: Any, spec: Any, ctx: PlanContext) -> list[Job]:
        jobs: list[Job] = []
        for seed in spec.seed_list:
            for source, n in _synthetic_grid(entry, spec):
                pre = pretrain_job(ctx, source, n, seed)
                cfg = {"kind": "run", "condition": self.name, "pretrain": pre.key, "data": ctx.data_cfg,
                       "classes": ctx.classes, "in_shape": list(ctx.in_shape), "learner": ctx.learner, "seed": seed}
                jobs += [pre, _run(ctx, cfg, _labels(self.name, source, n, 0.0, 0, seed), [pre.key])]
        return jobs

    def execute(self, job: Job, artifacts: Path) -> dict[str, Any]:
        t0 = time.perf_counter()
        cfg = job.config
        model = _pretrained(cfg, artifacts)
        return _finish(model, cfg, t0, [])


ARTIFACT_EXECUTORS = {"pretrain": execute_pretrain}


def execute_job(job: Job, artifacts: Path) -> dict[str, Any]:
    """Run one job in this process (the executor calls this in a worker)."""
    torch.set_num_threads(1)
    if job.kind == "run":
        return CONDITIONS.get(job.config["condition"])().execute(job, artifacts)
    return ARTIFACT_EXECUTORS[job.kind](job, artifacts)
