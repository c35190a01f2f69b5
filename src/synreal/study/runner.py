"""The study engine: plan runs from a spec, execute the missing ones, store, report.

This is the one place that brings data, sources, learners, executors and the store
together. ``run_study`` is the function API; the CLI's ``synreal run`` is a thin wrapper.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from synreal import __version__
from synreal.data.base import ImageSet
from synreal.data.datasets import DATASETS, file_fingerprint
from synreal.data.splits import make_split
from synreal.plugins import load_builtin_plugins
from synreal.study.baseline_conditions import baseline_entries
from synreal.study.conditions import CONDITIONS, PlanContext
from synreal.study.executor import make_executor, run_job_in_worker
from synreal.study.jobs import Job
from synreal.study.spec import ConditionSpec, StudySpec
from synreal.study.store import RunStore
from synreal.analysis.verdicts import SPENDING_POWER

SAMPLES_FILE = "samples.npz"


@dataclass
class StudyOutcome:
    """What a call to ``run_study`` did."""

    out_dir: Path
    planned: int
    reused: int
    executed: int
    artifacts_reused: int
    wall_seconds: float
    cpu_seconds: float
    report: Any = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def cores_busy(self) -> float:
        """Average number of cores busy over the wall time."""
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0


def _resolve_sources(spec: StudySpec) -> dict[str, dict[str, Any]]:
    from synreal.synth.base import SOURCES

    out = {}
    for s in spec.sources:
        cls = SOURCES.get(s.kind)
        knobs = cls.Config.model_validate(s.knobs).model_dump(mode="json")
        entry: dict[str, Any] = {"kind": s.kind, "knobs": knobs}
        if s.path is not None:
            p = Path(s.path).expanduser().resolve()
            entry["path"] = str(p)
            if not p.exists():
                from synreal.errors import UserInputError

                raise UserInputError(f"no such file or directory: {p}", key=f"sources.{s.name}.path")
            entry["fingerprint"] = file_fingerprint(p)
        out[s.name] = entry
    return out


def plan_study(spec: StudySpec) -> tuple[list[Job], dict[str, Any], ImageSet]:
    """Resolve data and sources and expand the spec into jobs.

    Returns:
        (jobs in execution order, study metadata, the real dataset).
    """
    load_builtin_plugins()
    r = spec.real
    real = DATASETS.get(r.dataset)(Path(r.path) if r.path else None, image_size=r.image_size, channels=r.channels, key="real.path")
    split = make_split(real.labels, test_fraction=r.test_fraction, pool_fraction=r.pool_fraction, seed=r.split_seed)
    fingerprint = real.fingerprint()
    data_cfg = r.model_dump(mode="json") | {"fingerprint": fingerprint}
    if r.path is not None:
        data_cfg["path"] = str(Path(r.path).expanduser().resolve())
    ctx = PlanContext(
        data_cfg=data_cfg,
        data_fingerprint=fingerprint,
        n_train_real=len(split.train),
        classes=list(real.classes),
        in_shape=real.shape,
        learner=spec.learner.model_dump(mode="json") | {
            "params": __import__("synreal.learners.base", fromlist=["LEARNERS"]).LEARNERS.get(spec.learner.name)
            .Config.model_validate(spec.learner.params).model_dump(mode="json")
        },
        training=spec.training,
        augmentation=spec.augmentation,
        sources=_resolve_sources(spec),
    )
    entries = list(spec.conditions)
    if spec.scaling is not None:
        entries.append(ConditionSpec(condition="pretrain", sources=spec.scaling.sources,
                                     n_synthetic=spec.scaling.n_synthetic, real_fractions=spec.scaling.real_fractions))
    jobs: dict[str, Job] = {}
    for entry in entries:
        for job in CONDITIONS.get(entry.condition)().plan(entry, spec, ctx):
            jobs.setdefault(job.key, job)
    for name in baseline_entries(spec):
        for job in CONDITIONS.get(name)().plan(None, spec, ctx):
            jobs.setdefault(job.key, job)
    meta = {
        "name": spec.name,
        "task": spec.task,
        "metric": "accuracy",
        "higher_is_better": True,
        "seeds": spec.seed_list if spec.adaptive is None else spec.seed_list[: spec.adaptive.start],
        "real_fractions": spec.real_fractions,
        "n_train_real": len(split.train),
        "n_test_real": len(split.test),
        "n_pool_real": len(split.pool),
        "classes": list(real.classes),
        "version": __version__,
        "data_fingerprint": fingerprint,
        "spec": spec.model_dump(mode="json"),
        "sources": ctx.sources,
        "scaling": spec.scaling.model_dump(mode="json") if spec.scaling else None,
        "retrieval": spec.retrieval.model_dump(mode="json") if spec.retrieval else None,
        "level": spec.report.level,
        "tolerance": spec.report.tolerance,
        "looks": None if spec.adaptive is None else {
            "sizes": list(spec.adaptive.sizes), "level": spec.report.level, "power": SPENDING_POWER,
            "decide": list(spec.adaptive.decide), "first": spec.adaptive.first},
    }
    return list(jobs.values()), meta, real


def _samples(jobs: list[Job], meta: dict[str, Any], real: ImageSet, out_dir: Path) -> None:
    """A few images per source for the report's sample grids (ordered by class)."""
    from synreal.study import baseline_conditions as bc
    from synreal.study import workspace as ws
    from synreal.study.jobs import canonical

    def by_class(s: ImageSet, k: int = 4) -> np.ndarray:
        idx = [i for c in range(len(s.classes)) for i in np.flatnonzero(s.labels == c)[:k]]
        return s.images[np.asarray(idx, int)]

    grids = {"real": by_class(real)}
    classes = tuple(meta["classes"])
    for name, src in meta["sources"].items():
        grids[name] = by_class(ws.synthetic(canonical(src), 200, 0, classes))
    art = out_dir / "artifacts"
    for job in jobs:
        if job.kind == "run" and job.config["condition"] == "retrieved" and job.labels['source'] not in grids:
            from synreal.retrieval.retrieve import draw_subset

            r = bc.retrieval_for(canonical(job.config["pool"]), canonical(job.config["retriever"]), str(art / "index"))
            grids[job.labels['source']] = by_class(draw_subset(r, min(200, sum(r.counts().values())), 0))
        if job.kind == "generator" and (art / f"generator-{job.key}.pt").is_file():
            gen = bc._generator(str(art / f"generator-{job.key}.pt"))
            grids["generated:pool-diffusion"] = by_class(gen.sample(np.arange(40) % len(classes), seed=0))
    np.savez_compressed(out_dir / SAMPLES_FILE, **grids)


