"""Bad input through the command line: exit 2, one message naming the file and the key or line.

Each case builds its input in a fresh folder and says what the message must name: the file
(and line) or the key, and for data a spec points at, the spec's file, line and key as well
as the data file. None may print a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from synreal.cli.main import main
from synreal.tracking.embedded import write_tud
from tests.conftest import tiny_spec

Case = Callable[[Path, Path], tuple[list[str], list[str]]]


def _line(path: Path, text: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line of ``path`` that contains ``text``."""
    hits = [i + 1 for i, ln in enumerate(path.read_text().splitlines()) if text in ln]
    return hits[nth - 1]


def _spec_file(tmp: Path, npz: Path, **over: object) -> Path:
    path = tmp / "study.yaml"
    path.write_text(yaml.safe_dump(tiny_spec(npz, seeds=[0], **over), sort_keys=False))
    return path


def _a_file(tmp: Path) -> Path:
    f = tmp / "taken"
    f.write_text("not a folder")
    return f


# ----------------------------------------------------------------------------- output folders


def run_out_is_a_file(tmp: Path, npz: Path):
    f = _a_file(tmp)
    return ["run", str(_spec_file(tmp, npz)), "--out", str(f)], [f"{f}: --out: exists and is a file"]


def fit_out_is_a_file(tmp: Path, npz: Path):
    f = _a_file(tmp)
    (tmp / "t.csv").write_text("n,error\n1,0.5\n2,0.4\n4,0.3\n")
    return ["fit", str(tmp / "t.csv"), "--out", str(f)], [f"{f}: --out: exists and is a file"]


def mot_generate_out_is_a_file(tmp: Path, npz: Path):
    f = _a_file(tmp)
    spec = tmp / "scene.yaml"
    spec.write_text("name: clip\nsequences: 1\nscene: {frames: 2, activities: {dance: 1}}\n")
    return ["mot", "generate", str(spec), "--out", str(f), "--no-images"], [f"{f}: --out: exists and is a file"]


def mot_eval_out_is_a_file(tmp: Path, npz: Path):
    f = _a_file(tmp)
    gt, tr = write_tud(tmp / "tud")
    return ["mot", "eval", str(gt), str(tr), "--out", str(f)], [f"{f}: --out: exists and is a file"]


# ----------------------------------------------------------------------------- spec files


def binary_spec(tmp: Path, npz: Path):
    path = tmp / "study.yaml"
    path.write_bytes(b"name: x\nseeds: [0]\n\xff\xfe\x00binary\n")
    return ["run", str(path)], [f"{path}:3: not a text file (UTF-8): byte 0xff"]


def duplicate_key(tmp: Path, npz: Path):
    path = _spec_file(tmp, npz)
    path.write_text(path.read_text() + "learner:\n  name: small-cnn\n")
    line = _line(path, "learner:", 2)
    return ["run", str(path)], [f"{path}:{line}: learner: duplicate key 'learner' (first written at line "
                                f"{_line(path, 'learner:')})"]


def duplicate_key_in_a_scene_spec(tmp: Path, npz: Path):
    path = tmp / "scene.yaml"
    path.write_text("name: clip\nscene:\n  frames: 2\n  frames: 3\n")
    return ["mot", "generate", str(path), "--out", str(tmp / "o")], [f"{path}:4: scene.frames: duplicate key 'frames'"]


def duplicate_source_names(tmp: Path, npz: Path):
    path = _spec_file(tmp, npz, sources=[{"name": "noisy", "kind": "npz", "path": str(npz)},
                                         {"name": "noisy", "kind": "render-digits"}])
    return ["run", str(path)], [f"{path}:{_line(path, 'name: noisy', 2)}: sources[1].name: source names must be unique"]


def undefined_source(tmp: Path, npz: Path):
    path = _spec_file(tmp, npz, conditions=["real", {"condition": "mix", "sources": ["nosuch"], "n_synthetic": [10]}])
    return ["run", str(path)], [f"{path}:{_line(path, '- nosuch')}: conditions[1].sources[0]: names source 'nosuch'"]


def address_without_ray(tmp: Path, npz: Path):
    path = _spec_file(tmp, npz, executor={"kind": "local", "address": "auto"})
    return ["run", str(path)], [f"{path}:{_line(path, 'address:')}: executor.address: address applies to the ray "
                                "executor only"]


# ----------------------------------------------------------------------------- options


def workers_zero(tmp: Path, npz: Path):
    return ["run", str(_spec_file(tmp, npz)), "--workers", "0"], ["Invalid value for '--workers'", "greater than or equal to 1"]


def executor_bogus(tmp: Path, npz: Path):
    return (["run", str(_spec_file(tmp, npz)), "--executor", "bogus", "--out", str(tmp / "o")],
            ["--executor: unknown executor 'bogus'; registered: inline, local, ray"])


def executor_bogus_in_the_spec(tmp: Path, npz: Path):
    path = _spec_file(tmp, npz, executor={"kind": "bogus"})
    return ["run", str(path)], [f"{path}:{_line(path, 'kind: bogus')}: executor.kind: unknown executor 'bogus'"]


