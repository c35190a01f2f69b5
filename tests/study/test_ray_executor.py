"""The ray executor: the same numbers as inline and local, artifacts through the object store, retries."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from synreal.study.runner import plan_study, run_study
from synreal.study.spec import validate_spec
from synreal.study.store import RunStore
from tests.conftest import tiny_spec

QUIET = Console(file=open(os.devnull, "w"))
KEY = ["condition", "source", "n_synthetic", "real_fraction", "seed", "metric"]


def _acc(out: Path):
    t = RunStore(out, create=False).tidy()
    return t[t.metric == "accuracy"].sort_values(KEY).reset_index(drop=True)


@pytest.mark.slow
def test_ray_gives_the_numbers_of_inline_and_local_with_adaptive_seeds_and_resume(tmp_path, noisy_digits_npz, ray_local):
    spec = validate_spec(tiny_spec(noisy_digits_npz, seeds={"start": 2, "max": 3, "step": 1}, real_fractions=[0.2, 1.0],
                                   report={"tolerance": 0.02},
                                   conditions=["real", {"condition": "pretrain", "n_synthetic": [200]}]))
    a = run_study(spec, tmp_path / "inline", console=QUIET, share_artifacts=False)
    b = run_study(spec, tmp_path / "local", console=QUIET, executor="local", workers=2, share_artifacts=False)
    c = run_study(spec, tmp_path / "ray", console=QUIET, executor="ray", share_artifacts=False)
    ta, tb, tc = (_acc(tmp_path / d) for d in ("inline", "local", "ray"))
    assert len(ta) == len(tb) == len(tc) == a.planned == b.planned == c.planned
    # bit-identical: the same seeds, the same runs, the same floats
    assert ta["value"].tolist() == tb["value"].tolist() == tc["value"].tolist()
    # the checkpoints came back through the object store, with their recorded checksums
    store = RunStore(tmp_path / "ray", create=False)
    pre = [j for j in plan_study(spec).jobs if j.kind == "pretrain" and j.key in store.done_keys()]
    assert pre and all(store.artifact(j.key).problem(tmp_path / "ray" / "artifacts") is None for j in pre)
    assert all((tmp_path / "ray" / "artifacts" / "samples" / f"{j.key}.npz").is_file() for j in pre)
    node = Path(os.environ["SYNREAL_RAY_ARTIFACTS"])
    assert node != tmp_path / "ray" / "artifacts" and all((node / store.artifact(j.key).name).is_file() for j in pre)
    # resume: nothing left to run, on ray as anywhere
    again = run_study(spec, tmp_path / "ray", console=QUIET, executor="ray", share_artifacts=False)
    assert again.executed == 0 and again.reused == c.planned


def _descendants(root: int) -> set[int]:
    """Process ids below ``root`` (read from /proc)."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, frontier = set(), {root}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - out
        out |= frontier
    return out


def _busy_job_worker() -> int | None:
    """A Ray worker process of this test session that is running a study job."""
    for pid in sorted(_descendants(os.getpid())):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("ray::ray_job"):
            return pid
    return None


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds Ray's worker processes through /proc")
def test_a_worker_killed_mid_job_is_retried_and_nothing_finished_is_lost(tmp_path, noisy_digits_npz, ray_local):
    spec = tiny_spec(noisy_digits_npz, conditions=["real", {"condition": "pretrain", "n_synthetic": [300]}])
    for phase in spec["training"].values():
        phase["min_steps"] = 150  # a second or two per job: long enough to be caught running
    spec = validate_spec(spec)
    killed: list[int] = []

    def kill_one() -> None:
        deadline = time.time() + 240
        while time.time() < deadline and not killed:
            pid = _busy_job_worker()
            if pid is not None:
                time.sleep(0.3)  # mid-job, not at its start
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.1)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    out = run_study(spec, tmp_path / "ray", console=QUIET, executor="ray", share_artifacts=False)
    killer.join(timeout=5)
    assert killed, "no Ray worker was caught running a job"
    # every job finished once, the killed one on a retry, with the numbers an undisturbed run gives
    assert out.executed == len(plan_study(spec).jobs)
    run_study(spec, tmp_path / "inline", console=QUIET, share_artifacts=False)
    assert _acc(tmp_path / "ray")["value"].tolist() == _acc(tmp_path / "inline")["value"].tolist()


def test_an_unreachable_cluster_is_a_user_error_naming_the_address(tmp_path, noisy_digits_npz, monkeypatch):
    ray = pytest.importorskip("ray")
    from synreal.errors import UserInputError
    from synreal.study.ray_executor import RayExecutor

    if ray.is_initialized():
        monkeypatch.setattr(ray, "is_initialized", lambda: False)

    def refuse(*a, **k):
        raise ConnectionError("Could not find any running Ray instance")

    monkeypatch.setattr(ray, "init", refuse)
    with pytest.raises(UserInputError, match=r"executor.address: cannot join a Ray cluster at 'auto'"):
        RayExecutor(address="auto")


@pytest.mark.parametrize(("address", "message"), [
    ("127.0.0.1:1", "cannot reach a Ray cluster at '127.0.0.1:1'"),
    ("ray://127.0.0.1:1", "cannot reach a Ray cluster at 'ray://127.0.0.1:1'"),
    ("nonsense", "expected 'auto', HOST:PORT or ray://HOST:PORT, found 'nonsense'"),
])
def test_an_address_nothing_listens_on_is_refused_at_once(address, message, monkeypatch):
    ray = pytest.importorskip("ray")
    from synreal.errors import UserInputError
    from synreal.study.ray_executor import RayExecutor

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    t = time.perf_counter()
    with pytest.raises(UserInputError, match=r"executor.address: " + re.escape(message)):
        RayExecutor(address=address)
    assert time.perf_counter() - t < 10  # not Ray's minutes of retries


def test_jobs_that_train_on_cuda_ask_ray_for_a_gpu(noisy_digits_npz):
    from synreal.study.ray_executor import wants_gpu

    cpu = plan_study(validate_spec(tiny_spec(noisy_digits_npz))).jobs
    spec = tiny_spec(noisy_digits_npz)
    spec["training"]["pretrain"]["device"] = "cuda"
    gpu = plan_study(validate_spec(spec)).jobs
    assert not any(wants_gpu(j) for j in cpu)
    assert {j.kind for j in gpu if wants_gpu(j)} == {"pretrain"}
