"""``synreal mot``: generate, info/read, show, eval, embedded, activities."""

from __future__ import annotations

from pathlib import Path

import pytest

from synreal.cli.main import main
from synreal.tracking.embedded import write_tud
from synreal.tracking.metrics import evaluate_folders


@pytest.fixture
def tud(tmp_path: Path) -> tuple[Path, Path]:
    return write_tud(tmp_path / "tud")


def test_eval_prints_per_sequence_and_combined_tables(tud: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    gt_root, tr_root = tud
    assert main(["mot", "eval", str(gt_root), str(tr_root), "--out", str(tmp_path / "res")]) == 0
    out = capsys.readouterr().out
    expected = evaluate_folders(gt_root, tr_root)[0]
    for seq in ("TUD-Campus", "TUD-Stadtmitte", "COMBINED"):
        assert seq in out
    c = expected.summary()
    assert f"{100 * c['HOTA']:.3f}" in out and f"{100 * c['MOTA']:.3f}" in out and f"{100 * c['IDF1']:.3f}" in out
    assert (tmp_path / "res" / "pedestrian_summary.txt").is_file()
    assert (tmp_path / "res" / "pedestrian_detailed.csv").is_file()
    assert (tmp_path / "res" / "results.csv").is_file()


def test_eval_of_a_malformed_file_is_one_line_and_exit_2(tud: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    gt_root, tr_root = tud
    bad = tr_root / "motmetrics-sample" / "data" / "TUD-Campus.txt"
    lines = bad.read_text().splitlines()
    lines[4] = "5,3,abc,274.5,57.3,130.05,-1,-1,-1,-1"
    bad.write_text("\n".join(lines) + "\n")
    assert main(["mot", "eval", str(gt_root), str(tr_root)]) == 2
    # One message (the console may fold it at the terminal width, so join the lines).
    err = "".join(capsys.readouterr().err.splitlines())
    assert err.startswith("error: ")
    assert f"{bad}:5" in err and "expected a number, found 'abc'" in err


def test_eval_rejects_an_unknown_benchmark(tud: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mot", "eval", str(tud[0]), str(tud[1]), "--benchmark", "MOT99"]) == 2
    assert "expected one of auto, MOT15" in capsys.readouterr().err


def test_generate_info_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: clip\nsequences: 2\nscene: {frames: 4, activities: {dance: 1}}\ncamera: {width: 128, height: 72}\n")
    out = tmp_path / "out"
    assert main(["mot", "generate", str(spec), "--out", str(out), "--no-images"]) == 0
    assert "2 sequence(s) generated" in capsys.readouterr().out
    assert not (out / "clip-0000" / "img1").exists()
    assert main(["mot", "generate", str(spec), "--out", str(out), "--no-images"]) == 0
    assert "reused 2" in capsys.readouterr().out
    assert main(["mot", "generate", str(spec), "--out", str(tmp_path / "img"), "-n", "1"]) == 0
    assert len(list((tmp_path / "img" / "clip-0000" / "img1").glob("*.jpg"))) == 4
    capsys.readouterr()
    assert main(["mot", "info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "clip-0000" in text and "clip-0001" in text
    assert main(["mot", "read", str(out / "clip-0000")]) == 0
    video = tmp_path / "clip.gif"
    assert main(["mot", "show", str(tmp_path / "img" / "clip-0000"), "--out", str(video)]) == 0
    assert video.is_file() and (tmp_path / "clip_sheet.jpg").is_file()


def test_spec_mistake_is_exit_2_with_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: clip\nscene:\n  layout: two-groups\n")
    assert main(["mot", "generate", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = "".join(capsys.readouterr().err.splitlines())
    assert f"{spec}:3" in err and "scene.layout" in err


def test_embedded_and_activities(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mot", "embedded", "--out", str(tmp_path / "tud")]) == 0
    assert (tmp_path / "tud" / "gt" / "TUD-Campus" / "gt" / "gt.txt").is_file()
    assert main(["mot", "activities"]) == 0
    out = capsys.readouterr().out
    for name in ("walk", "wait", "queue", "talk", "dance", "run"):
        assert name in out
