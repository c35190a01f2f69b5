"""``synreal advise`` on a plain CSV and on a finished study's store; bad input exits with code 2."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from synreal.analysis.advice.planted import PlantedLaws, planted_runs, true_cheapest
from synreal.analysis.meta import StudyMeta
from synreal.cli.main import main
from synreal.study.jobs import RunLabels
from synreal.study.store import RunStore

LAWS = PlantedLaws()
COSTS = ["--cost", "real=0.40", "--cost", "synthetic=0.002"]


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory) -> Path:
    """A planted study as a user's table: n (0 for real data alone), s, seed, accuracy."""
    frame = planted_runs(LAWS, 4, 0)
    table = frame.rename(columns={"n_synthetic": "n", "n_real": "s"}).assign(accuracy=1 - frame["error"])
    path = tmp_path_factory.mktemp("advise") / "runs.csv"
    table[["n", "s", "seed", "accuracy"]].to_csv(path, index=False)
    return path


def test_advise_on_a_table_prints_the_advice_and_writes_its_files(runs_csv, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["advise", str(runs_csv), "--target", "accuracy=0.95", *COSTS, "--higher-is-better", "--seed", "seed",
               "--n-boot", "100", "--level", "0.9", "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0
    assert "real data alone needs about" in printed and "recommended" in printed
    summary = json.loads((out / "advice.json").read_text())
    assert summary["best"] == "synthetic|all|grid"
    truth = true_cheapest(LAWS, 0.05, 0.4, 0.002)
    best = next(o for o in summary["options"] if o["key"] == summary["best"])
    cost = best["point"]["cost"]
    assert cost[0] == pytest.approx(truth["cost"], rel=0.15) and cost[1] < cost[0] < cost[2]
    assert best["comparison"][1] > 0 and best["recommendation"] == "recommended"
    assert best["cross_validation"]["tested"] == len(best["cross_validation"]["cells"])
    assert {p.name for p in out.glob("*.png")} == {"advice_costs.png", "advice_synthetic_all_grid.png"}
    frontier = out / "frontier_synthetic_all_grid.csv"
    assert "advised_cost" in frontier.read_text().splitlines()[0]


def _store(tmp_path: Path, advice: dict | None) -> Path:
    """A finished study's output folder holding a planted study (tidy rows, plan and meta)."""
    frame = planted_runs(LAWS, 3, 0)
    store = RunStore(tmp_path / "study")
    jobs = []
    for i, r in frame.iterrows():
        labels = RunLabels(condition=r["condition"], source=r["source"], n_synthetic=int(r["n_synthetic"]),
                           real_fraction=float(r["n_real"]) / 1000, n_real=int(r["n_real"]), seed=int(r["seed"]))
        job = SimpleNamespace(key=f"run{i}", kind="run", config=labels, seed=labels.seed, labels=labels)
        jobs.append(job)
        store.put(job, "fp", "0", {"accuracy": 1 - r["error"], "run_seconds": 60.0})
    spec = {"name": "planted"} | ({"advice": advice} if advice else {})
    store.set_plan(jobs, StudyMeta(name="planted", metric="accuracy", higher_is_better=True, n_train_real=1000,
                                   level=0.9, spec=spec))
    store.close()
    return tmp_path / "study"


def test_advise_on_a_study_uses_its_advice_section_and_its_run_times(tmp_path, capsys):
    advice = {"costs": {"real_sample": 0.4, "synthetic_sample": 0.002, "compute_hour": 3.6},
              "target": {"metric": "accuracy", "value": 0.95}}
    folder = _store(tmp_path, advice)
    out = tmp_path / "out"
    assert main(["advise", str(folder), "--n-boot", "60", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "pre-training on planted images" in printed and "90% interval" in printed
    summary = json.loads((out / "advice.json").read_text())
    ref = summary["options"][0]
    # every run took 60 s: one hour costs 3.6, so compute adds 3.6 / 60 = 0.06 to each purchase
    assert ref["point"]["hours"] == pytest.approx(60 / 3600)
    assert ref["point"]["cost"][0] == pytest.approx(0.4 * ref["point"]["n_real"][0] + 0.06)
    # the command line overrides the study's goal
    assert main(["advise", str(folder), "--budget", "100", "--n-boot", "60"]) == 0
    assert "With a budget of 100.00" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (["--target", "accuracy=0.95", "--cost", "real=-0.4"], "advice.costs.real_sample"),
    (["--target", "accuracy=1.5", *COSTS], "strictly between 0 and 1"),
    (["--target", "accuracy=0.95", "--cost", "synthetic=0.002"], "the price of a real sample"),
    (["--target", "accuracy=0.95", "--cost", "labels=3"], "unknown cost 'labels'"),
    (["--target", "accuracy=0.95", "--budget", "10", *COSTS], "not both"),
    (["--target", "accuracy", *COSTS], "expected METRIC=VALUE"),
    (["--target", "accuracy=0.95", *COSTS], "higher-is-better"),
])
def test_bad_input_exits_2_with_one_line(runs_csv, args, words, capsys):
    extra = [] if words == "higher-is-better" else ["--higher-is-better"]
    assert main(["advise", str(runs_csv), *args, *extra, "--n-boot", "20"]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_table_or_study_without_a_real_only_curve_exits_2(runs_csv, tmp_path, capsys):
    assert main(["advise", str(runs_csv), "--where", "n>0", "--target", "accuracy=0.95", *COSTS,
                 "--higher-is-better", "--seed", "seed", "--n-boot", "20"]) == 2
    assert "no real-only learning curve" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["advise", str(tmp_path / "empty"), "--target", "accuracy=0.95", *COSTS]) == 2
    assert "no study results here" in capsys.readouterr().err
    assert main(["advise", str(tmp_path / "nothing.csv"), "--target", "accuracy=0.95", *COSTS]) == 2
    assert "no such file" in capsys.readouterr().err


def test_an_unreachable_target_exits_2(tmp_path, capsys):
    frame = planted_runs(PlantedLaws(real=(1.0, 0.5, 0.06), joint=(6.0, 0.05, 0.5, 0.0)), 3, 0)
    path = tmp_path / "flat.csv"
    frame.rename(columns={"n_synthetic": "n", "n_real": "s"}).to_csv(path, index=False)
    assert main(["advise", str(path), "--error", "error", "--target", "error=0.05", *COSTS, "--seed", "seed",
                 "--n-boot", "20"]) == 2
    assert "no option reaches error 0.05" in capsys.readouterr().err