# ----------------------------------------------------------------------------- data behind spec keys


def real_data_without_images(tmp: Path, npz: Path):
    bad = tmp / "real.npz"
    np.savez(bad, labels=np.arange(10))
    path = _spec_file(tmp, npz, real={"dataset": "npz", "path": str(bad)})
    return ["run", str(path), "--out", str(tmp / "o")], [
        f"{path}:{_line(path, 'path: ' + str(bad))}: real.path: {bad}: images: {bad} has no array 'images'"]


def source_data_broken(tmp: Path, npz: Path):
    bad = tmp / "syn.npz"
    bad.write_bytes(b"PK\x03\x04 truncated zip")
    path = _spec_file(tmp, npz, sources=[{"name": "noisy", "kind": "npz", "path": str(bad)}])
    return ["run", str(path), "--out", str(tmp / "o")], [
        f"{path}:{_line(path, 'path: ' + str(bad))}: sources[0].path: cannot read {bad} as .npz"]


def retrieval_pool_missing(tmp: Path, npz: Path):
    path = _spec_file(tmp, npz, conditions=["real"], real={"pool_fraction": 0.3},
                      retrieval={"pool": str(tmp / "nosuch"), "sizes": [20], "generator": None})
    return ["run", str(path), "--out", str(tmp / "o")], [
        f"{path}:{_line(path, 'pool: ')}: retrieval.pool: no such file or directory: {tmp / 'nosuch'}"]


def retrieval_size_beyond_the_pool(tmp: Path, npz: Path):
    path = _spec_file(tmp, npz, conditions=["real"], real={"pool_fraction": 0.3},
                      retrieval={"pool": "embedded", "sizes": [100000], "generator": None})
    return ["run", str(path), "--out", str(tmp / "o"), "--executor", "inline"], [
        f"{path}:{_line(path, 'sizes:')}: retrieval.sizes: 100000 retrieved images were requested but pool"]


def pool_caption_outside_the_pool(tmp: Path, npz: Path):
    from synreal.data.datasets import load_digits_set
    from synreal.retrieval import digits_pool
    from synreal.retrieval.pool import save_pool

    root = save_pool(digits_pool(load_digits_set().subset(np.arange(60)), seed=0, n_distractors=10), tmp / "pool")
    captions = root / "captions.jsonl"
    rows = captions.read_text().splitlines()
    row = json.loads(rows[3])
    shutil.copyfile(root / row["file"], tmp / "elsewhere.png")
    row["file"] = "../elsewhere.png"
    rows[3] = json.dumps(row)
    captions.write_text("\n".join(rows) + "\n")
    path = _spec_file(tmp, npz, conditions=["real"], real={"pool_fraction": 0.3},
                      retrieval={"pool": str(root), "sizes": [10], "generator": None})
    return ["run", str(path), "--out", str(tmp / "o"), "--executor", "inline"], [
        f"{path}:{_line(path, 'pool: ')}: retrieval.pool: {captions}:4: image '../elsewhere.png' lies outside the pool "
        f"folder {root}"]


# ----------------------------------------------------------------------------- MOTChallenge files


def _sequence(tmp: Path, rows: list[str]) -> Path:
    """A MOT17-style sequence folder (9-column ground truth) with these gt rows."""
    seq = tmp / "seqs" / "S-01"
    (seq / "gt").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=S-01\nimDir=img1\nframeRate=30\nseqLength=5\n"
                                     "imWidth=640\nimHeight=480\nimExt=.jpg\n")
    (seq / "gt" / "gt.txt").write_text("\n".join(rows) + "\n")
    return seq


GOOD = "1,1,100,200,30,120,1,1,0.8"


def mot_zero_width_box(tmp: Path, npz: Path):
    seq = _sequence(tmp, [GOOD, GOOD.replace("1,1,", "1,2,"), "2,1,100,200,0,120,1,1,0.8"])
    return ["mot", "info", str(seq)], [f"{seq / 'gt' / 'gt.txt'}:3: box: expected width and height > 0",
                                       "found [100.0, 200.0, 0.0, 120.0]"]


def mot_nan_visibility(tmp: Path, npz: Path):
    seq = _sequence(tmp, [GOOD, "2,1,100,200,30,120,1,1,nan"])
    return ["mot", "info", str(seq)], [f"{seq / 'gt' / 'gt.txt'}:2: visibility: expected a finite number, found nan"]


def mot_eval_infinite_score(tmp: Path, npz: Path):
    gt, tr = write_tud(tmp / "tud")
    f = tr / "motmetrics-sample" / "data" / "TUD-Campus.txt"
    rows = f.read_text().splitlines()
    rows[1] = "1,6,273.05,203.83,77.366,175.56,inf,-1,-1,-1"
    f.write_text("\n".join(rows) + "\n")
    return ["mot", "eval", str(gt), str(tr)], [f"{f}:2: score: expected a finite number, found inf"]


