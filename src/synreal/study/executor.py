"""Executors run jobs; the interface is small so a distributed backend can be added.

An executor takes ``(fn, job, artifacts_dir)`` and returns a ``concurrent.futures.Future``.
``local`` uses a pool of worker processes on this machine (one torch thread each);
``inline`` runs jobs in the calling process (debugging, tests).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from abc import ABC, abstractmethod
from typing import Any

from synreal.registry import Registry


class Executor(ABC):
    """What the study runner needs from an executor: ``workers``, ``submit`` and ``shutdown``.

    Subclasses are built as ``cls(workers)`` (None: the executor's own default).
    """

    workers: int

    @abstractmethod
    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)``; its future resolves to the result (or raises the job's error)."""

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

    def __init__(self, workers: int | None = None) -> None:
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

    def __init__(self, workers: int | None = None) -> None:
        import torch

        torch.set_num_threads(1)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        fut: Future = Future()
        fut.set_result(fn(*args))  # exceptions propagate: a bug raises here
        return fut

    def shutdown(self, *, cancel: bool = False) -> None:
        return None


def make_executor(kind: str, workers: int | None) -> Executor:
    """The registered executor ``kind`` with ``workers`` processes."""
    return EXECUTORS.get(kind)(workers)


def run_job_in_worker(job: Any, artifacts: str) -> dict[str, Any]:
    """Top-level function that workers execute (picklable by reference)."""
    from synreal.plugins import load_builtin_plugins
    from synreal.study.conditions import execute_job

    load_builtin_plugins()
    return execute_job(job, Path(artifacts))
