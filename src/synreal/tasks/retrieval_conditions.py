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

import json
import time
from abc import abstractmethod
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from synreal.data.base import LabelledSet
from synreal.errors import UserInputError
from synreal.study.artifacts import ArtifactRecord
from synreal.study.conditions import (
    ARTIFACT_EXECUTORS,
    CONDITIONS,
    Condition,
    PlanContext,
)
from synreal.study.jobs import (
    GeneratorConfig,
    Job,
    PoolRef,
    RunConfig,
    SourceRef,
    canonical,
    make_job,
)
from synreal.study.samples import write_samples
from synreal.study.spec import ConditionSpec
from synreal.study.task import TASKS
from synreal.tasks.classification import real_data, real_pool, to_input_shape


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
def _pool(pool_json: str) -> Any:
    from synreal.retrieval import digits_pool
    from synreal.retrieval.pool import load_pool

    ref = PoolRef.model_validate_json(pool_json)
    if ref.pool == "embedded":
        return digits_pool(real_pool(ref.data), seed=ref.data.split_seed)
    return load_pool(ref.pool, key="retrieval.pool")


def pool_for(ref: PoolRef) -> Any:
    """The upstream pool (embedded: held-apart real digits plus distractors), once per process."""
    return _pool(canonical(ref))


@lru_cache(maxsize=4)
def _retrieval(pool_json: str, retriever_json: str, index_dir: str) -> Any:
    from synreal.retrieval import DIGIT_RULES
    from synreal.retrieval.retrieve import retrieve

    ref = PoolRef.model_validate_json(pool_json)
    rcfg = dict(json.loads(retriever_json))
    if rcfg.get("method", "fts") == "fts" and "rules" not in rcfg and ref.pool == "embedded":
        rcfg["rules"] = DIGIT_RULES
    exemplars = None
    if rcfg.get("method") == "knn-image":
        # exemplars are the real training images: what a user holds for the target task
        data, split = real_data(ref.data)
        exemplars = data.subset(split.train)
    task = TASKS.get("classification")()
    return retrieve(_pool(pool_json), list(ref.classes), rcfg, exemplars=exemplars, test_set=task.real_test(ref.data),
                    index_dir=index_dir)


def retrieval_for(pool: PoolRef, retriever: dict[str, Any], index_dir: str | Path) -> Any:
    """Retrieval of every class with test de-duplication, once per process."""
    return _retrieval(canonical(pool), json.dumps(retriever, sort_keys=True), str(index_dir))


def _pool_ref(ctx: PlanContext) -> PoolRef:
    r = ctx.spec.retrieval
    assert r is not None
    pool = r.pool if r.pool == "embedded" else str(Path(r.pool).expanduser().resolve())
    return PoolRef(pool=pool, data=ctx.data, classes=ctx.classes, convert=ctx.spec.convert)


def generator_job(ctx: PlanContext) -> Job | None:
    """The artifact job that trains the pool-diffusion generator once per study."""
    r = ctx.spec.retrieval
    g = r.generator if r is not None else None
    if g is None or g.kind != "pool-diffusion":
        return None
    from synreal.synth.diffusion import DiffusionConfig

    cfg = GeneratorConfig(pool=_pool_ref(ctx), retriever=r.retrievers[0],
                          knobs=DiffusionConfig.model_validate(g.knobs).model_dump(mode="json"), seed=g.seed)
    return make_job(cfg, ctx.data.fingerprint)


def execute_generator(cfg: GeneratorConfig, key: str, artifacts: Path) -> dict[str, Any]:
    """Train the diffusion model on the retrieved pool images and store it atomically."""
    from synreal.retrieval.retrieve import draw_subset
    from synreal.synth.diffusion import DiffusionConfig, train_diffusion

    t0 = time.perf_counter()
    r = retrieval_for(cfg.pool, cfg.retriever, artifacts / "index")
    train_set = draw_subset(r, sum(r.counts().values()), seed=cfg.seed)
    gen = train_diffusion(train_set, DiffusionConfig.model_validate(cfg.knobs), seed=cfg.seed, progress=False)
    path = gen.save(artifacts / f"generator-{key}.pt")  # atomic: temp file, then rename
    return {**ArtifactRecord.of_file(path).as_metrics(), "train_images": len(train_set),
            "run_seconds": time.perf_counter() - t0}


@lru_cache(maxsize=2)
def _generator(path: str) -> Any:
    from synreal.synth.diffusion import DiffusionGenerator

    return DiffusionGenerator.load(path)


def generator_for(artifacts: Path, key: str) -> Any:
    """The trained pool generator of the artifact ``key``, loaded once per process."""
    return _generator(str(artifacts / f"generator-{key}.pt"))


