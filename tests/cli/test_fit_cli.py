"""``synreal fit`` on CSV tables: output files, printed verdict, filters, bad tables, Mikami's Figure 1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from synreal.cli.main import main

CG = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "cg-transfer" / "results_finetune.csv"
SIZES = [1000, 2000, 4000, 8000, 16000, 32000, 64000]


@pytest.fixture
def runs_csv(tmp_path) -> Path:
    """Seven sizes x three seeds of accuracies from L(n) = 2 n^-0.4 + 0.01."""
    rng = np.random.default_rng(0)
    rows = [{"n_syn": n, "seed": k, "acc": 1 - (2 * n**-0.4 + 0.01) + rng.normal(0, 0.0005)}
            for n in SIZES for k in range(3)]
    path = tmp_path / "runs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_fit_prints_the_verdict_and_writes_json_figure_and_data(runs_csv, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["fit", str(runs_csv), "--n", "n_syn", "--metric", "acc", "--higher-is-better", "--seed", "seed",
               "--n-boot", "200", "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0
    assert "verdict (more-data-pays)" in printed and "alpha" in printed
    summary = json.loads((out / "scaling_fit.json").read_text())
    assert summary["verdict_kind"] == "more-data-pays"
    assert summary["params"]["alpha"]["estimate"] == pytest.approx(0.4, abs=0.02)
    alpha = summary["params"]["alpha"]
    assert alpha["lo"] < alpha["estimate"] < alpha["hi"]
    assert summary["procedure"]["bootstrap"] == "seeds" and summary["input"]["metric"] == "acc"
    assert [p["n"] for p in summary["predictions"]] == [64000, 128000, 640000]
    assert (out / "scaling_fit.png").read_bytes()[:4] == b"\x89PNG"
    assert len(pd.read_csv(out / "scaling_data.csv")) == 21


def test_pin_and_log_space_reach_the_fit(runs_csv, tmp_path):
    out = tmp_path / "out"
    rc = main(["fit", str(runs_csv), "--n", "n_syn", "--metric", "acc", "--higher-is-better", "--seed", "seed",
               "--pin", "D=2", "--space", "log", "--bounds", "alpha=0.1:1.5", "--n-boot", "50", "--out", str(out)])
    assert rc == 0
    summary = json.loads((out / "scaling_fit.json").read_text())
    assert summary["params"]["D"] == {"estimate": 2.0, "lo": 2.0, "hi": 2.0, "pinned": True, "identified": True}
    assert summary["procedure"]["space"] == "log"
    assert summary["procedure"]["bounds"]["alpha"] == [0.1, 1.5]


def test_where_and_last_select_one_setting_of_a_long_table(tmp_path, capsys):
    """A table in the layout of the cg-transfer results: many evaluations and two tasks per size."""
    rng = np.random.default_rng(1)
    rows = []
    for task, C in (("a", 0.3), ("b", 0.1)):
        for n in [0] + SIZES:
            for ev in (1, 2, 3):
                final = 1 - (0.5 * max(n, 1) ** -0.3 + C)
                rows.append({"n_eval": ev, "value": final - 0.05 * (3 - ev) + rng.normal(0, 1e-4),
                             "pretrain.data": n, "task": task})
    path = tmp_path / "long.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    base = ["fit", str(path), "--n", "pretrain.data", "--metric", "value", "--higher-is-better", "--n-boot", "50"]
    rc = main(base + ["--where", "task=b", "--where", "pretrain.data>0", "--last", "n_eval", "--pin", "D=0.5",
                      "--out", str(tmp_path / "o")])
    assert rc == 0
    summary = json.loads((tmp_path / "o" / "scaling_fit.json").read_text())
    assert summary["params"]["C"]["estimate"] == pytest.approx(0.1, abs=1e-3)
    assert summary["params"]["alpha"]["estimate"] == pytest.approx(0.3, abs=1e-2)
    capsys.readouterr()
    # Without --last, the evaluations of one setting collide; the message says which column differs.
    rc = main(base + ["--where", "task=b", "--where", "pretrain.data>0"])
    err = capsys.readouterr().err
    assert rc == 2 and "differ only in 'n_eval'" in err and "--last n_eval" in err


@pytest.mark.parametrize(
    ("csv", "args", "words"),
    [
        ("n,error\n1000,0.5\n2000,0.4\n", [], "at least 3 distinct sizes"),
        ("n,error\n1000,0.5\n0,0.4\n4000,0.3\n", [], "bad.csv:3"),
        ("n,error\n1000,0.5\n2000,\n4000,0.3\n", [], "missing value"),
        ("n,acc\n1000,50\n2000,60\n4000,70\n", ["--metric", "acc", "--higher-is-better"], "must lie in [0, 1]"),
        ("n,acc\n1000,.5\n2000,.6\n4000,.7\n", ["--metric", "acc"], "higher-is-better"),
        ("n,error\n1000,0.5\n2000,0.4\n4000,0.3\n", ["--error", "err"], "no column 'err'"),
        ("n,error\n1000,0.5\n2000,0.4\n4000,0.3\n", ["--pin", "D:0.4"], "expected PARAM=VALUE"),
        ("n,error\n1000,0.5\n2000,0.4\n4000,0.3\n", ["--where", "m=1"], "no column 'm'"),
        ("n,error\n1000,0.5\n2000,0.4\n4000,0.3\n", ["--space", "cubic"], "space must be"),
    ],
)
def test_bad_tables_exit_2_with_one_clear_line(tmp_path, capsys, csv, args, words):
    path = tmp_path / "bad.csv"
    path.write_text(csv)
    rc = main(["fit", str(path), "--n-boot", "0", *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert words in " ".join(err.split())  # rich may wrap long lines
    assert "Traceback" not in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_reproduces_mikami_figure1_from_the_released_csv(tmp_path):
    if not CG.is_file():
        pytest.skip("../shared/data/cg-transfer is not present")
    out = tmp_path / "mikami"
    rc = main(["fit", str(CG), "--n", "pretrain.data", "--metric", "value", "--higher-is-better",
               "--where", "model=r50", "--where", "pscale=64k", "--where", "fratio=1", "--where", "pdata=bop",
               "--where", "ptask=mulclass", "--where", "ftask=sinclass", "--where", "pretrain.data>0",
               "--last", "n_eval", "--pin", "D=0.48", "--bounds", "alpha=0.1:1.5", "--bounds", "C=0:1",
               "--space", "linear", "--n-boot", "200", "--out", str(out)])
    assert rc == 0
    summary = json.loads((out / "scaling_fit.json").read_text())
    d = pd.read_csv(CG)
    d = d[(d.model == "r50") & (d.pscale == "64k") & (d.fratio == 1) & (d.pdata == "bop") & (d.ptask == "mulclass")
          & (d.ftask == "sinclass") & (d["pretrain.data"] > 0)]
    last = d.loc[d.groupby("pretrain.data")["n_eval"].idxmax()]
    x, y = last["pretrain.data"].to_numpy(float), 1 - last["value"].to_numpy(float)
    popt, _ = optimize.curve_fit(lambda n, a, c: c + 0.48 * n**-a, x, y, p0=[0.2, 0.8], bounds=([0.1, 0], [1.5, 1]))
    assert summary["params"]["alpha"]["estimate"] == pytest.approx(popt[0], rel=1e-5)
    assert summary["params"]["C"]["estimate"] == pytest.approx(popt[1], rel=1e-6)
    assert summary["verdict_kind"] == "gap-dominates"


def test_an_error_column_outside_the_unit_interval_warns_naming_file_column_and_line(tmp_path, capsys):
    path = tmp_path / "pct.csv"
    path.write_text("n,error\n1000,0.5\n2000,42\n4000,0.3\n8000,0.25\n")
    rc = main(["fit", str(path), "--n-boot", "0"])
    out, err = capsys.readouterr()
    assert rc == 0 and "verdict (" in out  # a warning, not a refusal: the fit goes on
    text = " ".join(err.split())
    assert "warning:" in text and f"{path}:3: error:" in text and "found 42" in text and "[0, 1]" in text
    # Declared as a loss, the same column is fitted without a warning.
    rc = main(["fit", str(path), "--n-boot", "0", "--metric", "error", "--lower-is-better"])
    assert rc == 0 and "warning" not in capsys.readouterr().err


def test_an_accuracy_outside_the_unit_interval_is_refused_naming_file_column_and_line(tmp_path, capsys):
    path = tmp_path / "acc.csv"
    path.write_text("n,acc\n1000,0.5\n2000,0.6\n4000,1.2\n8000,0.8\n")
    rc = main(["fit", str(path), "--n-boot", "0", "--metric", "acc", "--higher-is-better"])
    err = " ".join(capsys.readouterr().err.split())
    assert rc == 2 and f"{path}:4: acc:" in err and "found 1.2" in err and "Traceback" not in err
