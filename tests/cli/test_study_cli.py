"""The study commands end to end: run a tiny study through the CLI, check store and report."""

import json
import re

import pandas as pd
import pytest
import yaml

from synreal.cli.main import main
from synreal.cli.study import demo_spec_path
from synreal.study.spec import load_spec
from synreal.study.store import RunStore
from tests.conftest import REPO, tiny_spec


def test_demo_runs_exactly_the_example_spec():
    assert demo_spec_path().read_bytes() == (REPO / "examples" / "digits.yaml").read_bytes()
    spec = load_spec(demo_spec_path())
    assert len(spec.seed_list) >= 3 and len(spec.real_fractions) >= 5
    conditions = {c.condition for c in spec.conditions}
    assert {"real", "real+aug", "pretrain", "mix", "synthetic-only"} <= conditions
    assert len(spec.sources) >= 2 and spec.scaling is not None


def test_the_adaptive_example_is_the_demo_with_adaptive_seeds():
    demo = load_spec(demo_spec_path()).model_dump(mode="json")
    adaptive = load_spec(REPO / "examples" / "digits-adaptive.yaml")
    assert adaptive.adaptive is not None and adaptive.adaptive.start >= 3 and adaptive.adaptive.max > 3
    other = adaptive.model_dump(mode="json")
    assert {k: v for k, v in other.items() if k not in ("name", "seeds")} == \
        {k: v for k, v in demo.items() if k not in ("name", "seeds")}


@pytest.mark.slow
def test_run_then_report_through_the_cli(tmp_path, noisy_digits_npz, capsys):
    spec = tiny_spec(noisy_digits_npz, seeds=[0, 1, 2], real_fractions=[0.1, 0.3, 1.0])
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 0
    tidy = RunStore(out).tidy()
    acc = tidy[tidy.metric == "accuracy"]
    # every planned run is stored once, every accuracy is a probability
    assert len(acc) == 3 * (2 * 3 + 3 + 1) and acc.run_id.is_unique
    assert acc.value.between(0, 1).all()
    for name in ("report.html", "summary.json", "results.csv"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert re.findall(r"<img[^>]+src=\"data:image/png;base64,", html)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["meta"]["data_fingerprint"] == RunStore(out).meta().data_fingerprint
    table = pd.read_csv(out / "results.csv")
    assert set(table.condition) == {"real", "real+aug", "pretrain", "synthetic-only"}
    # the report is rebuilt from the store alone, identically
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").read_text() == html


def test_bad_spec_exits_2_with_one_line(tmp_path, noisy_digits_npz, capsys):
    spec = tiny_spec(noisy_digits_npz)
    spec["learner"]["params"] = {"widht": 4}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "learner.params.widht" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_report_on_an_empty_directory_is_a_user_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "results.sqlite" in capsys.readouterr().err


def test_list_shows_every_registry(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("digits", "render-digits", "small-cnn", "pretrain", "synthetic-only", "local"):
        assert name in out
