"""Tracking metrics: toy cases worked out by hand, and TrackEval's own evaluator as reference."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import numpy as np
import pytest
from tests.tracking.tracking_helpers import tiny_spec

from synreal.errors import UserInputError
from synreal.tracking.embedded import write_tud
from synreal.tracking.generate import make_sequence
from synreal.tracking.metrics import evaluate, evaluate_folders, evaluate_sequences, preprocess
from synreal.tracking.motchallenge import MotTable, SeqInfo, read_mot_file, write_mot_file, write_sequence

ALPHAS = 19  # HOTA's localisation thresholds 0.05, 0.10, ..., 0.95


def gt_rows(*rows: tuple) -> MotTable:
    """(frame, id, x, y, w, h[, consider, class]) -> gt table (pedestrians by default)."""
    return MotTable.from_rows([list(r) + [1, 1][len(r) - 6 :] + [1.0] for r in rows])


def tr_rows(*rows: tuple) -> MotTable:
    return MotTable.from_rows([list(r) + [1.0, -1, -1, -1] for r in rows])


BOX = (0, 0, 10, 20)


def test_perfect_tracking_scores_one() -> None:
    rows = [(f, i, 30 * i, 0, 10, 20) for f in (1, 2, 3) for i in (1, 2)]
    m = evaluate(gt_rows(*rows), tr_rows(*rows))
    for k in ("HOTA", "DetA", "AssA", "LocA", "MOTA", "MOTP", "IDF1", "IDP", "IDR"):
        assert m[k] == pytest.approx(1.0)
    assert (m["IDSW"], m["FP"], m["FN"], m["MT"], m["ML"], m["Frag"]) == (0, 0, 0, 2, 0, 0)


def test_one_identity_switch() -> None:
    # One person for 4 frames; the tracker calls it 1 for two frames, then 2.
    gt = gt_rows(*[(f, 1, *BOX) for f in (1, 2, 3, 4)])
    tr = tr_rows((1, 1, *BOX), (2, 1, *BOX), (3, 2, *BOX), (4, 2, *BOX))
    m = evaluate(gt, tr)
    assert m["IDSW"] == 1
    assert m["MOTA"] == pytest.approx((4 - 0 - 1) / 4)
    # Best id assignment keeps 2 of 4 frames: IDTP 2, IDFP 2, IDFN 2.
    assert m["IDF1"] == pytest.approx(2 * 2 / (2 * 2 + 2 + 2))
    assert m["IDP"] == pytest.approx(2 / 4) and m["IDR"] == pytest.approx(2 / 4)
    # Every match is exact: DetA 1; each pair (gt, tracker k) has 2 matches out of
    # |gt| + |tracker k| - 2 = 4 + 2 - 2, so AssA = 2/4.
    assert m["DetA"] == pytest.approx(1.0)
    assert m["AssA"] == pytest.approx(2 / 4)
    assert m["HOTA"] == pytest.approx(np.sqrt(1.0 * 2 / 4))


def test_a_miss_and_a_false_positive() -> None:
    gt = gt_rows((1, 1, *BOX), (2, 1, *BOX))
    tr = tr_rows((1, 1, *BOX), (2, 2, 100, 100, 10, 20))
    m = evaluate(gt, tr)
    assert (m["FP"], m["FN"], m["IDSW"]) == (1, 1, 0)
    assert m["MOTA"] == pytest.approx((1 - 1 - 0) / 2)
    assert m["DetA"] == pytest.approx(1 / (1 + 1 + 1))
    assert m["DetRe"] == pytest.approx(1 / 2) and m["DetPr"] == pytest.approx(1 / 2)
    # The one matched pair: 1 match, |gt| 2, |tracker 1| 1: 1 / (2 + 1 - 1).
    assert m["AssA"] == pytest.approx(1 / 2)
    assert m["HOTA"] == pytest.approx(np.sqrt(1 / 3 * 1 / 2))
    assert m["IDF1"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))


def test_localisation_threshold_of_hota() -> None:
    # IoU exactly 0.5: a match for the 10 alphas 0.05..0.50, a miss plus a false
    # positive for the 9 alphas 0.55..0.95.
    gt = gt_rows((1, 1, 0, 0, 10, 10))
    tr = tr_rows((1, 1, 0, 0, 10, 5))
    m = evaluate(gt, tr)
    assert m["HOTA"] == pytest.approx(10 / ALPHAS)
    assert m["DetA"] == pytest.approx(10 / ALPHAS)
    # TrackEval scores LocA as 1 at alphas without matches.
    assert m["LocA"] == pytest.approx((10 * 0.5 + 9 * 1.0) / ALPHAS)
    assert m["MOTA"] == pytest.approx(1.0) and m["MOTP"] == pytest.approx(0.5)


def test_distractors_and_zero_marked_ground_truth() -> None:
    gt = gt_rows(
        (1, 1, 0, 0, 10, 20, 1, 1),  # pedestrian
        (1, 2, 50, 0, 10, 20, 1, 7),  # static person: a distractor
        (1, 3, 100, 0, 10, 20, 0, 1),  # pedestrian marked "do not consider"
        (1, 4, 150, 0, 10, 20, 1, 3),  # a car: not evaluated, not a distractor
    )
    tr = tr_rows((1, 1, 0, 0, 10, 20), (1, 2, 50, 0, 10, 20), (1, 3, 100, 0, 10, 20), (1, 4, 150, 0, 10, 20))
    m = evaluate(gt, tr, benchmark="MOT17")
    # The box on the static person is removed; boxes on the zero-marked pedestrian and
    # on the car stay and count as false positives, as in TrackEval.
    assert (m["GT_Dets"], m["Dets"]) == (1, 3)
    assert (m["FP"], m["FN"]) == (2, 0)
    assert m["MOTA"] == pytest.approx((1 - 2) / 1)
    raw = evaluate(gt, tr, benchmark="MOT17", do_preproc=False)
    # Without preprocessing every row with a non-zero flag is ground truth.
    assert (raw["GT_Dets"], raw["Dets"], raw["FP"]) == (3, 4, 1)


def test_sequences_combine_by_summing_counts() -> None:
    gt = gt_rows((1, 1, *BOX), (2, 1, *BOX))
    half = tr_rows((1, 1, *BOX))
    res = evaluate_sequences({"a": (gt, tr_rows((1, 1, *BOX), (2, 1, *BOX)), None), "b": (gt, half, None)})
    c = res.summary()
    assert c["DetRe"] == pytest.approx((2 + 1) / (2 + 2))
    assert c["MOTA"] == pytest.approx((3 - 0 - 0) / 4)
    assert res.table().index.tolist() == ["a", "b", "COMBINED"]
    tidy = res.tidy()
    assert set(tidy.columns) == {"tracker", "sequence", "metric", "value"}


def test_bad_inputs_are_user_errors() -> None:
    gt = gt_rows((1, 1, *BOX))
    with pytest.raises(UserInputError, match="frame 3 lies outside 1..2"):
        evaluate(gt, tr_rows((3, 1, *BOX)), n_frames=2)
    with pytest.raises(UserInputError, match="id 1 occurs twice in frame 1"):
        evaluate(gt, tr_rows((1, 1, *BOX), (1, 1, 5, 5, 10, 20)))
    with pytest.raises(UserInputError, match="class 14 is not a MOTChallenge class"):
        evaluate(gt_rows((1, 1, 0, 0, 10, 20, 1, 14)), tr_rows((1, 1, *BOX)), benchmark="MOT17")


# --------------------------------------------------------------------------------------
# TrackEval as the reference


def _trackeval(gt_root: Path, tr_root: Path, seqs: dict[str, int], benchmark: str) -> dict:
    """Run TrackEval's own evaluator on MOTChallenge folders; sequence -> metric -> result."""
    import trackeval

    seqmap = gt_root / "seqmap.txt"
    seqmap.write_text("name\n" + "".join(s + "\n" for s in seqs))
    eval_cfg = trackeval.Evaluator.get_default_eval_config()
    eval_cfg.update(USE_PARALLEL=False, PRINT_RESULTS=False, PRINT_CONFIG=False, TIME_PROGRESS=False,
                    OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False, PLOT_CURVES=False)  # fmt: skip
    ds_cfg = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
    ds_cfg.update(GT_FOLDER=str(gt_root), TRACKERS_FOLDER=str(tr_root), SKIP_SPLIT_FOL=True, SEQMAP_FILE=str(seqmap),
                  BENCHMARK=benchmark, PRINT_CONFIG=False, OUTPUT_FOLDER=str(tr_root.parent / "te-out"))  # fmt: skip
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        res, msg = trackeval.Evaluator(eval_cfg).evaluate([trackeval.datasets.MotChallenge2DBox(ds_cfg)], metrics)
    (tracker,) = res["MotChallenge2DBox"]
    out = res["MotChallenge2DBox"][tracker]
    assert out is not None, msg
    return {s: r["pedestrian"] for s, r in out.items()}


