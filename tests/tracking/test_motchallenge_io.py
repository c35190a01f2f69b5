"""MOTChallenge files: round trips, validation with file and line, folder discovery."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.tracking.tracking_helpers import tiny_spec

from synreal.errors import UserInputError
from synreal.tracking.generate import make_sequence, write_scene
from synreal.tracking.motchallenge import (
    MotTable, SeqInfo, check_unique_ids, find_sequences, read_mot_file, read_seqinfo, read_sequence,
    write_mot_file, write_sequence,
)  # fmt: skip


def test_generated_sequence_round_trips(tmp_path: Path) -> None:
    spec = tiny_spec(detections={"enabled": True}, scene={"frames": 4})
    scene = make_sequence(spec, 0)
    seq_dir = write_scene(scene, spec, tmp_path / "s")
    seq = read_sequence(seq_dir)
    gt = scene.ground_truth()
    assert seq.info == scene.info()
    assert len(seq.images) == 4 and seq.images[0].name == "000001.jpg"
    np.testing.assert_array_equal(seq.gt.frame, gt.frame)
    np.testing.assert_array_equal(seq.gt.id, gt.id)
    np.testing.assert_array_equal(seq.gt.cls, gt.cls)
    np.testing.assert_allclose(seq.gt.box, gt.box, atol=1e-9)
    np.testing.assert_allclose(seq.gt.vis, gt.vis, atol=1e-9)
    assert seq.det is not None and (seq.det.id == -1).all()
    assert not (tmp_path / "s.partial").exists()


def test_tables_round_trip_for_every_kind(tmp_path: Path) -> None:
    rows = [[1, 4, 10.5, 20.25, 30, 60, 0.75, 1, 0.5], [3, 2, -5, 0, 12.5, 40, 1, 7, 1.0]]
    t = MotTable.from_rows(rows)
    for kind in ("gt", "tracker", "det"):
        back = read_mot_file(write_mot_file(tmp_path / f"{kind}.txt", t, kind), kind)
        np.testing.assert_array_equal(back.frame, t.frame)
        np.testing.assert_allclose(back.box, t.box)
        np.testing.assert_allclose(back.conf, t.conf)
        np.testing.assert_array_equal(back.id, t.id if kind != "det" else [-1, -1])


def test_seqinfo_round_trips(tmp_path: Path) -> None:
    info = SeqInfo("abc", seq_length=42, frame_rate=25.0, im_width=800, im_height=450)
    write_sequence(tmp_path / "abc", info)
    assert read_seqinfo(tmp_path / "abc") == info


@pytest.mark.parametrize(
    "text, kind, line, words",
    [
        ("1,1,0,0,10,20,1,1,1\n2,1,a,0,10,20,1,1,1\n", "gt", 2, "left: expected a number, found 'a'"),
        ("1,1,0,0,10,20,1,1,1\n2,1,0,0,10\n", "gt", 2, "expected at least 8 columns"),
        ("1,1,0,0,10,20,1,1,1\n0,1,0,0,10,20,1,1,1\n", "gt", 2, "frame: expected a frame number >= 1, found 0"),
        ("1,1,0,0,10,20,1,1,1\n\n9,1,0,0,10,20,1,1,1\n", "gt", 3, "expected at most seqLength = 5, found 9"),
        ("1,1,0,0,10,20,1,1,1\n2,1,0,0,-10,20,1,1,1\n", "gt", 2, "width and height > 0"),
        ("1,1,0,0,10,20,1,-1,-1,-1\n1,-3,0,0,10,20,1,-1,-1,-1\n", "tracker", 2, "id: expected an id >= 0, found -3"),
        ("1,1,0,0,10,20,1,-1,-1,-1\n1.5,2,0,0,10,20,1,-1,-1,-1\n", "tracker", 2, "expected a whole number, found 1.5"),
        ("1,1,0,0,10,20,1\n1,2,0,0,,20,1\n", "tracker", 2, "missing"),
        ("1 1 0 0 10 20 1 1 1\n2 1 0 0 10 nan 1 1 1\n", "gt", 2, "finite"),
    ],
)
def test_malformed_rows_name_file_line_and_problem(tmp_path: Path, text: str, kind: str, line: int, words: str) -> None:
    p = tmp_path / "gt.txt"
    p.write_text(text)
    with pytest.raises(UserInputError) as err:
        read_mot_file(p, kind, n_frames=5)  # type: ignore[arg-type]
    assert err.value.file == str(p)
    assert err.value.line == line
    assert words in err.value.message


def test_duplicate_id_in_a_frame_is_reported_with_its_line(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("1,5,0,0,1,1,1,-1,-1,-1\n2,5,0,0,1,1,1,-1,-1,-1\n2,6,0,0,1,1,1,-1,-1,-1\n2,5,3,3,1,1,1,-1,-1,-1\n")
    with pytest.raises(UserInputError, match="id 5 occurs twice in frame 2") as err:
        check_unique_ids(read_mot_file(p, "tracker"))
    assert err.value.line == 4


def test_whitespace_separated_and_trailing_commas_read_alike(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("1, 2, 3.5, 4, 10, 20, 0.9, -1, -1, -1,\n2, 2, 4.5, 4, 10, 20, 0.8, -1, -1, -1,\n")
    b.write_text("1 2 3.5 4 10 20 0.9 -1 -1 -1\n2\t2\t4.5\t4\t10\t20\t0.8\t-1\t-1\t-1\n")
    ta, tb = read_mot_file(a, "tracker"), read_mot_file(b, "tracker")
    np.testing.assert_array_equal(ta.box, tb.box)
    np.testing.assert_array_equal(ta.conf, [0.9, 0.8])


def test_values_parse_exactly_as_python_floats(tmp_path: Path) -> None:
    tokens = ["1418.85009765625", "430.6500244140625", "0.1", "1e-3", "123456.789012345678"]
    p = tmp_path / "t.txt"
    p.write_text(f"1,1,{tokens[0]},{tokens[1]},{tokens[2]},{tokens[3]},{tokens[4]}\n")
    t = read_mot_file(p, "tracker")
    assert t.box[0].tolist() == [float(x) for x in tokens[:4]]
    assert t.conf[0] == float(tokens[4])


def test_empty_file_is_an_empty_table(tmp_path: Path) -> None:
    p = tmp_path / "e.txt"
    p.write_text("")
    assert len(read_mot_file(p, "tracker")) == 0


def test_mot15_ground_truth_has_no_classes(tmp_path: Path) -> None:
    p = tmp_path / "gt.txt"
    p.write_text("1,1,88,99,61.08,218.56,1,4.4852,5.5016,0\n")
    t = read_mot_file(p, "gt")
    assert t.layout == "MOT15" and t.cls.tolist() == [-1] and t.vis.tolist() == [-1.0]


def test_seqinfo_problems_name_the_key(tmp_path: Path) -> None:
    p = tmp_path / "seqinfo.ini"
    p.write_text("[Sequence]\nname=x\nseqLength=ten\n")
    with pytest.raises(UserInputError, match="expected int, found 'ten'") as err:
        read_seqinfo(p)
    assert err.value.key == "Sequence.seqLength"
    p.write_text("[Sequence]\nname=x\n")
    with pytest.raises(UserInputError, match="required key is missing"):
        read_seqinfo(p)


def test_sequences_are_found_at_any_of_three_depths(tmp_path: Path) -> None:
    for name in ("b", "a"):
        write_sequence(tmp_path / "MOT17" / "train" / name, SeqInfo(name, 3))
    assert [p.name for p in find_sequences(tmp_path / "MOT17")] == ["a", "b"]
    assert [p.name for p in find_sequences(tmp_path / "MOT17" / "train")] == ["a", "b"]
    assert [p.name for p in find_sequences(tmp_path / "MOT17" / "train" / "a")] == ["a"]
    (tmp_path / "empty" / "x").mkdir(parents=True)
    with pytest.raises(UserInputError, match="no MOTChallenge sequence found"):
        find_sequences(tmp_path / "empty")
    with pytest.raises(UserInputError, match="no such folder"):
        find_sequences(tmp_path / "missing")


def test_a_folder_without_seqinfo_takes_its_length_from_the_rows(tmp_path: Path) -> None:
    write_mot_file(tmp_path / "s" / "gt" / "gt.txt", MotTable.from_rows([[7, 1, 0, 0, 5, 5, 1, 1, 1]]))
    seq = read_sequence(tmp_path / "s")
    assert seq.info_inferred and seq.info.seq_length == 7 and seq.name == "s"


@pytest.mark.parametrize("n", [1, 8192, 8193])
def test_written_text_is_np_savetxt_text_across_blocks(tmp_path: Path, n: int) -> None:
    import io

    from synreal.tracking.motchallenge import _GT_FMT, _TR_FMT

    rng = np.random.default_rng(n)
    for kind, fmt, extra in (("gt", _GT_FMT, 2), ("tracker", _TR_FMT, 3)):
        rows = np.c_[rng.integers(1, 500, (n, 2)), rng.normal(300, 200, (n, 4)), rng.normal(0, 3, (n, 1)),
                     rng.integers(-1, 3, (n, extra))]  # fmt: skip
        table = MotTable.from_rows(rows.tolist())
        buf = io.StringIO()
        np.savetxt(buf, table.to_array(kind), fmt=fmt, delimiter=",")
        assert write_mot_file(tmp_path / f"{kind}.txt", table, kind).read_text() == buf.getvalue()
