"""The study engine: plan runs from a spec, execute the missing ones, store them.

This is the one place that brings data, sources, learners, executors and the store
together. ``plan_study`` and ``run_study`` are the function API; the report is built from
the store afterwards (``synreal.report.build.report_from_store``), and the CLI's ``synreal
run`` composes the two.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from synreal import __version__
from synreal.analysis.meta import LooksMeta, StudyMeta
from synreal.analysis.verdicts import SPENDING_POWER
from synreal.plugins import load_builtin_plugins
from synreal.study.conditions import CONDITIONS, PlanContext
from synreal.study.executor import make_executor, run_job_in_worker
from synreal.study.jobs import Job
from synreal.study.samples import SAMPLES_FILE, collect_samples
from synreal.study.spec import BaseStudySpec
from synreal.study.store import RunStore
from synreal.tasks.base import TASKS


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
    console: Console | None = None,
    max_jobs: int | None = None,
) -> StudyOutcome:
    """Run every missing job of ``spec`` and store the results in ``out_dir``.

    Args:
        spec: a validated study spec.
        out_dir: output directory; its results.sqlite is reused (only missing runs execute).
        workers: parallel workers (default: the spec's, else every core).
        executor: executor kind (default: the spec's).
        console: where progress goes (a quiet console for tests).
        max_jobs: stop after this many executed jobs (for testing interruption).

    Returns:
        A StudyOutcome (planned, reused and executed counts, timings, the study's metadata).

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
    plan = plan_study(spec)
    jobs, meta = plan.jobs, plan.meta
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
    if meta.conversions:
        console.print(f"input shape {meta.input_shape}; " + "; ".join(meta.conversions.values()), highlight=False)
    console.print(
        f"[bold]{spec.name}[/]: {n_runs} runs planned{extra}; reusing {reused} finished runs and {art_reused} "
        f"pre-trained checkpoints (same config, synreal {__version__}, data {meta.data_fingerprint}); "
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
                executed += _execute(todo, done, ex, store, meta.data_fingerprint or "", artifacts, console, budget)
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
    meta.seeds = sorted({j.labels.seed for j in selected if j.labels is not None})
    wall = time.perf_counter() - t0
    outcome = StudyOutcome(out_dir, n_runs, reused, executed, art_reused, wall, _cpu_seconds() - cpu0, meta=meta)
    meta.timings = {"wall_seconds": wall, "cpu_seconds": outcome.cpu_seconds, "cores_busy": outcome.cores_busy,
                    "executed_jobs": float(executed), "reused_runs": float(reused),
                    "workers": float(workers or spec.executor.workers or os.cpu_count() or 1)}
    meta.reused = reused
    store.set_plan(selected, meta)
    store.close()
    collect_samples(selected, plan.real, artifacts, out_dir / SAMPLES_FILE)
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
                store.put(job, fp, __version__, metrics)
                finished.add(job.key)
                executed += 1
                progress.update(task, advance=1, description=job.labels.condition if job.labels else job.kind)
    return executed