def _assert_same(ours: dict, ref: dict) -> None:
    for family in ("HOTA", "CLEAR", "Identity"):
        for field, value in ref[family].items():
            np.testing.assert_allclose(ours[family][field], value, rtol=0, atol=1e-12, err_msg=f"{family}.{field}")


def test_tud_sample_equals_trackeval(tmp_path: Path) -> None:
    gt_root, tr_root = write_tud(tmp_path)
    ours = evaluate_folders(gt_root, tr_root)[0]
    ref = _trackeval(gt_root, tr_root, {"TUD-Campus": 71, "TUD-Stadtmitte": 179}, "MOT15")
    assert set(ours.benchmark.values()) == {"MOT15"}
    for seq in ("TUD-Campus", "TUD-Stadtmitte"):
        _assert_same(ours.sequences[seq], ref[seq])
    _assert_same(ours.combined, ref["COMBINED_SEQ"])


def _messy_sequence(seed: int) -> tuple[MotTable, MotTable, int]:
    """Generated gt with distractors, zero-marked rows and other classes, and a noisy tracker."""
    spec = tiny_spec(scene={"frames": 40, "groups": [3, 4], "lone_walkers": [2, 3]},
                     camera={"width": 640, "height": 360, "depth": [3, 20]})  # fmt: skip
    scene = make_sequence(spec, seed)
    gt = scene.ground_truth()
    rng = np.random.default_rng(seed)
    n = len(gt)
    gt.cls = np.where(rng.random(n) < 0.12, rng.choice([2, 7, 8, 12, 3, 9], n), 1)
    gt.conf = np.where(rng.random(n) < 0.06, 0.0, 1.0)
    keep = rng.random(n) > 0.1
    ids = np.where((gt.id % 3 == 0) & (gt.frame > 20), gt.id + 100, gt.id)
    tr = MotTable(frame=gt.frame[keep], id=ids[keep], box=gt.box[keep] + rng.normal(0, 2.0, (keep.sum(), 4)),
                  conf=np.ones(keep.sum()), cls=-np.ones(keep.sum(), np.int64), vis=-np.ones(keep.sum()))  # fmt: skip
    fp = MotTable.from_rows([[f, 900 + k, rng.uniform(0, 600), rng.uniform(0, 300), 20, 50, 0.3, -1, -1, -1]
                             for k, f in enumerate(rng.integers(1, 41, 15))])  # fmt: skip
    both = MotTable(*(np.concatenate([getattr(tr, c), getattr(fp, c)]) for c in ("frame", "id", "box", "conf", "cls", "vis")))
    return gt, both.sorted(), scene.n_frames