def run_study(
    spec: StudySpec,
    out_dir: Path,
    *,
    workers: int | None = None,
    executor: str | None = None,
    console: Console | None = None,
    report: bool = True,
    max_jobs: int | None = None,
) -> StudyOutcome:
    """Run every missing job of ``spec``, store results in ``out_dir`` and build the report.

    Args:
        spec: a validated study spec.
        out_dir: output directory; its results.sqlite is reused (only missing runs execute).
        workers: parallel workers (default: the spec's, else every core).
        executor: executor kind (default: the spec's).
        console: where progress goes (a quiet console for tests).
        report: build report.html, summary.json, results.csv and figures afterwards.
        max_jobs: stop after this many executed jobs (for testing interruption).

    Returns:
        A StudyOutcome (planned, reused and executed counts, timings, report paths).

    Example:
        >>> from synreal.study.spec import load_spec
        >>> run_study(load_spec("examples/digits.yaml"), Path("runs/demo"))  # doctest: +SKIP
    """
    console = console or Console(stderr=True)
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    artifacts = out_dir / "artifacts"
    artifacts.mkdir(exist_ok=True)
    jobs, meta, real = plan_study(spec)
    store = RunStore(out_dir)
    rounds = _Rounds(spec, jobs, meta)
    selected = rounds.first()
    store.set_plan(selected, meta)
    done = _done_keys(store, jobs, artifacts)
    n_runs = sum(j.kind == "run" for j in selected)
    reused = sum(j.kind == "run" and j.key in done for j in selected)
    art_reused = sum(j.kind != "run" and j.key in done for j in selected)
    todo = [j for j in selected if j.key not in done]
    extra = (f" (adaptive seeds: {spec.adaptive.start} to {spec.adaptive.max}, looks after "
             f"{', '.join(map(str, spec.adaptive.sizes))} seeds)" if spec.adaptive else "")
    console.print(
        f"[bold]{spec.name}[/]: {n_runs} runs planned{extra}; reusing {reused} finished runs and {art_reused} "
        f"pre-trained checkpoints (same config, synreal {__version__}, data {meta['data_fingerprint']}); "
        f"{sum(j.kind == 'run' for j in todo)} runs and {sum(j.kind != 'run' for j in todo)} pre-trainings to execute"
    )
    executed = 0
    ex = None
    kind = executor or spec.executor.kind
    try:
        while True:
            if todo:
                ex = ex or make_executor(kind, workers or spec.executor.workers)
                budget = None if max_jobs is None else max_jobs - executed
                executed += _execute(todo, done, ex, store, meta["data_fingerprint"], artifacts, console, budget)
                done |= {j.key for j in todo} & store.done_keys()
                if max_jobs is not None and executed >= max_jobs:
                    break
            more = rounds.next(store)
            if more is None:
                break
            new_sel, why = more
            added = [j for j in new_sel if j.key not in {x.key for x in selected}]
            selected = selected + added
            store.set_plan(selected, meta)
            todo = [j for j in added if j.key not in done]
            n_new = sum(j.kind == "run" for j in added)
            n_runs += n_new
            reused += sum(j.kind == "run" and j.key in done for j in added)
            console.print(f"round {rounds.round + 1}: {why}; {n_new} more runs "
                          f"({sum(j.kind == 'run' for j in todo)} to execute)")
    except BaseException:
        if ex is not None:
            ex.shutdown(cancel=True)
        total, fin = store.plan_counts()
        console.print(f"[yellow]stopped: {fin} of {total} runs are stored in {store.path}; rerun the same command to resume[/]")
        raise
    if ex is not None:
        ex.shutdown()
    meta["seeds"] = sorted({j.labels["seed"] for j in selected if "seed" in j.labels})
    jobs = selected
    wall = time.perf_counter() - t0
    outcome = StudyOutcome(out_dir, n_runs, reused, executed, art_reused, wall, _cpu_seconds() - cpu0, meta=meta)
    meta["timings"] = {"wall_seconds": wall, "cpu_seconds": outcome.cpu_seconds, "cores_busy": outcome.cores_busy,
                       "executed_jobs": executed, "reused_runs": reused, "workers": workers or spec.executor.workers or os.cpu_count()}
    store.set_plan(jobs, meta)
    store.close()
    if report and (max_jobs is None or executed < max_jobs):
        _samples(jobs, meta, real, out_dir)
        from synreal.report.build import report_from_store

        outcome.report = report_from_store(out_dir)
    return outcome


