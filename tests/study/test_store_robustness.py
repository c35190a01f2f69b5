"""The run store against what users and clusters do to it: concurrent runs, lost side files,
damaged checkpoints, a shared cache between studies, and the dry run."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from synreal.cli.main import main
from synreal.study.artifacts import ArtifactCache, ArtifactRecord
from synreal.study.lock import LOCK_NAME, StudyLock, StudyLocked
from synreal.study.runner import plan_study, run_study
from synreal.study.spec import validate_spec
from synreal.study.store import DB_NAME, RunStore
from tests.conftest import REPO, tiny_spec

QUIET = Console(file=open(os.devnull, "w"))


def _spec(npz: Path, **over: object):
    return validate_spec(tiny_spec(npz, seeds=[0], **over))


def _recorder() -> tuple[Console, list[str]]:
    """A console whose printed lines can be read back."""
    import io

    buf = io.StringIO()
    return Console(file=buf, width=400), buf  # type: ignore[return-value]


# ----------------------------------------------------------------------------- the lock


HOLD = """
import sys, time
from synreal.study.lock import StudyLock
StudyLock(sys.argv[1]).acquire()
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _holder(out: Path, seconds: float) -> subprocess.Popen:
    """Another process that holds the lock of ``out`` for ``seconds``."""
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out), str(seconds)], stdout=subprocess.PIPE, env=env,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_on_the_same_out_is_refused_then_waits(tmp_path, noisy_digits_npz, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tiny_spec(noisy_digits_npz, seeds=[0], conditions=["real"])))
    out = tmp_path / "out"
    holder = _holder(out, 120)
    try:
        assert main(["run", str(path), "--out", str(out), "--no-report"]) == 2
        err = capsys.readouterr().err
        assert f"{out}: another run is using this output directory (process {holder.pid}" in err.replace("\n", "")
        assert not (out / DB_NAME).exists()  # refused before touching anything
        # --wait: the second run starts once the first one is gone
        threading.Timer(2.0, holder.kill).start()
        assert main(["run", str(path), "--out", str(out), "--no-report", "--wait", "60"]) == 0
    finally:
        holder.kill()
        holder.wait()
    assert len(RunStore(out).done_keys()) == 2


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path, noisy_digits_npz):
    out = tmp_path / "out"
    holder = _holder(out, 60)
    with pytest.raises(StudyLocked):
        StudyLock(out).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    console, buf = _recorder()
    run_study(_spec(noisy_digits_npz, conditions=["real"]), out, console=console)
    assert f"left by process {holder.pid} (no longer running)" in buf.getvalue()
    assert (out / LOCK_NAME).read_text() == ""  # released on exit


def test_one_process_cannot_run_twice_on_one_out(tmp_path, noisy_digits_npz):
    with StudyLock(tmp_path):
        with pytest.raises(StudyLocked, match="another run of this process"):
            run_study(_spec(noisy_digits_npz, conditions=["real"]), tmp_path, console=QUIET)


# ----------------------------------------------------------------------------- the database file


def test_each_commit_is_in_results_sqlite_itself(tmp_path, noisy_digits_npz):
    spec = _spec(noisy_digits_npz)
    run_study(spec, tmp_path / "out", console=QUIET, max_jobs=3)
    store = RunStore(tmp_path / "out")
    # no write-ahead log to lose: the database file alone holds every finished job, even while open
    assert store._con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not (tmp_path / "out" / f"{DB_NAME}-wal").exists()
    job = next(j for j in plan_study(spec).jobs if j.key not in store.done_keys())
    store.put(job, "fp", "0", {"accuracy": 0.5})
    (tmp_path / "copy").mkdir()
    shutil.copyfile(tmp_path / "out" / DB_NAME, tmp_path / "copy" / DB_NAME)
    store.close()
    copy = RunStore(tmp_path / "copy", create=False)
    assert len(copy.done_keys()) == 4 and copy.get(job.key) == {"accuracy": 0.5}