def test_preprocessing_and_metrics_equal_trackeval_with_distractors(tmp_path: Path) -> None:
    gt_root, tr_root = tmp_path / "gt", tmp_path / "trackers"
    seqs, items = {}, {}
    for seed in (1, 2):
        gt, tr, n = _messy_sequence(seed)
        name = f"MOT17-9{seed}-FRCNN"
        write_sequence(gt_root / name, SeqInfo(name, n, im_width=640, im_height=360), gt=gt)
        write_mot_file(tr_root / "messy" / "data" / f"{name}.txt", tr, "tracker")
        seqs[name] = n
        # Read back, so both sides see the same decimals.
        items[name] = (read_mot_file(gt_root / name / "gt" / "gt.txt", "gt"), read_mot_file(tr_root / "messy" / "data" / f"{name}.txt", "tracker"), n)
        assert np.isin(items[name][0].cls, [2, 7, 8, 12]).any()
    ours = evaluate_sequences(items, benchmark="MOT17")
    ref = _trackeval(gt_root, tr_root, seqs, "MOT17")
    for name in seqs:
        _assert_same(ours.sequences[name], ref[name])
        # The distractor rule did remove tracker boxes (the case under test happened).
        assert ours.sequences[name]["Count"]["Dets"] < len(items[name][1])
    _assert_same(ours.combined, ref["COMBINED_SEQ"])


