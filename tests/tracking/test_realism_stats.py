"""Motion statistics on hand-made tracks equal hand-computed values; distances and tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synreal.cli.main import main
from synreal.errors import UserInputError
from synreal.tracking.motchallenge import MotSequence, MotTable, SeqInfo, write_sequence
from synreal.tracking.stats import (
    RealismStats,
    ks_distance,
    load_sequences,
    markdown_table,
    meets_target,
    rate_distance,
    realism_distance,
    sequence_stats,
    stats_table,
)

H_IMG = 100.0


def seq(rows: list[list[float]], length: int = 10, fps: float = 10.0, name: str = "toy") -> MotSequence:
    """A sequence of 100 x 100 images from gt rows ``frame, id, x, y, w, h[, consider, class, vis]``."""
    full = [r + [1, 1, 1][len(r) - 6:] if len(r) < 9 else r for r in rows]
    return MotSequence(SeqInfo(name, length, fps, 100, int(H_IMG)), gt=MotTable.from_rows(full))


def walker_and_stander() -> MotSequence:
    """Id 1 walks 2 px per frame through all 10 frames; id 2 stands still in frames 3-6."""
    walker = [[f, 1, 2 * f, 0, 10, 20] for f in range(1, 11)]
    stander = [[f, 2, 50, 0, 10, 20] for f in range(3, 7)]
    return seq(walker + stander)


def test_counts_lengths_and_rates_of_a_walker_and_a_stander() -> None:
    s = sequence_stats([walker_and_stander()])
    assert (s.n_frames, s.n_boxes, s.n_tracks) == (10, 14, 2)
    assert sorted(s.track_length.tolist()) == [4.0, 10.0]
    # Only the stander starts after frame 1 and ends before frame 10.
    assert s.births_per_100 == pytest.approx(100 * 1 / 10)
    assert s.deaths_per_100 == pytest.approx(100 * 1 / 10)
    assert s.people_per_frame.tolist() == [1, 1, 2, 2, 2, 2, 1, 1, 1, 1]
    assert np.allclose(s.height, 20 / H_IMG) and np.allclose(s.aspect, 10 / 20)
    assert s.overlap_share == 0.0


def test_speed_iou_and_constant_velocity_error_of_straight_motion() -> None:
    s = sequence_stats([walker_and_stander()])
    walker_speed = 2 * 10.0 / 20  # 2 px per frame, 10 frames per second, 20 px tall
    assert sorted(set(np.round(s.speed, 12).tolist())) == [0.0, walker_speed]
    assert s.steps == 9 + 3
    # A 10-px-wide box moved by 2 px: intersection 8 x 20, union 2 * 200 - 160.
    assert np.allclose(s.iou_step[s.speed > 0], (8 * 20) / (2 * 200 - 8 * 20))
    assert s.low_iou_share == 0.0
    # Constant velocity is exact for both: no acceleration, no prediction error.
    assert np.allclose(s.acceleration, 0) and np.allclose(s.cv_error_1, 0) and np.allclose(s.cv_error_5, 0)
    # 1-frame errors need frames t-1, t, t+1: 8 for the walker, 2 for the stander.
    assert len(s.cv_error_1) == 8 + 2
    # 5-frame errors need t-1 .. t+5: 4 for the walker (t = 2..5), none for the stander.
    assert len(s.cv_error_5) == 4


def test_a_right_angle_turn() -> None:
    # Centre (5, 10) -> (15, 10) -> (15, 20): 10 px per frame, then a quarter turn.
    s = sequence_stats([seq([[1, 1, 0, 0, 10, 20], [2, 1, 10, 0, 10, 20], [3, 1, 10, 10, 10, 20]], length=3)])
    assert s.turn.tolist() == pytest.approx([90.0])
    assert s.acceleration.tolist() == pytest.approx([np.hypot(-10, 10) * 10**2 / 20])
    # Predicted (25, 10), found (15, 20).
    assert s.cv_error_1.tolist() == pytest.approx([np.hypot(10, 10) / 20])
    # A 10-wide box moved 10 px sideways does not overlap itself; moved 10 px down (of
    # 20) it keeps 10 x 10 of 400 + 400 - 100.
    assert s.iou_step.tolist() == pytest.approx([0.0, 100 / 300])
    assert s.low_iou_share == 1.0


def test_overlap_share_counts_boxes_above_the_iou() -> None:
    # Frame 1: two boxes with IoU (8 * 20) / (400 - 160) = 2/3 and a third far away.
    s = sequence_stats([seq([[1, 1, 0, 0, 10, 20], [1, 2, 2, 0, 10, 20], [1, 3, 60, 0, 10, 20]], length=1)])
    assert s.overlap_share == pytest.approx(2 / 3)


def test_mot17_rows_that_trackeval_ignores_are_left_out() -> None:
    rows = [[1, 1, 0, 0, 10, 20, 1, 1, 0.5], [1, 2, 30, 0, 10, 20, 0, 1, 0.5],  # zero-marked
            [1, 3, 60, 0, 10, 20, 1, 7, 0.5]]  # a static person (class 7)  # fmt: skip
    s = sequence_stats([seq(rows, length=1)])
    assert s.n_boxes == 1 and s.visibility.tolist() == [0.5]


def test_visibility_of_ones_is_a_placeholder() -> None:
    s = sequence_stats([seq([[1, 1, 0, 0, 10, 20, 1, 1, 1]], length=1)])
    assert not s.has("visibility") and len(s.visibility) == 0


def test_sequences_combine_by_summing_counts_not_averaging_rates() -> None:
    a = seq([[f, 1, 0, 0, 10, 20] for f in range(3, 11)], length=10)  # one birth in 10 frames
    b = seq([[f, 1, 0, 0, 10, 20] for f in range(1, 31)], length=30)  # none in 30
    s = sequence_stats([a, b])
    assert s.births_per_100 == pytest.approx(100 * 1 / (10 + 30))
    assert s.n_sequences == 2 and s.n_frames == 40
    assert RealismStats.combine([sequence_stats([a]), sequence_stats([b])]).births == s.births


def test_distances() -> None:
    assert ks_distance(np.array([1.0, 2, 3, 4]), np.array([3.0, 4, 5, 6])) == pytest.approx(2 / 4)
    assert ks_distance(np.arange(10.0), np.arange(10.0)) == 0.0
    assert rate_distance(6.0, 8.0) == pytest.approx(2 / 8)
    assert rate_distance(0.0, 0.005, floor=0.01) == pytest.approx(0.005 / 0.01)
    s, t = sequence_stats([walker_and_stander()]), sequence_stats([seq([[f, 1, 5 * f, 0, 10, 20] for f in range(1, 11)])])
    assert realism_distance(s, s).overall == 0.0
    d, e = realism_distance(s, t), realism_distance(t, s)
    assert d.overall == pytest.approx(e.overall) and d.overall > 0
    # Track lengths {4, 10} against {10}: the ECDFs differ by 1/2 at 4.
    assert d.per_statistic["track_length"] == pytest.approx(1 / 2)
    # Births: 10 per 100 frames against none.
    assert d.per_statistic["births"] == pytest.approx(1.0)
    # Visibility is in neither set, so it does not count.
    assert np.isnan(d.per_statistic["visibility"])
    assert d.overall == pytest.approx(np.nanmean(list(d.per_statistic.values())))


def test_targets_are_relative_or_absolute_for_small_shares() -> None:
    assert meets_target(100.0, 125.0) and not meets_target(100.0, 126.0)
    assert meets_target(0.018, 0.027, share=True) and not meets_target(0.018, 0.029, share=True)
    assert not meets_target(0.29, 0.20, share=True)


def test_table_and_markdown() -> None:
    s, t = sequence_stats([walker_and_stander()]), sequence_stats([seq([[f, 1, 5 * f, 0, 10, 20] for f in range(1, 11)])])
    table = stats_table({"real": s, "synthetic": t})
    row = table[(table.statistic == "births") & (table.summary == "rate")].iloc[0]
    assert (row["real"], row["synthetic"]) == (pytest.approx(10.0), pytest.approx(0.0))
    overall = table[table.statistic == "overall"].iloc[0]
    assert overall["synthetic"] == pytest.approx(realism_distance(s, t).overall) and overall["real"] == 0.0
    md = markdown_table(table)
    assert md.splitlines()[0] == "| statistic | real | synthetic |"
    assert "| **new tracks per 100 frames** | 10.0 | 0.0 |" in md


def test_a_sequence_without_ground_truth_names_its_file(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="gt.txt"):
        sequence_stats([MotSequence(SeqInfo("s", 3), path=tmp_path / "s")])


def test_a_folder_that_is_not_motchallenge_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"")
    with pytest.raises(UserInputError, match="no MOTChallenge sequence") as err:
        load_sequences(tmp_path / "photos")
    assert err.value.file == str(tmp_path / "photos")
    assert main(["mot", "stats", str(tmp_path / "photos")]) == 2
    assert "photos" in capsys.readouterr().err


def test_stats_cli_reads_folders_and_generates_from_yaml(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    s = walker_and_stander()
    write_sequence(tmp_path / "real" / "toy", s.info, gt=s.gt)
    spec = tmp_path / "walk.yaml"
    spec.write_text("name: walkers\nscene: {fps: 10, frames: 40, activities: {walk: 1}}\ncamera: {moving: 0}\n")
    fig, csv = tmp_path / "f.png", tmp_path / "t.csv"
    code = main(["mot", "stats", str(tmp_path / "real"), str(spec), "-n", "2", "--figure", str(fig), "--csv", str(csv)])
    assert code == 0
    out = capsys.readouterr().out
    assert "real" in out and "walkers" in out and "overall distance" in out
    import pandas as pd

    table = pd.read_csv(csv)
    births = table[(table.statistic == "births") & (table.summary == "rate")].iloc[0]
    assert births["real"] == pytest.approx(10.0)
    assert fig.stat().st_size > 10_000
