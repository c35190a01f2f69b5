"""The study engine: plan runs from a spec, execute the missing ones, store them.

This is the one place that brings data, sources, learners, executors and the store
together. ``plan_study`` and ``run_study`` are the function API; the report is built from
the store afterwards (``synreal.report.build.report_from_store``), and the CLI's ``synreal
run`` composes the two.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from synreal import __version__
from synreal.analysis.meta import LooksMeta, StudyMeta
from synreal.analysis.verdicts import SPENDING_POWER
from synreal.errors import UserInputError
from synreal.fileio import output_dir
from synreal.plugins import load_builtin_plugins
from synreal.study.artifacts import ArtifactCache
from synreal.study.conditions import CONDITIONS, PlanContext
from synreal.study.executor import Executor, executor_class
from synreal.study.jobs import Job
from synreal.study.lock import StudyLock
from synreal.study.samples import SAMPLES_FILE, collect_samples
from synreal.study.scheduler import Scheduler
from synreal.study.spec import BaseStudySpec
from synreal.study.store import RunStore
from synreal.study.task import TASKS


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
    meta: StudyMeta = field(default_factory=StudyMeta)
    artifacts_from_cache: int = 0

    @property
    def cores_busy(self) -> float:
        """Average number of cores busy over the wall time."""
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0


@dataclass
class StudyPlan:
    """Every job a study may run, with its metadata and the real data it was planned on.

    Attributes:
        jobs: in execution order (artifacts before the runs that need them), up to the most
            seeds any cell may get.
        meta: the study's metadata.
        real: the real dataset (for the report's sample grid), or None.
        context: what the conditions planned with.
    """

    jobs: list[Job]
    meta: StudyMeta
    real: Any
    context: PlanContext


def plan_study(spec: BaseStudySpec) -> StudyPlan:
    """Resolve data and sources through the spec's task and expand the spec into typed jobs.

    Returns:
        A ``StudyPlan``.

    Example:
        >>> from synreal.study.spec import load_spec
        >>> plan = plan_study(load_spec("examples/digits.yaml"))  # doctest: +SKIP
    """
    load_builtin_plugins()
    task = TASKS.get(spec.task)()
    prep = task.prepare(spec)
    ctx = prep.context
    jobs: dict[str, Job] = {}
    for entry in list(spec.conditions) + prep.entries:
        for job in CONDITIONS.get(entry.condition)().plan(entry, ctx):
            jobs.setdefault(job.key, job)
    for name in prep.added:
        for job in CONDITIONS.get(name)().plan(None, ctx):
            jobs.setdefault(job.key, job)
    a = spec.adaptive
    meta = prep.meta.model_copy(update=dict(
        name=spec.name, task=spec.task, metric=task.primary.name, higher_is_better=task.primary.higher_is_better,
        baseline=task.baseline, item=task.item, seeds=spec.seed_list if a is None else spec.seed_list[: a.start],
        real_fractions=spec.real_fractions, version=__version__, level=spec.report.level,
        tolerance=spec.report.tolerance,
        looks=None if a is None else LooksMeta(sizes=a.sizes, level=spec.report.level, power=SPENDING_POWER,
                                               decide=tuple(a.decide), first=a.first),
        spec=spec.model_dump(mode="json"),
        sources={k: v.model_dump(mode="json", exclude_none=True) for k, v in ctx.sources.items()},
    ))
    return StudyPlan(list(jobs.values()), meta, prep.real, ctx)


def run_study(
    spec: BaseStudySpec,
    out_dir: Path,
    *,
    workers: int | None = None,
    executor: str | None = None,
    address: str | None = None,
    console: Console | None = None,
    max_jobs: int | None = None,
    cache_dir: str | Path | None = None,
    share_artifacts: bool | None = None,
    wait: float = 0.0,
) -> StudyOutcome:
    """Run every missing job of ``spec`` and store the results in ``out_dir``.

    Only one run at a time may use ``out_dir``: a second one waits up to ``wait`` seconds,
    then raises ``synreal.study.lock.StudyLocked``.

    Args:
        spec: a validated study spec.
        out_dir: output directory; its results.sqlite is reused (only missing runs execute).
        workers: parallel workers (default: the spec's, else every core).
        executor: executor kind (default: the spec's).
        address: where the ray executor connects (default: the spec's).
        console: where progress goes (a quiet console for tests).
        max_jobs: stop after this many executed jobs (for testing interruption).
        cache_dir: root of the shared artifact cache (default: the spec's, else the cache root).
        share_artifacts: reuse and publish checkpoints through the shared cache (default: the spec's).
        wait: seconds to wait for another run that holds ``out_dir``.

    Returns:
        A StudyOutcome (planned, reused and executed counts, timings, the study's metadata).

    Example:
        >>> from synreal.study.spec import load_spec
        >>> run_study(load_spec("examples/digits.yaml"), Path("runs/demo"))  # doctest: +SKIP
    """
    console = console or Console(stderr=True)
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    choice = resolve_executor(spec, workers, executor, address)
    out_dir = output_dir(out_dir)
    with StudyLock(out_dir).acquire(wait) as lock:
        if lock.recovered:
            console.print(f"took over the lock of {out_dir} left by {lock.recovered}", highlight=False)
        return _run_locked(spec, out_dir, choice, console, max_jobs, artifact_cache(spec, cache_dir, share_artifacts),
                           (t0, cpu0))


@dataclass(frozen=True)
class ExecutorChoice:
    """The executor a run uses: its class, workers and cluster address (options over the spec's)."""

    kind: str
    cls: type[Executor]
    workers: int | None
    address: str | None

    def make(self) -> Executor:
        """Start the executor."""
        return self.cls(self.workers, address=self.address)


def resolve_executor(spec: BaseStudySpec, workers: int | None, executor: str | None, address: str | None) -> ExecutorChoice:
    """The executor of a run: command-line options over the spec's, checked before any work starts."""
    if workers is not None and workers < 1:
        raise UserInputError(f"expected at least 1 worker, found {workers}", key="--workers")
    if executor is not None:
        cls = executor_class(executor, key="--executor")
    else:
        w = spec.where("executor", "kind")
        try:
            cls = executor_class(spec.executor.kind, key="executor.kind", file=w["file"])
        except UserInputError as exc:
            raise UserInputError(exc.problem, file=w["file"], key=w["key"], line=w["line"], hint=exc.hint) from None
    kind = executor or spec.executor.kind
    addr = address if address is not None else (spec.executor.address if kind == spec.executor.kind else None)
    if addr is not None and kind != "ray":
        raise UserInputError(f"an address applies to the ray executor only, not {kind!r}",
                             key="--address" if address is not None else "executor.address")
    return ExecutorChoice(kind, cls, workers or spec.executor.workers, addr)


def artifact_cache(spec: BaseStudySpec, cache_dir: str | Path | None = None, share: bool | None = None) -> ArtifactCache | None:
    """The shared artifact cache of a run (options over the spec's ``cache`` section), or None when sharing is off."""
    if not (share if share is not None else spec.cache.artifacts):
        return None
    return ArtifactCache(cache_dir if cache_dir is not None else spec.cache.dir)


def _run_locked(spec: BaseStudySpec, out_dir: Path, choice: ExecutorChoice, console: Console, max_jobs: int | None,
                cache: ArtifactCache | None, start: tuple[float, float]) -> StudyOutcome:
    """``run_study`` once the output directory is ours."""
    artifacts = out_dir / "artifacts"
    artifacts.mkdir(exist_ok=True)
    plan = plan_study(spec)
    jobs, meta = plan.jobs, plan.meta
    store = RunStore(out_dir)
    sched = Scheduler(store, artifacts, meta.data_fingerprint or "", console, cache=cache, study=spec.name,
                      locate=lambda exc, job: locate_job_error(spec, job, exc))
    rounds = _Rounds(spec, jobs, meta)
    selected = rounds.first()
    store.set_plan(selected, meta)
    stored = store.done_keys()
    done = sched.settle(selected, stored)
    n_runs = sum(j.kind == "run" for j in selected)
    reused = sum(j.kind == "run" and j.key in done for j in selected)
    art_reused = sum(j.kind != "run" and j.key in done and j.key in stored for j in selected)
    todo = [j for j in selected if j.key not in done]
    extra = (f" (adaptive seeds: {spec.adaptive.start} to {spec.adaptive.max}, looks after "
             f"{', '.join(map(str, spec.adaptive.sizes))} seeds)" if spec.adaptive else "")
    if meta.conversions:
        console.print(f"input shape {meta.input_shape}; " + "; ".join(meta.conversions.values()), highlight=False)
    from_cache = (f" and {sched.from_cache} from the shared cache {cache.dir}" if cache is not None and sched.from_cache
                  else "")
    console.print(
        f"[bold]{spec.name}[/]: {n_runs} runs planned{extra}; reusing {reused} finished runs and {art_reused} "
        f"pre-trained checkpoints{from_cache} (same config, synreal {__version__}, data {meta.data_fingerprint}); "
        f"{sum(j.kind == 'run' for j in todo)} runs and {sum(j.kind != 'run' for j in todo)} pre-trainings to execute"
    )
    executed = 0
    ex: Executor | None = None

    def executor() -> Executor:
        nonlocal ex
        ex = ex or choice.make()
        return ex

    try:
        while True:
            if todo:
                budget = None if max_jobs is None else max_jobs - executed
                executed += sched.execute(todo, done, executor, budget)
                done |= {j.key for j in todo} & store.done_keys()
                if max_jobs is not None and executed >= max_jobs:
                    break
            more = rounds.next(store)
            if more is None:
                break
            new_sel, why = more
            known = {x.key for x in selected}
            added = [j for j in new_sel if j.key not in known]
            selected = selected + added
            store.set_plan(selected, meta)
            done = sched.settle(added, done)
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
        store.close()
        raise
    if ex is not None:
        ex.shutdown()
    meta.seeds = sorted({j.labels.seed for j in selected if j.labels is not None})
    wall = time.perf_counter() - start[0]
    outcome = StudyOutcome(out_dir, n_runs, reused, executed, art_reused, wall, _cpu_seconds() - start[1], meta=meta,
                           artifacts_from_cache=sched.from_cache)
    meta.timings = {"wall_seconds": wall, "cpu_seconds": outcome.cpu_seconds, "cores_busy": outcome.cores_busy,
                    "executed_jobs": float(executed), "reused_runs": float(reused),
                    "workers": float(ex.workers if ex is not None else choice.workers or os.cpu_count() or 1)}
    meta.reused = reused
    store.set_plan(selected, meta)
    store.close()
    collect_samples(selected, plan.real, artifacts, out_dir / SAMPLES_FILE)
    return outcome


def locate_job_error(spec: BaseStudySpec, job: Job, exc: UserInputError) -> UserInputError:
    """A user error a job raised (bad data found in a worker), named at the spec key behind it.

    The key is the error's own when it names a spec section (``retrieval.sizes``), else the
    data the job read: its source's path, the retrieval pool, or the real data.
    """
    top = (exc.key or "").split(".")[0].split("[")[0]
    if top in type(spec).model_fields:
        w = spec.where(*_loc(exc.key or ""))
        if exc.file is None or exc.file == w["file"]:
            return UserInputError(exc.problem, file=w["file"], key=w["key"], line=w["line"], hint=exc.hint)
        return UserInputError(exc.message, **w)
    cfg = job.config
    source = getattr(cfg, "source", None)
    names = [s.name for s in spec.sources]
    label = job.labels.source if job.labels is not None else None
    if source is not None and label in names:
        i = names.index(label)
        return spec.locate(exc, "sources", i, "path" if spec.sources[i].path is not None else "kind")
    if getattr(cfg, "pool", None) is not None:
        return spec.locate(exc, "retrieval", "pool")
    return spec.locate(exc, "real", "path")


def _loc(key: str) -> tuple[object, ...]:
    """'sources[1].path' -> ('sources', 1, 'path')."""
    out: list[object] = []
    for part in key.split("."):
        name, *idx = part.replace("]", "").split("[")
        out.append(name)
        out += [int(i) for i in idx if i.isdigit()]
    return tuple(out)


class _Rounds:
    """Which jobs each round of a study runs: every seed of a plain list at once, or adaptive seeds.

    Adaptive seeds run the first ``start`` seeds everywhere, then, round after round, read
    the stored results, ask the analysis which verdicts are still undecided
    (``synreal.analysis.study.cells_needing_seeds``) and add the next look's seeds to the
    cells those verdicts compare, with the artifacts they depend on.
    """

    def __init__(self, spec: BaseStudySpec, jobs: list[Job], meta: StudyMeta) -> None:
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
        assert self.first_seed is not None
        return set(range(self.first_seed, self.first_seed + n))

    def first(self) -> list[Job]:
        """The first round: every job (plain seeds) or every job of the first ``start`` seeds."""
        if self.spec.adaptive is None:
            return list(self.jobs)
        seeds = self._seeds_below(self.sizes[0])
        return self._closure([j for j in self.jobs if j.kind == "run" and j.seed in seeds])

    def next(self, store: RunStore) -> tuple[list[Job], str] | None:
        """The jobs of the next round and why, or None when every verdict is decided or seeds run out."""
        if self.spec.adaptive is None or self.round + 1 >= len(self.sizes):
            return None
        from synreal.analysis.study import analyse_study, cells_needing_seeds, settings_from_meta

        results = store.tidy()
        settings = settings_from_meta(self.meta, self.spec.report.level)
        cells = cells_needing_seeds(analyse_study(results, settings, laws=False)) if len(results) else set()
        if not cells:
            return None
        self.round += 1
        seeds = self._seeds_below(self.sizes[self.round])
        want = {(c, s, int(n), round(float(f), 12)) for c, s, n, f in cells}
        picked = [j for j in self.jobs if j.kind == "run" and j.seed in seeds and j.labels is not None
                  and j.labels.cell() in want]
        why = f"{len(want)} cells have undecided verdicts, seeds up to {self.sizes[self.round]}"
        return self._closure(picked), why


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