def test_a_store_left_in_wal_mode_is_folded_back_without_loss(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    con = sqlite3.connect(old / DB_NAME)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript("CREATE TABLE jobs (key TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, seed INTEGER,"
                      " version TEXT NOT NULL, data_fingerprint TEXT NOT NULL, metrics TEXT NOT NULL,"
                      " finished_at REAL NOT NULL, host TEXT)")
    con.execute("INSERT INTO jobs VALUES ('k','run','{}',0,'0','fp','{\"accuracy\": 1.0}',0,'h')")
    con.commit()
    # what a killed run of an older version left: the row still in the log, not in the database file
    new = tmp_path / "new"
    new.mkdir()
    for f in (DB_NAME, f"{DB_NAME}-wal"):
        shutil.copyfile(old / f, new / f)
    con.close()
    store = RunStore(new)
    assert store.get("k") == {"accuracy": 1.0}
    store.close()
    assert not (new / f"{DB_NAME}-wal").exists()


def test_a_garbage_database_is_a_user_error_naming_it(tmp_path):
    from synreal.errors import UserInputError

    (tmp_path / DB_NAME).write_bytes(b"\x00garbage" * 100)
    for create in (True, False):
        with pytest.raises(UserInputError, match=rf"{DB_NAME}: not a synreal results database"):
            RunStore(tmp_path, create=create)


# ----------------------------------------------------------------------------- artifacts


def test_a_truncated_checkpoint_is_recomputed_identically_and_said(tmp_path, noisy_digits_npz):
    spec = _spec(noisy_digits_npz)
    run_study(spec, tmp_path, console=QUIET, share_artifacts=False)
    pre = next(j for j in plan_study(spec).jobs if j.kind == "pretrain")
    store = RunStore(tmp_path)
    record = store.artifact(pre.key)
    store.close()
    path = tmp_path / "artifacts" / record.name
    assert record == ArtifactRecord.of_file(path)
    path.write_bytes(path.read_bytes()[: record.size // 2])
    # a new fraction needs the checkpoint: it is verified, found damaged, retrained, and then used
    wider = _spec(noisy_digits_npz, real_fractions=[0.2, 0.5, 1.0])
    console, buf = _recorder()
    out = run_study(wider, tmp_path, console=console, share_artifacts=False)
    said = buf.getvalue()
    assert f"artifact {path} is truncated or altered: {record.size // 2} bytes, expected {record.size}" in said
    assert "recomputing it" in said
    assert out.executed == 1 + 3  # the checkpoint, and the new fraction's runs (real, real+aug, pretrain)
    assert ArtifactRecord.of_file(path) == record  # training is deterministic: the same bytes again


@pytest.mark.parametrize("damage", ["missing", "no checksum"])
def test_a_missing_or_unverifiable_checkpoint_is_recomputed(tmp_path, noisy_digits_npz, damage):
    spec = _spec(noisy_digits_npz)
    run_study(spec, tmp_path, console=QUIET)  # shares its checkpoint
    pre = next(j for j in plan_study(spec).jobs if j.kind == "pretrain")
    store = RunStore(tmp_path)
    record = store.artifact(pre.key)
    if damage == "missing":
        (tmp_path / "artifacts" / record.name).unlink()
    else:  # a row written before checksums were recorded
        store.put(pre, "x", "0", {"artifact": record.name})
    store.close()
    console, buf = _recorder()
    out = run_study(spec, tmp_path, console=console, share_artifacts=False)
    assert out.executed == 1 and "recomputing it" in buf.getvalue()
    assert ("missing" if damage == "missing" else "stored without a checksum") in buf.getvalue()
    assert RunStore(tmp_path).artifact(pre.key) == record
    # with the shared cache, the same damage is repaired from the copy another run left there
    (tmp_path / "artifacts" / record.name).unlink()
    again = run_study(spec, tmp_path, console=QUIET)
    assert again.executed == 0 and again.artifacts_from_cache == 1
    assert ArtifactRecord.of_file(tmp_path / "artifacts" / record.name) == record


def test_a_job_refuses_an_input_artifact_changed_under_it(tmp_path):
    from synreal.errors import UserInputError
    from synreal.study.conditions import check_inputs

    record = ArtifactRecord.of_bytes("pretrain-x.pt", b"weights")
    (tmp_path / record.name).write_bytes(b"weightz")
    with pytest.raises(UserInputError, match=r"pretrain-x.pt: altered: its SHA-256 differs"):
        check_inputs(tmp_path, (record,))


# ----------------------------------------------------------------------------- the shared cache


def test_a_second_study_takes_its_checkpoints_from_the_shared_cache(tmp_path, noisy_digits_npz, capsys):
    spec = validate_spec(tiny_spec(noisy_digits_npz))
    cache = tmp_path / "cache"
    first = run_study(spec, tmp_path / "a", console=QUIET, cache_dir=cache)
    n_pre = sum(j.kind == "pretrain" for j in plan_study(spec).jobs)
    assert first.artifacts_from_cache == 0 and len(ArtifactCache(cache).entries()) == n_pre
    console, buf = _recorder()
    second = run_study(spec, tmp_path / "b", console=console, cache_dir=cache)
    assert second.artifacts_from_cache == n_pre and second.executed == second.planned  # runs only
    assert f"{n_pre} from the shared cache" in buf.getvalue()
    ta, tb = (RunStore(tmp_path / d).tidy() for d in "ab")
    scores = lambda t: t[~t.metric.str.endswith("seconds")].sort_values(["run_id", "metric"])["value"].tolist()  # noqa: E731
    assert scores(ta) == scores(tb)
    # the sample images came along too, for the report
    assert sorted(p.name for p in (tmp_path / "b" / "artifacts" / "samples").glob("*.npz")) == \
        sorted(p.name for p in (tmp_path / "a" / "artifacts" / "samples").glob("*.npz"))
    # a damaged cached copy is never used: it is removed, trained again and republished
    entry = ArtifactCache(cache).entries()[0]
    victim = cache / "artifacts" / entry.key / entry.artifact.name
    victim.write_bytes(b"not a checkpoint")
    console, buf = _recorder()
    third = run_study(spec, tmp_path / "c", console=console, cache_dir=cache)
    assert third.artifacts_from_cache == n_pre - 1 and third.executed == third.planned + 1
    assert "damaged (SHA-256 differs); removed it" in buf.getvalue()
    assert ArtifactRecord.of_file(victim) == entry.artifact
    # synreal cache list | clear
    assert main(["cache", "list", "--cache-dir", str(cache)]) == 0
    listed = capsys.readouterr().out
    assert entry.key in listed and f"{n_pre} artifacts" in listed
    assert main(["cache", "clear", "--cache-dir", str(cache)]) == 0
    assert ArtifactCache(cache).entries() == [] and f"removed {n_pre} artifacts" in capsys.readouterr().out


def test_sharing_can_be_turned_off(tmp_path, noisy_digits_npz):
    spec = validate_spec(tiny_spec(noisy_digits_npz, seeds=[0], cache={"artifacts": False, "dir": str(tmp_path / "c")}))
    run_study(spec, tmp_path / "a", console=QUIET)
    assert ArtifactCache(tmp_path / "c").entries() == []
    assert run_study(spec, tmp_path / "b", console=QUIET).artifacts_from_cache == 0


def test_the_cache_root_is_the_data_caches(monkeypatch, tmp_path):
    from synreal.data.cache import cache_dir

    monkeypatch.setenv("SYNREAL_CACHE_DIR", str(tmp_path))
    assert ArtifactCache().dir == cache_dir() / "artifacts" == tmp_path / "artifacts"


# ----------------------------------------------------------------------------- dry run


def test_dry_run_plans_and_estimates_without_training_or_writing(tmp_path, noisy_digits_npz, capsys):
    from synreal.learners.train import training_steps
    from synreal.study.estimate import dry_run

    spec = validate_spec(tiny_spec(noisy_digits_npz, seeds={"start": 2, "max": 4, "step": 1}))
    out = tmp_path / "out"
    d = dry_run(spec, out, workers=2, cache=None)
    assert not out.exists()
    plan = plan_study(spec)
    first = {j.key for j in plan.jobs if j.kind == "run" and j.seed in (0, 1)}
    rows = {(r.kind, r.condition): r for r in d.rows}
    assert sum(r.planned for r in d.rows if r.kind == "run") == len(first)
    assert rows[("pretrain", "pretrain")].execute == 2 and all(r.reused == 0 for r in d.rows)
    # synthetic-only trains nothing; a real run's estimate is its steps times the calibrated step
    assert rows[("run", "synthetic-only")].seconds == 0
    tr = spec.training.train
    n_real = [j.labels.n_real for j in plan.jobs if j.key in first and j.labels.condition == "real"]
    assert rows[("run", "real")].seconds == pytest.approx(sum(training_steps(n, tr) for n in n_real)
                                                          * d.step_seconds[tr.batch_size])
    assert d.worst_case is not None and d.worst_case >= d.first_round > 0
    # after a run, the dry run finds every job reused, and the CLI prints it
    run_study(validate_spec(tiny_spec(noisy_digits_npz, seeds=[0, 1])), out, console=QUIET)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tiny_spec(noisy_digits_npz, seeds=[0, 1])))
    assert main(["run", str(path), "--out", str(out), "--dry-run", "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "dry run: nothing is trained" in printed and "one training step takes batch 32" in printed
    d2 = dry_run(validate_spec(tiny_spec(noisy_digits_npz, seeds=[0, 1])), out, workers=2, cache=None)
    assert all(r.execute == 0 and r.reused == r.planned for r in d2.rows) and d2.first_round == 0