def _done_keys(store: RunStore, jobs: list[Job], artifacts: Path) -> set[str]:
    """Finished jobs; an artifact counts as done only if its file is there too."""
    done = store.done_keys()
    return done - {j.key for j in jobs if j.kind != "run" and j.key in done
                   and not (artifacts / store.get(j.key)["artifact"]).is_file()}


class _Rounds:
    """Which jobs each round of a study runs: every seed of a plain list at once, or adaptive seeds.

    Adaptive seeds run the first ``start`` seeds everywhere, then, round after round, read
    the stored results, ask the analysis which verdicts are still undecided
    (``synreal.analysis.study.cells_needing_seeds``) and add the next look's seeds to the
    cells those verdicts compare, with the artifacts they depend on.
    """

    def __init__(self, spec: StudySpec, jobs: list[Job], meta: dict[str, Any]) -> None:
        self.spec = spec
        self.jobs = jobs
        self.meta = meta
        self.by_key = {j.key: j for j in jobs}
        self.round = 0
        a = spec.adaptive
        self.sizes = a.sizes if a is not None else (len(spec.seed_list),)
        self.first_seed = a.first if a is not None else None

    def _closure(self, picked: list[Job]) -> list[Job]:
        """The picked jobs and everything they depend on, in plan order."""
        keys = set()
        stack = [j.key for j in picked]
        while stack:
            k = stack.pop()
            if k not in keys:
                keys.add(k)
                stack += self.by_key[k].deps
        return [j for j in self.jobs if j.key in keys]

    def _seeds_below(self, n: int) -> set[int]:
        return set(range(self.first_seed, self.first_seed + n))

    def first(self) -> list[Job]:
        """The first round: every job (plain seeds) or every job of the first ``start`` seeds."""
        if self.spec.adaptive is None:
            return list(self.jobs)
        seeds = self._seeds_below(self.sizes[0])
        return self._closure([j for j in self.jobs if j.kind == "run" and j.labels.get("seed") in seeds])

    def next(self, store: RunStore) -> tuple[list[Job], str] | None:
        """The jobs of the next round and why, or None when every verdict is decided or seeds run out."""
        if self.spec.adaptive is None or self.round + 1 >= len(self.sizes):
            return None
        from synreal.analysis.study import analyse_study, cells_needing_seeds, settings_from_meta

        results = store.tidy()
        settings = settings_from_meta(self.meta, self.spec.report.level)
        cells = cells_needing_seeds(analyse_study(results, settings, laws=False))
        if not cells:
            return None
        self.round += 1
        seeds = self._seeds_below(self.sizes[self.round])
        want = {(c, s, int(n), round(float(f), 12)) for c, s, n, f in cells}
        picked = [j for j in self.jobs if j.kind == "run" and j.labels.get("seed") in seeds
                  and (j.labels["condition"], j.labels["source"], int(j.labels["n_synthetic"]),
                       round(float(j.labels["real_fraction"]), 12)) in want]
        why = f"{len(want)} cells have undecided verdicts, seeds up to {self.sizes[self.round]}"
        return self._closure(picked), why


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _execute(todo: list[Job], done: set[str], ex: Any, store: RunStore, fp: str, artifacts: Path,
             console: Console, max_jobs: int | None) -> int:
    """Submit jobs as their dependencies finish; store each result the moment it arrives."""
    pending = {j.key: j for j in todo}
    running: dict[Future, Job] = {}
    finished = set(done)
    executed = 0
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("jobs"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("training", total=len(todo))
        while pending or running:
            # artifacts first, the generator (the longest) before pre-trainings: runs wait on them,
            # so they set the critical path
            ready = sorted((j for j in pending.values() if all(d in finished for d in j.deps)),
                           key=lambda j: (j.kind == "run", j.kind != "generator"))
            slots = max(0, 2 * ex.workers - len(running))
            for job in ready[:slots]:
                if max_jobs is not None and executed + len(running) >= max_jobs:
                    break
                del pending[job.key]
                running[ex.submit(run_job_in_worker, job, str(artifacts))] = job
            if not running:
                if max_jobs is not None and executed >= max_jobs:
                    break
                raise RuntimeError(f"jobs wait on dependencies that never ran: {sorted(pending)[:3]}")
            complete, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in complete:
                job = running.pop(fut)
                metrics = fut.result()  # a failed job raises here: a bug, or a user error found late
                store.put(job.key, job.kind, job.config, fp, __version__, metrics)
                finished.add(job.key)
                executed += 1
                progress.update(task, advance=1, description=f"{job.labels.get('condition', job.kind)}")
    return executed
