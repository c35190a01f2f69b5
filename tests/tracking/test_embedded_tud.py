"""The embedded real sample: TUD-Campus and TUD-Stadtmitte from the motmetrics wheel."""

from __future__ import annotations

from pathlib import Path

from synreal.tracking.embedded import TUD_INFO, tud_data_dir, tud_sequences, tud_tracker_results, write_tud
from synreal.tracking.metrics import evaluate, resolve_benchmark
from synreal.tracking.motchallenge import read_sequence


def _lines(path: Path) -> int:
    return sum(1 for ln in path.read_text().splitlines() if ln.strip())


def test_tud_ground_truth_is_read_in_full() -> None:
    seqs = tud_sequences()
    root = tud_data_dir()
    for name, seq in seqs.items():
        assert len(seq.gt) == _lines(root / name / "gt.txt")
        assert seq.gt.frame.max() <= TUD_INFO[name].seq_length
        assert resolve_benchmark("auto", seq.gt, name) == "MOT15"


def test_tud_tracker_output_scores_between_zero_and_one() -> None:
    seqs, tracks = tud_sequences(), tud_tracker_results()
    m = evaluate(seqs["TUD-Campus"].gt, tracks["TUD-Campus"], n_frames=71)
    assert 0 < m["HOTA"] < 1 and 0 < m["IDF1"] < 1


def test_written_sample_reads_back(tmp_path: Path) -> None:
    gt_root, tr_root = write_tud(tmp_path)
    seq = read_sequence(gt_root / "TUD-Stadtmitte")
    assert seq.info == TUD_INFO["TUD-Stadtmitte"] and len(seq.gt) == len(tud_sequences()["TUD-Stadtmitte"].gt)
    assert sorted(p.name for p in (tr_root / "motmetrics-sample" / "data").iterdir()) == ["TUD-Campus.txt", "TUD-Stadtmitte.txt"]