def test_preprocessed_data_equals_trackeval_dataset(tmp_path: Path) -> None:
    import trackeval

    gt, tr, n = _messy_sequence(3)
    name = "MOT17-93-FRCNN"
    write_sequence(tmp_path / "gt" / name, SeqInfo(name, n), gt=gt)
    write_mot_file(tmp_path / "tr" / "t" / "data" / f"{name}.txt", tr, "tracker")
    (tmp_path / "seqmap.txt").write_text(f"name\n{name}\n")
    cfg = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
    cfg.update(GT_FOLDER=str(tmp_path / "gt"), TRACKERS_FOLDER=str(tmp_path / "tr"), SKIP_SPLIT_FOL=True,
               SEQMAP_FILE=str(tmp_path / "seqmap.txt"), PRINT_CONFIG=False)  # fmt: skip
    ds = trackeval.datasets.MotChallenge2DBox(cfg)
    ref = ds.get_preprocessed_seq_data(ds.get_raw_seq_data("t", name), "pedestrian")
    ours = preprocess(read_mot_file(tmp_path / "gt" / name / "gt" / "gt.txt", "gt"),
                      read_mot_file(tmp_path / "tr" / "t" / "data" / f"{name}.txt", "tracker"), n, name=name)  # fmt: skip
    for key in ("num_timesteps", "num_gt_ids", "num_tracker_ids", "num_gt_dets", "num_tracker_dets"):
        assert ours[key] == ref[key], key
    for key in ("gt_ids", "tracker_ids", "gt_dets", "tracker_dets", "tracker_confidences", "similarity_scores"):
        for t in range(n):
            np.testing.assert_array_equal(ours[key][t], ref[key][t], err_msg=f"{key} t={t}")


def test_mot17_detector_variants_share_ground_truth(tmp_path: Path) -> None:
    gt, tr, n = _messy_sequence(4)
    write_sequence(tmp_path / "gt" / "MOT17-94-FRCNN", SeqInfo("MOT17-94-FRCNN", n), gt=gt)
    for det in ("DPM", "FRCNN", "SDP"):
        write_mot_file(tmp_path / "tr" / f"MOT17-94-{det}.txt", tr, "tracker")
    res = evaluate_folders(tmp_path / "gt", tmp_path / "tr")[0]
    assert sorted(res.sequences) == ["MOT17-94-DPM", "MOT17-94-FRCNN", "MOT17-94-SDP"]
    assert any("share ground truth" in note for note in res.notes)
    a, b = res.summary("MOT17-94-DPM"), res.summary("MOT17-94-FRCNN")
    assert a == b and res.summary()["HOTA"] == pytest.approx(a["HOTA"])


def test_missing_tracker_file_is_a_user_error(tmp_path: Path) -> None:
    gt, _, n = _messy_sequence(5)
    write_sequence(tmp_path / "gt" / "seq-a", SeqInfo("seq-a", n), gt=gt)
    write_sequence(tmp_path / "gt" / "seq-b", SeqInfo("seq-b", n), gt=gt)
    os.makedirs(tmp_path / "tr")
    (tmp_path / "tr" / "seq-a.txt").write_text("")
    with pytest.raises(UserInputError, match="no result for 1 sequence") as err:
        evaluate_folders(tmp_path / "gt", tmp_path / "tr")
    assert err.value.file.endswith("seq-b.txt")