def _train_eval(cfg: RunConfig, data: LabelledSet, t0: float) -> dict[str, Any]:
    """Train a fresh model on ``data`` (converted to the study's input shape) and evaluate it on the real test set."""
    assert cfg.pool is not None
    data = to_input_shape(data, cfg.in_shape, cfg.pool.convert, what=f"images from the pool {cfg.pool.pool}")
    task = TASKS.get(cfg.task)()
    assert cfg.train is not None
    model, seconds = task.fit(task.new_model(cfg), data, cfg.train, cfg.seed)
    out = task.evaluate(model, cfg.data, cfg.seed)
    out["train_seconds"] = seconds
    out["run_seconds"] = time.perf_counter() - t0
    out["train_images"] = len(data)
    return out


class _PoolCondition(Condition):
    """Shared planning: one run per (variant, size, seed), real_fraction 0."""

    @abstractmethod
    def variants(self, ctx: PlanContext, gen: Job | None) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
        """(source label, RunConfig fields, dependencies) per variant."""

    def plan(self, entry: ConditionSpec | None, ctx: PlanContext) -> list[Job]:
        r = ctx.spec.retrieval
        assert r is not None
        gen = generator_job(ctx)
        jobs: list[Job] = [gen] if gen is not None else []
        for label, fields, deps in self.variants(ctx, gen):
            for seed in ctx.spec.seed_list:
                for n in r.sizes:
                    job = ctx.run(self.name, seed, phase=ctx.training.train, n_synthetic=n, deps=deps,
                                  pool=_pool_ref(ctx), **fields)
                    assert job.labels is not None
                    jobs.append(replace(job, labels=job.labels.model_copy(update={"source": label})))
        return jobs


@CONDITIONS.register("retrieved", doc="train on n images retrieved from the upstream pool (retrieval baseline)")
class Retrieved(_PoolCondition):
    """Uniform random draws of n retrieved pool images."""

    name = "retrieved"

    def variants(self, ctx: PlanContext, gen: Job | None) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
        retrievers = ctx.spec.retrieval.retrievers  # type: ignore[union-attr]
        return [(f"retrieved:{lab}", {"retriever": r}, ()) for lab, r in zip(retriever_labels(retrievers), retrievers)]

    def execute(self, config: RunConfig, artifacts: Path, key: str) -> dict[str, Any]:
        from synreal.retrieval.retrieve import draw_subset

        t0 = time.perf_counter()
        assert config.pool is not None and config.retriever is not None
        r = retrieval_for(config.pool, config.retriever, artifacts / "index")
        data = draw_subset(r, config.n_synthetic, config.seed)
        write_samples(artifacts, key, data)
        out = _train_eval(config, data, t0)
        out["test_duplicates_removed"] = r.n_test_duplicates_removed
        precision = r.overall_precision()
        if precision is not None:
            out["retrieval_precision"] = precision
        return out


@CONDITIONS.register("generated", doc="train on n images from a generator trained on the same pool")
class Generated(_PoolCondition):
    """n generated images, balanced over classes, drawn per seed."""

    name = "generated"

    def variants(self, ctx: PlanContext, gen: Job | None) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
        g = ctx.spec.retrieval.generator  # type: ignore[union-attr]
        if g is None:
            return []
        if gen is not None:
            return [("pool-diffusion", {"generator": gen.key}, (gen.key,))]
        from synreal.data.datasets import file_fingerprint

        path = Path(g.path).expanduser().resolve()  # type: ignore[arg-type]
        src = SourceRef(kind=g.kind, knobs={}, path=str(path), fingerprint=file_fingerprint(path))
        return [(f"generated:{path.name}", {"source": src}, ())]

    def execute(self, config: RunConfig, artifacts: Path, key: str) -> dict[str, Any]:
        t0 = time.perf_counter()
        n = config.n_synthetic
        if config.generator is not None:
            labels = np.arange(n) % len(config.classes)
            data = generator_for(artifacts, config.generator).sample(labels, seed=config.seed)
        else:
            assert config.source is not None
            data = TASKS.get(config.task)().synthetic(config.source, n, config.seed, config)
        write_samples(artifacts, key, data)
        return _train_eval(config, data, t0)


@CONDITIONS.register("perturbed", doc="retrieved images noised to gamma and denoised by the generator (SDEdit)")
class Perturbed(_PoolCondition):
    """The SDEdit probe on the first retriever's draws, one variant per gamma."""

    name = "perturbed"

    def variants(self, ctx: PlanContext, gen: Job | None) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
        if gen is None:
            return []
        r = ctx.spec.retrieval
        assert r is not None
        return [(f"sdedit:{g:g}", {"generator": gen.key, "retriever": r.retrievers[0], "gamma": g}, (gen.key,))
                for g in r.gammas]

    def execute(self, config: RunConfig, artifacts: Path, key: str) -> dict[str, Any]:
        from synreal.retrieval.retrieve import draw_subset

        t0 = time.perf_counter()
        assert config.pool is not None and config.retriever is not None and config.generator is not None
        r = retrieval_for(config.pool, config.retriever, artifacts / "index")
        real = draw_subset(r, config.n_synthetic, config.seed)
        gen = generator_for(artifacts, config.generator)
        data = gen.perturb(real, config.gamma, seed=config.seed)
        write_samples(artifacts, key, data)
        return _train_eval(config, data, t0)


ARTIFACT_EXECUTORS["generator"] = execute_generator
