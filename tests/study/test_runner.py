"""The engine end to end on tiny studies: planning, reuse, determinism, resume."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from rich.console import Console

from synreal.study.jobs import job_key
from synreal.study.runner import plan_study, run_study
from synreal.study.spec import validate_spec
from synreal.study.store import RunStore
from tests.conftest import REPO, tiny_spec

QUIET = Console(file=open(os.devnull, "w"))


def test_plan_shares_one_pretraining_across_fractions(noisy_digits_npz):
    spec = validate_spec(tiny_spec(noisy_digits_npz))
    plan = plan_study(spec)
    jobs, meta = plan.jobs, plan.meta
    pre = [j for j in jobs if j.kind == "pretrain"]
    runs = [j for j in jobs if j.kind == "run"]
    # one checkpoint per (source, size, seed), used by every fraction and by synthetic-only
    assert len(pre) == len(spec.seeds)
    users = [r for r in runs if r.deps]
    assert len(users) == len(spec.seeds) * (len(spec.real_fractions) + 1)
    assert len({j.key for j in jobs}) == len(jobs)
    assert meta.n_train_real + meta.n_test_real == 1797


def test_key_depends_on_config_version_and_data(noisy_digits_npz):
    job = next(j for j in plan_study(validate_spec(tiny_spec(noisy_digits_npz))).jobs if j.kind == "run")
    cfg = job.config
    k = job_key(cfg, "fp")
    # the same content (rebuilt from its own JSON) gives the same key; config, version and data each change it
    assert k == job_key(type(cfg).model_validate_json(cfg.model_dump_json()), "fp")
    assert k != job_key(cfg, "fp2") and k != job_key(cfg, "fp", version="9.9")
    assert k != job_key(cfg.model_copy(update={"seed": cfg.seed + 1}), "fp")


def test_rerun_reuses_everything_and_new_cells_only_run_once(tmp_path, noisy_digits_npz):
    spec = validate_spec(tiny_spec(noisy_digits_npz))
    first = run_study(spec, tmp_path, console=QUIET)
    assert first.executed == first.planned + len(spec.seeds)  # runs + pretrainings
    again = run_study(spec, tmp_path, console=QUIET)
    assert again.executed == 0 and again.reused == first.planned
    wider = validate_spec(tiny_spec(noisy_digits_npz, real_fractions=[0.2, 0.5, 1.0]))
    third = run_study(wider, tmp_path, console=QUIET)
    # only the new fraction runs; the pre-training checkpoints are reused
    assert third.executed == 3 * len(spec.seeds) and third.artifacts_reused == len(spec.seeds)


def test_same_spec_same_numbers_across_executors(tmp_path, noisy_digits_npz):
    spec = tiny_spec(noisy_digits_npz, conditions=["real", {"condition": "mix", "n_synthetic": [200]}])
    run_study(validate_spec(spec), tmp_path / "a", console=QUIET)
    run_study(validate_spec(spec), tmp_path / "b", console=QUIET, executor="local", workers=2)
    a, b = RunStore(tmp_path / "a").tidy(), RunStore(tmp_path / "b").tidy()
    acc = lambda t: t[t.metric == "accuracy"].sort_values("run_id")[["run_id", "value"]].to_numpy()  # noqa: E731
    assert np.array_equal(acc(a), acc(b))
    # a different seed gives different numbers (the seed really drives the run)
    other = validate_spec(dict(spec, seeds=[5, 6]))
    run_study(other, tmp_path / "c", console=QUIET)
    assert not np.array_equal(acc(a)[:, 1], acc(RunStore(tmp_path / "c").tidy())[:, 1])


def test_interrupted_study_resumes_without_loss_or_duplicates(tmp_path, noisy_digits_npz):
    spec = validate_spec(tiny_spec(noisy_digits_npz))
    partial = run_study(spec, tmp_path, console=QUIET, max_jobs=5)
    assert partial.executed == 5
    stored = RunStore(tmp_path).done_keys()
    assert len(stored) == 5
    rest = run_study(spec, tmp_path, console=QUIET)
    jobs = plan_study(spec).jobs
    assert rest.executed == len(jobs) - 5
    con = sqlite3.connect(tmp_path / "results.sqlite")
    assert con.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM jobs").fetchone() == (len(jobs), len(jobs))


@pytest.mark.slow
def test_kill_9_loses_no_finished_run(tmp_path, noisy_digits_npz):
    spec = tiny_spec(noisy_digits_npz, seeds=[0, 1, 2], executor={"kind": "local", "workers": 2})
    spec["training"]["train"]["min_steps"] = 60
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "synreal", "run", str(path), "--out", str(out), "--no-report"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    db = out / "results.sqlite"
    deadline = time.time() + 120
    n_before = 0
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                n_before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
            except sqlite3.OperationalError:
                n_before = 0
            if n_before >= 4:
                break
        time.sleep(0.2)
    assert proc.poll() is None, "the study finished before it could be killed; make it longer"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = RunStore(out).done_keys()
    assert len(kept) >= n_before
    resumed = run_study(validate_spec(spec), out, console=QUIET)
    jobs = plan_study(validate_spec(spec)).jobs
    assert resumed.executed == len(jobs) - len(kept)
    assert RunStore(out).done_keys() == {j.key for j in jobs}


def _adaptive(npz: Path, **over: object) -> dict:
    return tiny_spec(npz, seeds={"start": 2, "max": 4, "step": 1}, real_fractions=[0.2, 0.5, 1.0],
                     report={"tolerance": 0.02}, **over)


def test_adaptive_seeds_go_only_to_cells_with_undecided_verdicts(tmp_path, noisy_digits_npz):
    from synreal.analysis.study import analyse_study, settings_from_meta

    spec = validate_spec(_adaptive(noisy_digits_npz))
    out = run_study(spec, tmp_path, console=QUIET)
    store = RunStore(tmp_path)
    t = store.tidy()
    meta = store.meta()
    acc = t[t["metric"] == "accuracy"]
    seeds = acc.groupby(["condition", "source", "n_synthetic", "real_fraction"])["seed"].nunique()
    assert seeds.min() == 2 and seeds.max() > 2  # some cells got more seeds, not all
    assert meta.looks.sizes == (2, 3, 4)
    # replay the engine's rounds: a cell got more seeds exactly when a verdict it serves was undecided
    from synreal.analysis.study import cells_needing_seeds

    settings = settings_from_meta(meta, 0.95)
    need2 = cells_needing_seeds(analyse_study(t[t["seed"] < 2], settings))
    need3 = cells_needing_seeds(analyse_study(t[t["seed"] < 3], settings)) if need2 else set()
    got_more = {(c, s, int(n), float(f)) for (c, s, n, f), k in seeds.items() if k >= 3}
    assert need2 and got_more == need2 | need3
    store.close()
    # a rerun replays the same rounds from the store and trains nothing
    again = run_study(spec, tmp_path, console=QUIET)
    assert again.executed == 0 and again.planned == out.planned


def test_adaptive_seeds_give_the_same_numbers_on_every_executor(tmp_path, noisy_digits_npz):
    spec = validate_spec(_adaptive(noisy_digits_npz, conditions=["real", {"condition": "pretrain", "n_synthetic": [200]}]))
    a = run_study(spec, tmp_path / "a", console=QUIET)
    b = run_study(spec, tmp_path / "b", console=QUIET, executor="local", workers=2)
    ta, tb = (RunStore(tmp_path / d).tidy() for d in "ab")
    key = ["condition", "source", "n_synthetic", "real_fraction", "seed", "metric"]
    m = ta[ta.metric == "accuracy"].merge(tb[tb.metric == "accuracy"], on=key)
    assert len(m) == len(ta[ta.metric == "accuracy"]) == len(tb[tb.metric == "accuracy"])
    assert (m["value_x"] == m["value_y"]).all() and a.planned == b.planned
