"""Executors run jobs; the interface is small so that distributed backends plug in.

An executor runs ``submit_job(job, artifacts, inputs)`` and returns a
``concurrent.futures.Future`` of a ``JobOutput`` (the job's metrics, plus the files it made
when its workers do not share the driver's file system). ``local`` uses a pool of worker
processes on this machine (one torch thread each); ``inline`` runs jobs in the calling
process (debugging, tests); ``ray`` (``synreal.study.ray_executor``) runs them as tasks on a
Ray cluster. Only the driver (the process that runs the study) writes the run store and the
output folder.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synreal.errors import UserInputError
from synreal.registry import Registry
from synreal.study.artifacts import ArtifactRecord


@dataclass(frozen=True)
class JobOutput:
    """What a finished job hands back to the driver.

    Attributes:
        metrics: the job's row (metrics, timings; an artifact's record).
        files: path under the artifacts folder -> bytes, for the files the job made when
            the worker does not share the driver's artifacts folder (empty otherwise).
    """

    metrics: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


class Executor(ABC):
    """What the study runner needs from an executor: ``workers``, ``submit``, ``submit_job``, ``shutdown``.

    Subclasses are built as ``cls(workers, address=None)`` (workers None: the executor's own
    default; ``address``: where a cluster executor connects, refused by the others).
    """

    workers: int

    @abstractmethod
    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)``; its future resolves to the result (or raises the job's error)."""

    def submit_job(self, job: Any, artifacts: Path, inputs: tuple[ArtifactRecord, ...] = ()) -> Future:
        """Run one study job; the future resolves to a ``JobOutput``.

        Args:
            job: the job.
            artifacts: the driver's artifacts folder (workers of this executor share it).
            inputs: records of the artifacts the job reads (verified before it starts).
        """
        return self.submit(run_job_in_worker, job, str(artifacts), inputs)

    @abstractmethod
    def shutdown(self, *, cancel: bool = False) -> None:
        """Wait for running jobs (or abandon them with ``cancel``) and free the workers."""


EXECUTORS: Registry = Registry("executor", interface=Executor)


def _init_worker() -> None:
    """Workers ignore Ctrl-C: the parent decides what to cancel, so no half-written result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import torch

    torch.set_num_threads(1)


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@EXECUTORS.register("local", doc="a pool of worker processes on this machine, one per core")
class LocalExecutor(Executor):
    """Runs jobs in worker processes.

    Args:
        workers: number of processes (default: every available core).
    """

    def __init__(self, workers: int | None = None, *, address: str | None = None) -> None:
        _no_address("local", address)
        self.workers = workers or available_cores()
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context(method), initializer=_init_worker)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._pool.submit(fn, *args)

    def shutdown(self, *, cancel: bool = False) -> None:
        if cancel:
            # running jobs are abandoned: their results were never stored, so a rerun redoes them
            procs = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                p.terminate()
            for p in procs:
                p.join(timeout=5)
        else:
            self._pool.shutdown(wait=True)


@EXECUTORS.register("inline", doc="runs every job in the calling process, one at a time")
class InlineExecutor(Executor):
    """Runs each job immediately in this process (deterministic, easy to debug)."""

    workers = 1

    def __init__(self, workers: int | None = None, *, address: str | None = None) -> None:
        _no_address("inline", address)
        import torch

        torch.set_num_threads(1)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed over, as a pool would: fut.result() raises it
            fut.set_exception(exc)
        return fut

    def shutdown(self, *, cancel: bool = False) -> None:
        return None


def _no_address(kind: str, address: str | None) -> None:
    if address is not None:
        raise UserInputError(f"the {kind} executor runs on this machine and takes no address", key="executor.address")


def executor_class(kind: str, *, key: str = "executor.kind", file: str | None = None) -> type[Executor]:
    """The registered executor ``kind``; a ``UserInputError`` naming ``key`` (and ``file``) when unknown."""
    from synreal.plugins import load_plugins

    load_plugins("executor")  # the ray executor registers from its own module
    return EXECUTORS.get(kind, file=file, key=key)


def make_executor(kind: str, workers: int | None, *, address: str | None = None) -> Executor:
    """The registered executor ``kind`` with ``workers`` workers (and a cluster ``address``)."""
    return executor_class(kind)(workers, address=address)


def run_job_in_worker(job: Any, artifacts: str, inputs: tuple[ArtifactRecord, ...] = ()) -> JobOutput:
    """Top-level function that workers execute (picklable by reference)."""
    from synreal.plugins import load_builtin_plugins
    from synreal.study.conditions import execute_job

    load_builtin_plugins()
    return JobOutput(execute_job(job, Path(artifacts), inputs))

