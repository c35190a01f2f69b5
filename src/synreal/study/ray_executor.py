"""The ``ray`` executor: each job a Ray task, on a cluster or on a local Ray instance.

``executor: {kind: ray}`` starts a local Ray instance with ``workers`` CPUs (default: every
core); ``address: auto`` joins the cluster running on this machine (``ray start --head``),
and ``address: HOST:PORT`` or ``ray://HOST:10001`` joins a remote one. Each job asks for one
CPU, and one GPU when its training config says ``device: cuda``.

Workers need not share a file system with the driver. The driver puts the bytes of each
artifact a job reads into the object store (once per artifact) and the task writes them into
a folder local to its node (``$TMPDIR/synreal-ray-artifacts``, or
``$SYNREAL_RAY_ARTIFACTS``), verified by SHA-256, before it runs; the checkpoint and sample
images a job makes travel back as bytes and the driver writes them into the study's
``artifacts/``. Only the driver writes the run store.

A task whose worker process or node dies is retried by Ray (up to ``MAX_RETRIES`` times);
results already stored are never lost, and a job that raises (a bug, or bad input found
late) is not retried. Ray is imported only when this executor is used
(``pip install 'synreal[ray]'``).
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from synreal._optional import require
from synreal.errors import UserInputError
from synreal.fileio import atomic_write_bytes
from synreal.study.artifacts import ArtifactRecord, samples_name
from synreal.study.executor import EXECUTORS, Executor, JobOutput, available_cores, run_job_in_worker

MAX_RETRIES = 3
"""Times a task is run again after its worker process or node died."""


def node_artifacts_dir() -> Path:
    """The folder where tasks on this node keep input artifacts (shared by studies: files are named by content hash)."""
    return Path(os.environ.get("SYNREAL_RAY_ARTIFACTS") or Path(tempfile.gettempdir()) / "synreal-ray-artifacts")


def wants_gpu(job: Any) -> bool:
    """Whether a job's training config asks for a CUDA device.

    Example:
        >>> from types import SimpleNamespace as N
        >>> wants_gpu(N(config=N(train=N(device="cuda")))), wants_gpu(N(config=N(train=None)))
        (True, False)
    """
    cfg = job.config
    train = getattr(cfg, "train", None)
    if train is not None and getattr(train, "device", None) == "cuda":
        return True
    return (getattr(cfg, "knobs", None) or {}).get("device") == "cuda"


def ray_job(job: Any, records: tuple[ArtifactRecord, ...], *payloads: bytes) -> JobOutput:
    """Run one job in a Ray worker: materialise its input artifacts, run it, return what it made."""
    local = node_artifacts_dir()
    for record, payload in zip(records, payloads):
        if record.problem(local) is not None:
            atomic_write_bytes(local / record.name, payload)
    out = run_job_in_worker(job, str(local), records)
    files: dict[str, bytes] = {}
    made = ArtifactRecord.from_metrics(out.metrics)
    if made is not None:
        files[made.name] = (local / made.name).read_bytes()
    samples = local / samples_name(job.key)
    if samples.is_file():
        files[samples_name(job.key)] = samples.read_bytes()
    return JobOutput(out.metrics, files)


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse an address nothing listens on (Ray itself would retry for minutes before saying so)."""
    if address == "auto":
        return  # Ray finds the local cluster from its own files and fails fast when there is none
    hostport = address.removeprefix("ray://").rsplit("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise UserInputError(f"expected 'auto', HOST:PORT or ray://HOST:PORT, found {address!r}", key="executor.address")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise UserInputError(f"cannot reach a Ray cluster at {address!r} ({exc.strerror or exc})",
                             key="executor.address",
                             hint="is the head node up ('ray status' on it)? leave address out for a local instance") from None


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` in a Ray worker (the generic ``submit``)."""
    return fn(*args)


@EXECUTORS.register("ray", doc="Ray tasks on a cluster (address: auto, HOST:PORT, ray://...) or a local Ray instance")
class RayExecutor(Executor):
    """Runs jobs as Ray tasks.

    Args:
        workers: jobs in flight at once (default: the CPUs of the local instance or cluster);
            for a local instance, also its number of CPUs.
        address: None starts a local Ray instance; ``auto`` joins the cluster running on
            this machine; ``HOST:PORT`` or ``ray://HOST:10001`` a remote one.
    """

    def __init__(self, workers: int | None = None, *, address: str | None = None) -> None:
        self._ray = require("ray", "ray")
        ray = self._ray
        self._owns = not ray.is_initialized()
        if self._owns:
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "logging_level": logging.WARNING}
            if address is None:
                ray.init(address="local", num_cpus=workers or available_cores(), **kwargs)
            else:
                _reachable(address)
                try:
                    ray.init(address=address, **kwargs)
                except ConnectionError as exc:
                    raise UserInputError(f"cannot join a Ray cluster at {address!r}: {exc}",
                                         key="executor.address",
                                         hint="start one with 'ray start --head', or leave address out for a "
                                              "local instance") from None
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = min(workers, cpus) if workers else cpus
        self._remote_job = ray.remote(ray_job)
        self._remote_call = ray.remote(_call).options(max_retries=MAX_RETRIES, retry_exceptions=False)
        self._payloads: dict[str, Any] = {}  # sha256 -> object ref of the artifact's bytes
        self._pending: set[Any] = set()

    def _track(self, ref: Any) -> Future:
        self._pending.add(ref)
        fut = ref.future()
        fut.add_done_callback(lambda _f: self._pending.discard(ref))
        return fut

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._track(self._remote_call.remote(fn, *args))

    def submit_job(self, job: Any, artifacts: Path, inputs: tuple[ArtifactRecord, ...] = ()) -> Future:
        refs = []
        for record in inputs:
            if record.sha256 not in self._payloads:
                # put once: every job that reads this artifact gets the same object
                self._payloads[record.sha256] = self._ray.put((Path(artifacts) / record.name).read_bytes())
            refs.append(self._payloads[record.sha256])
        task = self._remote_job.options(num_cpus=1, num_gpus=1 if wants_gpu(job) else 0, max_retries=MAX_RETRIES,
                                        retry_exceptions=False)
        return self._track(task.remote(job, tuple(inputs), *refs))

    def shutdown(self, *, cancel: bool = False) -> None:
        if cancel:
            for ref in list(self._pending):
                self._ray.cancel(ref, force=True)
        self._payloads.clear()
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()
