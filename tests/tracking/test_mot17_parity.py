"""Parity with TrackEval's published MOT17 table (../shared/data; skipped when absent).

The published table lists each sequence three times (-DPM, -FRCNN, -SDP: MOT17's detector
variants share one ground truth and this tracker submitted the same output for all three);
only the FRCNN files are stored, so the three rows of a sequence are compared with the one
result, and COMBINED is rebuilt from 21 sequences exactly as TrackEval's evaluator does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synreal.tracking.metrics import combine, evaluate_folders

TOL = 1e-6


def _compare(ours: dict[str, float], ref: pd.Series, where: str) -> int:
    """Assert every published field equals ours; return how many were compared."""
    n = 0
    for field, value in ref.items():
        key = "OWTA" + field[5:] if field.startswith("RHOTA") else field  # RHOTA is OWTA renamed
        assert key in ours, f"{where}: no field {key}"
        assert ours[key] == pytest.approx(float(value), abs=TOL), f"{where}: {field}"
        n += 1
    return n


def test_mot17_train_equals_the_published_trackeval_table(mot17: tuple[Path, Path]) -> None:
    gt_root, tr_root = mot17
    table = pd.read_csv(tr_root / "MoTT_20221127" / "pedestrian_detailed.csv").set_index("seq")
    (res,) = evaluate_folders(gt_root, tr_root)
    assert sorted(res.sequences) == sorted(s for s in table.index if s.endswith("FRCNN"))
    detailed = res.detailed()
    compared = 0
    for seq in table.index.drop("COMBINED"):
        base = seq.rsplit("-", 1)[0] + "-FRCNN"
        compared += _compare(detailed[base], table.loc[seq], seq)
    all21 = {s: res.sequences[s.rsplit("-", 1)[0] + "-FRCNN"] for s in table.index.drop("COMBINED")}
    rebuilt = type(res)(tracker=res.tracker, sequences=all21, combined=combine(all21))
    compared += _compare(rebuilt.detailed()["COMBINED"], table.loc["COMBINED"], "COMBINED")
    assert compared == table.shape[0] * table.shape[1]
    # The headline numbers of the summary file.
    summary = pd.read_csv(tr_root / "MoTT_20221127" / "pedestrian_summary.txt", sep=" ")
    c = rebuilt.summary()
    for name in ("HOTA", "DetA", "AssA", "MOTA", "MOTP", "IDF1"):
        assert 100 * c[name] == pytest.approx(summary[name][0], abs=5e-3)
    assert np.isclose(100 * c["HOTA"], 75.272, atol=5e-4)


def test_mot17_reader_counts_the_pedestrians_the_data_readme_lists(mot17: tuple[Path, Path]) -> None:
    from synreal.tracking.motchallenge import read_sequence

    # ../shared/data/README.md: pedestrian rows (consider=1, class=1) per sequence.
    expected = {"02": 18581, "04": 47557, "05": 6917, "09": 5325, "10": 12839, "11": 9436, "13": 11642}
    for seq, n in expected.items():
        gt = read_sequence(mot17[0] / f"MOT17-{seq}-FRCNN").gt
        assert int(((gt.conf == 1) & (gt.cls == 1)).sum()) == n, seq