CASES: list[Case] = [
    run_out_is_a_file, fit_out_is_a_file, mot_generate_out_is_a_file, mot_eval_out_is_a_file,
    binary_spec, duplicate_key, duplicate_key_in_a_scene_spec, duplicate_source_names, undefined_source,
    address_without_ray, workers_zero, executor_bogus, executor_bogus_in_the_spec,
    real_data_without_images, source_data_broken, retrieval_pool_missing, retrieval_size_beyond_the_pool,
    pool_caption_outside_the_pool, mot_zero_width_box, mot_nan_visibility, mot_eval_infinite_score,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_exits_2_naming_file_and_key(case: Case, tmp_path, noisy_digits_npz, capsys):
    argv, expected = case(tmp_path, noisy_digits_npz)
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = "".join(captured.err.splitlines())  # the console folds long messages at its width
    assert "Traceback" not in err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"


# ----------------------------------------------------------------------------- read-only disks


@pytest.fixture
def read_only(tmp_path):
    """A folder on a read-only file system (a tmpfs remounted read-only), filled by ``fill(folder)`` first."""
    mounted: list[Path] = []

    def make(fill: Callable[[Path], None]) -> Path:
        where = tmp_path / f"ro{len(mounted)}"
        where.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(where)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot mount a file system here (needs root)")
        mounted.append(where)
        fill(where)
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        return where

    yield make
    for m in mounted:
        subprocess.run(["umount", str(m)], check=False)


@pytest.mark.parametrize("command", ["run", "fit", "mot generate", "mot eval"])
def test_an_out_on_a_read_only_disk_is_exit_2_naming_it(command, tmp_path, noisy_digits_npz, read_only, capsys):
    ro = read_only(lambda d: None)
    out = ro / "results"
    argv = {
        "run": lambda: ["run", str(_spec_file(tmp_path, noisy_digits_npz))],
        "fit": lambda: ["fit", str(_fit_table(tmp_path))],
        "mot generate": lambda: ["mot", "generate", str(_scene(tmp_path)), "--no-images"],
        "mot eval": lambda: ["mot", "eval", *map(str, write_tud(tmp_path / "tud"))],
    }[command]() + ["--out", str(out)]
    assert main(argv) == 2
    err = "".join(capsys.readouterr().err.splitlines())
    assert f"{out}: --out: cannot write: the file system is read-only" in err and "Traceback" not in err


def _fit_table(tmp: Path) -> Path:
    (tmp / "t.csv").write_text("n,error\n1,0.5\n2,0.4\n4,0.3\n")
    return tmp / "t.csv"


def _scene(tmp: Path) -> Path:
    (tmp / "scene.yaml").write_text("name: clip\nsequences: 1\nscene: {frames: 2, activities: {dance: 1}}\n")
    return tmp / "scene.yaml"


def test_report_of_a_study_on_a_read_only_disk(tmp_path, noisy_digits_npz, read_only, capsys):
    spec = _spec_file(tmp_path, noisy_digits_npz, conditions=["real"], real_fractions=[0.5, 1.0])
    study = tmp_path / "study"
    assert main(["run", str(spec), "--out", str(study), "--no-report"]) == 0
    ro = read_only(lambda d: shutil.copytree(study, d / "study"))
    capsys.readouterr()
    assert main(["report", str(ro / "study")]) == 2
    err = "".join(capsys.readouterr().err.splitlines())
    assert f"{ro / 'study'}: cannot write: the file system is read-only (pass --to FOLDER" in err
    # the store reads fine from there; the report goes where it is told
    assert main(["report", str(ro / "study"), "--to", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "report.html").is_file()


def test_a_disk_error_deep_inside_a_command_is_one_line_naming_the_file(tmp_path, monkeypatch, capsys):
    import errno

    import synreal.report.build as build

    (tmp_path / "results.sqlite").write_bytes(b"")
    monkeypatch.setattr(build, "RunStore", lambda *a, **k: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "report.html"))))
    assert main(["report", str(tmp_path)]) == 2
    err = "".join(capsys.readouterr().err.splitlines())
    assert f"{tmp_path / 'report.html'}: no space left on the device" in err


def test_report_on_a_garbage_store_names_it(tmp_path, capsys):
    (tmp_path / "results.sqlite").write_bytes(b"this is not sqlite" * 64)
    assert main(["report", str(tmp_path)]) == 2
    err = "".join(capsys.readouterr().err.splitlines())
    assert f"{tmp_path / 'results.sqlite'}: not a synreal results database" in err and "Traceback" not in err


def test_an_empty_ground_truth_is_a_warning_in_the_eval_table(tmp_path, capsys):
    gt, tr = write_tud(tmp_path / "tud")
    (gt / "TUD-Campus" / "gt" / "gt.txt").write_text("")
    assert main(["mot", "eval", str(gt), str(tr)]) == 0
    out = capsys.readouterr().out
    assert "TUD-Campus (!)" in out and "TUD-Stadtmitte (!)" not in out
    assert "warning: (!) TUD-Campus: the ground truth has no boxes" in "".join(out.splitlines())
