"""The "What to buy" section: computed once in the study analysis, formatted by the report."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from synreal.analysis.advice.planted import PlantedLaws, planted_runs, true_cheapest
from synreal.analysis.meta import StudyMeta
from synreal.analysis.study import analyse_study, settings_from_meta
from synreal.report.html import build_report

LAWS = PlantedLaws()
ADVICE = {"costs": {"real_sample": 0.4, "synthetic_sample": 0.002}, "target": {"metric": "accuracy", "value": 0.95}}


def _tidy(frame):
    """A planted study as the study engine's tidy table (accuracy and run times)."""
    t = frame.assign(run_id=[f"r{i}" for i in range(len(frame))], real_fraction=frame["n_real"] / 1000,
                     metric="accuracy", value=1 - frame["error"])
    cols = ["run_id", "condition", "source", "n_synthetic", "real_fraction", "n_real", "seed", "metric", "value"]
    return pd.concat([t[cols], t.assign(metric="run_seconds", value=30.0)[cols]], ignore_index=True)


def _meta(advice):
    spec = {"name": "planted", "report": {"level": 0.9, "tolerance": 0.01}}
    if advice is not None:
        spec["advice"] = advice
    return StudyMeta(name="planted", metric="accuracy", higher_is_better=True, n_train_real=1000, level=0.9,
                     n_boot=100, spec=spec)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    table = _tidy(planted_runs(LAWS, 4, 0))
    out = tmp_path_factory.mktemp("advice-report")
    paths = build_report(table, _meta(ADVICE), out, level=0.9)
    return paths, json.loads(paths.summary.read_text())


def test_the_analysis_carries_the_advice_only_when_the_spec_asks():
    table = _tidy(planted_runs(LAWS, 4, 0))
    with_advice = analyse_study(table, settings_from_meta(_meta(ADVICE), 0.9), n_boot=60)
    assert with_advice.advice is not None and with_advice.advice.goal.value == 0.95
    assert analyse_study(table, settings_from_meta(_meta(None), 0.9), n_boot=60).advice is None


def test_section_reports_the_purchase_its_saving_and_figures(built):
    paths, summary = built
    assert "advice" in summary["report"]["sections"]
    lead = [h["text"] for h in summary["headlines"] if h["section"] == "advice"]
    assert lead and "real data alone needs about" in lead[0] and "recommended" in lead[0]
    data = summary["sections"]["advice"]
    truth = true_cheapest(LAWS, 0.05, 0.4, 0.002)
    best = next(o for o in data["options"] if o["key"] == data["best"])
    # every run took 30 s and compute is free here: the cost is the data's alone
    assert best["point"]["cost"][0] == pytest.approx(truth["cost"], rel=0.15)
    assert best["point"]["hours"] == pytest.approx(30 / 3600)
    names = {p.name for p in paths.figures}
    assert {"advice_costs.png", "advice_pretrain_planted_grid.png"} <= names
    page = paths.html.read_text(encoding="utf-8")
    assert "<h2>What to buy</h2>" in page and "Cross-validation: real" in page
    assert "What to buy" in (paths.out_dir / "findings.md").read_text()


def test_a_study_without_a_real_only_curve_gets_a_warning_not_a_failure(tmp_path):
    frame = planted_runs(LAWS, 3, 0)
    table = _tidy(frame[frame["condition"] != "real"])
    paths = build_report(table, _meta(ADVICE), tmp_path, level=0.9)
    summary = json.loads(paths.summary.read_text())
    assert "advice" not in summary["report"]["sections"]
    assert any(w.startswith("No purchase advice: no real-only learning curve") for w in summary["warnings"])
