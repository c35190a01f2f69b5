"""The retrieval baseline's conditions (science.md, "Retrieval baseline").

``retrieved``: train on ``n`` images retrieved from the upstream pool; ``generated``: train
on ``n`` images from a generator trained on that same pool; ``perturbed``: retrieved images
noised to strength gamma and denoised by the generator (SDEdit), which isolates what the
generator's artefacts alone do to accuracy. Sizes and seeds are matched across the three.

The built-in generator is trained once per study (an artifact job) on the pool images that
the first retriever assigns to a class, i.e. with the same label information the caption
search has, after removing near-duplicates of the test set.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.study import workspace as ws
from synreal.study.conditions import (
    ARTIFACT_EXECUTORS,
    CONDITIONS,
    Condition,
    PlanContext,
    _base,
    _finish,
    _labels,
    _make_model,
    _run,
)
from synreal.study.jobs import Job, canonical, job_key, loads_config


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    """Nested settings as dotted keys ('filter.top_fraction': 0.5)."""
    if not isinstance(d, dict):
        return {prefix: d}
    out: dict[str, Any] = {}
    for k, v in d.items():
        out |= _flat(v, f"{prefix}.{k}" if prefix else str(k))
    return out


def retriever_labels(configs: list[dict[str, Any]]) -> list[str]:
    """A distinct label per retriever: its method, plus the settings that tell it apart.

    Two retrievers that share a method are told apart by the settings in which they differ
    from the method's defaults (``fts(filter.top_fraction=0.5)``), so each configuration is
    its own row in results and its own curve in the report.

    Example:
        >>> retriever_labels([{"method": "fts"}, {"method": "fts", "filter": {"top_fraction": 0.5}}])
        ['fts', 'fts(filter.top_fraction=0.5)']
    """
    from synreal.retrieval.config import validate_config

    resolved = [_flat(validate_config(c).model_dump(mode="json")) for c in configs]
    defaults = {m: _flat(validate_config({"method": m}).model_dump(mode="json")) for m in {r["method"] for r in resolved}}
    labels = [str(r["method"]) for r in resolved]
    for i, r in enumerate(resolved):
        if labels.count(labels[i]) > 1 or any(labels[i] == lab for lab in labels[:i]):
            base = defaults[r["method"]]
            diff = [f"{k}={r[k]}" for k in sorted(r) if k != "method" and r[k] != base.get(k)]
            labels[i] = f"{r['method']}({', '.join(diff)})" if diff else labels[i]
    dup = sorted({lab for lab in labels if labels.count(lab) > 1})
    if dup:
        raise UserInputError(f"retrieval.retrievers lists the same retriever twice ({dup[0]})", key="retrieval.retrievers")
    return labels


@lru_cache(maxsize=2)
def pool_for(pool_json: str) -> Any:
    """The upstream pool (embedded: held-apart real digits plus distractors), once per process."""
    from synreal.retrieval import digits_pool
    from synreal.retrieval.pool import load_pool

    cfg = loads_config(pool_json)
    if cfg["pool"] == "embedded":
        return digits_pool(ws.real_pool(canonical(cfg["data"])), seed=cfg["data"]["split_seed"])
    return load_pool(cfg["pool"])


@lru_cache(maxsize=4)
def retrieval_for(pool_json: str, retriever_json: str, index_dir: str) -> Any:
    """Retrieval of every class with test de-duplication, once per process."""
    from synreal.retrieval import DIGIT_RULES
    from synreal.retrieval.retrieve import retrieve

    pcfg = loads_config(pool_json)
    rcfg = dict(loads_config(retriever_json))
    if rcfg.get("method", "fts") == "fts" and "rules" not in rcfg and pcfg["pool"] == "embedded":
        rcfg["rules"] = DIGIT_RULES
    exemplars = None
    if rcfg.get("method") == "knn-image":
        # exemplars are the real training images: what a user holds for the target task
        data, split = ws.real_data(canonical(pcfg["data"]))
        exemplars = data.subset(split.train)
    return retrieve(pool_for(pool_json), pcfg["classes"], rcfg, exemplars=exemplars,
                    test_set=ws.real_test(canonical(pcfg["data"])), index_dir=index_dir)


def _pool_cfg(spec: Any, ctx: PlanContext) -> dict[str, Any]:
    r = spec.retrieval
    pool = r.pool if r.pool == "embedded" else str(Path(r.pool).expanduser().resolve())
    return {"pool": pool, "data": ctx.data_cfg, "classes": ctx.classes}


def generator_job(spec: Any, ctx: PlanContext) -> Job | None:
    """The artifact job that trains the pool-diffusion generator once per study."""
    g = spec.retrieval.generator
    if g is None or g.kind != "pool-diffusion":
        return None
    from synreal.synth.diffusion import DiffusionConfig

    cfg = {"kind": "generator", "pool": _pool_cfg(spec, ctx), "retriever": spec.retrieval.retrievers[0],
           "knobs": DiffusionConfig.model_validate(g.knobs).model_dump(mode="json"), "seed": g.seed}
    return Job("generator", cfg, job_key(cfg, ctx.data_fingerprint), [], {"source": "pool-diffusion"})


def execute_generator(job: Job, artifacts: Path) -> dict[str, Any]:
    """Train the diffusion model on the retrieved pool images and store it atomically."""
    from synreal.synth.diffusion import DiffusionConfig, train_diffusion

    t0 = time.perf_counter()
    cfg = job.config
    r = retrieval_for(canonical(cfg["pool"]), canonical(cfg["retriever"]), str(artifacts / "index"))
    from synreal.retrieval.retrieve import draw_subset

    train_set = draw_subset(r, sum(r.counts().values()), seed=cfg["seed"])
    gen = train_diffusion(train_set, DiffusionConfig.model_validate(cfg["knobs"]), seed=cfg["seed"], progress=False)
    path = gen.save(artifacts / f"generator-{job.key}.pt")  # atomic: temp file, then rename
    return {"artifact": path.name, "train_images": len(train_set), "run_seconds": time.perf_counter() - t0}


@lru_cache(maxsize=2)
def _generator(path: str) -> Any:
    from synreal.synth.diffusion import DiffusionGenerator

    return DiffusionGenerator.load(path)


def _train_eval(cfg: dict[str, Any], data: ImageSet, t0: float) -> dict[str, Any]:
    from synreal.learners.train import TrainConfig, train

    model = _make_model(cfg)
    st = train(model, data, TrainConfig.model_validate(cfg["train"]), cfg["seed"])
    out = _finish(model, cfg, t0, [st])
    out["train_images"] = len(data)
    return out


class _PoolCondition(Condition):
    """Shared planning: one run per (variant, size, seed), real_fraction 0."""

    @abstractmethod
    def variants(self, spec: Any, ctx: PlanContext, gen: Job | None) -> list[tuple[str, dict[str, Any], list[str], dict[str, Any]]]:
        """(source label, config additions, dependencies, extra labels) per variant."""

    def plan(self, entry: Any, spec: Any, ctx: PlanContext) -> list[Job]:
        gen = generator_job(spec, ctx)
        jobs: list[Job] = [gen] if gen is not None else []
        for source, extra, deps, labels_extra in self.variants(spec, ctx, gen):
            for seed in spec.seed_list:
                for n in spec.retrieval.sizes:
                    cfg = _base(ctx, self.name, seed, 0.0, ctx.training.train)
                    cfg.update(in_shape=list(ctx.in_shape), n_synthetic=n, pool=_pool_cfg(spec, ctx), **extra)
                    lab = _labels(self.name, source, n, 0.0, 0, seed) | labels_extra
                    jobs.append(_run(ctx, cfg, lab, deps))
        return jobs


@CONDITIONS.register("retrieved", doc="train on n images retrieved from the upstream pool (retrieval baseline)")
class Retrieved(_PoolCondition):
    """Uniform random draws of n retrieved pool images."""

    name = "retrieved"

    def variants(self, spec, ctx, gen):  # noqa: ANN001, ANN201
        labels = retriever_labels(spec.retrieval.retrievers)
        return [(f"retrieved:{lab}", {"retriever": r}, [], {}) for lab, r in zip(labels, spec.retrieval.retrievers)]

    def execute(self, job: Job, artifacts: Path) -> dict[str, Any]:
        from synreal.retrieval.retrieve import draw_subset

        t0 = time.perf_counter()
        cfg = job.config
        r = retrieval_for(canonical(cfg["pool"]), canonical(cfg["retriever"]), str(artifacts / "index"))
        out = _train_eval(cfg, draw_subset(r, cfg["n_synthetic"], cfg["seed"]), t0)
        out["test_duplicates_removed"] = r.n_test_duplicates_removed
        precision = r.overall_precision()
        if precision is not None:
            out["retrieval_precision"] = precision
        return out


@CONDITIONS.register("generated", doc="train on n images from a generator trained on the same pool")
class Generated(_PoolCondition):
    """n generated images, balanced over classes, drawn per seed."""

    name = "generated"

    def variants(self, spec, ctx, gen):  # noqa: ANN001, ANN201
        g = spec.retrieval.generator
        if g is None:
            return []
        if gen is not None:
            return [("pool-diffusion", {"generator": gen.key}, [gen.key], {})]
        src = {"kind": g.kind, "knobs": {}, "path": str(Path(g.path).expanduser().resolve())}
        from synreal.data.datasets import file_fingerprint

        src["fingerprint"] = file_fingerprint(Path(src["path"]))
        return [(f"generated:{Path(g.path).name}", {"source": src}, [], {})]

    def execute(self, job: Job, artifacts: Path) -> dict[str, Any]:
        t0 = time.perf_counter()
        cfg = job.config
        classes = list(cfg["classes"])
        n = cfg["n_synthetic"]
        if "generator" in cfg:
            gen = _generator(str(artifacts / f"generator-{cfg['generator']}.pt"))
            labels = np.arange(n) % len(classes)
            data = gen.sample(labels, seed=cfg["seed"])
        else:
            data = ws.synthetic(canonical(cfg["source"]), n, cfg["seed"], tuple(classes))
        return _train_eval(cfg, data, t0)


@CONDITIONS.register("perturbed", doc="retrieved images noised to gamma and denoised by the generator (SDEdit)")
class Perturbed(_PoolCondition):
    """The SDEdit probe on the first retriever's draws, one variant per gamma."""

    name = "perturbed"

    def variants(self, spec, ctx, gen):  # noqa: ANN001, ANN201
        if gen is None:
            return []
        r = spec.retrieval.retrievers[0]
        return [(f"sdedit:{g:g}", {"generator": gen.key, "retriever": r, "gamma": g}, [gen.key], {"gamma": g})
                for g in spec.retrieval.gammas]

    def execute(self, job: Job, artifacts: Path) -> dict[str, Any]:
        from synreal.retrieval.retrieve import draw_subset

        t0 = time.perf_counter()
        cfg = job.config
        r = retrieval_for(canonical(cfg["pool"]), canonical(cfg["retriever"]), str(artifacts / "index"))
        real = draw_subset(r, cfg["n_synthetic"], cfg["seed"])
        gen = _generator(str(artifacts / f"generator-{cfg['generator']}.pt"))
        return _train_eval(cfg, gen.perturb(real, cfg["gamma"], seed=cfg["seed"]), t0)


ARTIFACT_EXECUTORS["generator"] = execute_generator


def baseline_entries(spec: Any) -> list[str]:
    """The conditions a ``retrieval:`` section adds to the plan."""
    r = spec.retrieval
    if r is None:
        return []
    out = ["retrieved"]
    if r.generator is not None:
        out.append("generated")
    if r.gammas:
        out.append("perturbed")
    return out
