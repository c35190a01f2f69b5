"""Executing a study's jobs: artifacts checked and shared, jobs submitted as their inputs are ready.

``Scheduler`` is the driver's side of a run. ``settle`` decides which stored jobs really
are done: a stored artifact counts only when its file matches the size and SHA-256
recorded with it (otherwise it is recomputed, with a message saying why), and an artifact
that is not done here is copied from the shared cache when another study trained the same
one. ``execute`` submits each job when the jobs it depends on have finished, artifacts
first, and stores each result the moment it arrives (writing the files that a worker
without the driver's file system sent back, and publishing new artifacts to the cache).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from synreal import __version__
from synreal.errors import UserInputError
from synreal.fileio import atomic_write_bytes, environment_error
from synreal.study.artifacts import ArtifactCache, ArtifactRecord
from synreal.study.jobs import Job
from synreal.study.store import RunStore


class Scheduler:
    """The driver's bookkeeping of one study run.

    Args:
        store: the study's run store.
        artifacts: the study's artifacts folder.
        fingerprint: the real data's fingerprint (stored with every row).
        console: where messages go.
        cache: the shared artifact cache (None: not used).
        study: the study's name (recorded with cache entries).
        locate: turns a user error raised by a job into one that names the spec key behind it.
    """

    def __init__(self, store: RunStore, artifacts: Path, fingerprint: str, console: Console, *,
                 cache: ArtifactCache | None, study: str,
                 locate: Callable[[UserInputError, Job], UserInputError] = lambda exc, job: exc) -> None:
        self.store = store
        self.artifacts = Path(artifacts)
        self.fingerprint = fingerprint
        self.console = console
        self.cache = cache
        self.study = study
        self.locate = locate
        self.records: dict[str, ArtifactRecord] = {}
        self.from_cache = 0

    def settle(self, jobs: list[Job], done: set[str]) -> set[str]:
        """The keys of ``jobs`` that need not run: finished runs and verified (or restored) artifacts."""
        done = set(done)
        for job in jobs:
            if job.kind == "run":
                continue
            if job.key in done:
                record = self.store.artifact(job.key)
                why = ("stored without a checksum by an older synreal" if record is None
                       else record.problem(self.artifacts))
                if why is None:
                    assert record is not None
                    self.records[job.key] = record
                    continue
                name = record.name if record is not None else (self.store.get(job.key) or {}).get("artifact", job.key)
                self.console.print(f"[yellow]artifact {self.artifacts / str(name)} is {why}; recomputing it[/]",
                                   highlight=False)
                done.discard(job.key)
            if self._restore(job):
                done.add(job.key)
        return done

    def _restore(self, job: Job) -> bool:
        """Copy an artifact from the shared cache and store its row; False when the cache has none."""
        if self.cache is None:
            return False
        entry, why = self.cache.restore(job.key, self.artifacts)
        if why is not None:
            self.console.print(f"[yellow]shared cache: {why}; training it here[/]", highlight=False)
        if entry is None:
            return False
        self.store.put(job, self.fingerprint, __version__, {**entry.metrics, "cached_from": entry.study})
        self.records[job.key] = entry.artifact
        self.from_cache += 1
        return True

    def execute(self, todo: list[Job], done: set[str], executor: Callable[[], Any], max_jobs: int | None) -> int:
        """Run ``todo`` (dependencies first) and store each result; returns the number executed.

        Args:
            todo: jobs to run.
            done: keys already finished (dependencies that need not run).
            executor: gives the executor (started on first use).
            max_jobs: stop after this many (None: all).
        """
        pending = {j.key: j for j in todo}
        running: dict[Future, Job] = {}
        finished = set(done)
        executed = 0
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("jobs"),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
        with Progress(*columns, console=self.console, transient=False) as progress:
            task = progress.add_task("training", total=len(todo))
            while pending or running:
                ex = executor()
                # artifacts first, the generator (the longest) before pre-trainings: runs wait on them,
                # so they set the critical path
                ready = sorted((j for j in pending.values() if all(d in finished for d in j.deps)),
                               key=lambda j: (j.kind == "run", j.kind != "generator"))
                slots = max(0, 2 * ex.workers - len(running))
                for job in ready[:slots]:
                    if max_jobs is not None and executed + len(running) >= max_jobs:
                        break
                    del pending[job.key]
                    inputs = tuple(self.records[d] for d in job.deps if d in self.records)
                    running[ex.submit_job(job, self.artifacts, inputs)] = job
                if not running:
                    if max_jobs is not None and executed >= max_jobs:
                        break
                    raise RuntimeError(f"jobs wait on dependencies that never ran: {sorted(pending)[:3]}")
                complete, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in complete:
                    job = running.pop(fut)
                    try:
                        out = fut.result()  # a failed job raises here: a bug, or a user error found late
                    except UserInputError as exc:
                        raise self.locate(exc, job) from None
                    self._finish(job, out)
                    finished.add(job.key)
                    executed += 1
                    progress.update(task, advance=1, description=job.labels.condition if job.labels else job.kind)
        return executed

    def _finish(self, job: Job, out: Any) -> None:
        """Write what the worker sent back, check an artifact against its record, store the row, share it."""
        for rel, payload in out.files.items():
            atomic_write_bytes(self.artifacts / rel, payload)
        record = ArtifactRecord.from_metrics(out.metrics)
        if job.kind != "run":
            if record is None:
                raise RuntimeError(f"artifact job {job.key} ({job.kind}) returned no artifact record")
            why = record.problem(self.artifacts)
            if why is not None:
                raise RuntimeError(f"artifact {record.name} of job {job.key} is {why} right after it was written")
            self.records[job.key] = record
        self.store.put(job, self.fingerprint, __version__, out.metrics)
        if job.kind != "run" and self.cache is not None:
            try:
                self.cache.publish(job.key, job.kind, self.artifacts, out.metrics, self.study, __version__)
            except OSError as exc:
                err = environment_error(exc, action="cannot share artifacts")
                if err is None:
                    raise
                # the study's own results are safe; only the sharing stops
                self.console.print(f"[yellow]shared cache: {err.message}; not sharing artifacts from this run[/]",
                                   highlight=False)
                self.cache = None
