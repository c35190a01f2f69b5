"""The ByteTrack-style tracker with the Kalman filter on hand-made scenes: expected identities."""

from __future__ import annotations

import numpy as np
import pytest

from synreal.errors import UserInputError
from synreal.tracking.detections import DetectionConfig, DetectionSpec
from synreal.tracking.motchallenge import MotSequence, MotTable, SeqInfo, read_sequence
from synreal.tracking.motion import KalmanMotion, make_motion_model
from synreal.tracking.tracker import TrackerConfig, run_tracker, track_detections

W, H = 40.0, 100.0


def detections(people: dict[str, list[tuple[int, float, float]]], score: float = 0.9) -> MotTable:
    """Rows (frame, -1, box, score) from person -> [(frame, left, top)], persons in the given order per frame."""
    rows = [[f, -1, x, y, W, H, score] for track in people.values() for f, x, y in track]
    rows.sort(key=lambda r: r[0])  # stable: within a frame, the order of ``people``
    return MotTable.from_rows(rows)


def ids_by_person(out: MotTable, people: dict[str, list[tuple[int, float, float]]]) -> dict[str, list[tuple[int, int]]]:
    """Person -> [(frame, output id)] by matching output boxes to the input positions."""
    res: dict[str, list[tuple[int, int]]] = {p: [] for p in people}
    for f, i, (x, y) in zip(out.frame, out.id, out.box[:, :2]):
        for p, track in people.items():
            if any(tf == f and abs(tx - x) < 1e-6 and abs(ty - y) < 1e-6 for tf, tx, ty in track):
                res[p].append((int(f), int(i)))
    return res


def run(people: dict[str, list[tuple[int, float, float]]], n: int, **knobs: object) -> dict[str, list[tuple[int, int]]]:
    out = track_detections(detections(people), KalmanMotion(), TrackerConfig(**knobs), fps=30, n_frames=n)
    return ids_by_person(out, people)


def test_two_people_crossing_keep_their_ids() -> None:
    # A walks right, B walks left, 10 px apart vertically: their boxes overlap for ~10 frames.
    n = 40
    people = {
        "A": [(f, 0.0 + 8 * f, 100.0) for f in range(1, n + 1)],
        "B": [(f, 320.0 - 8 * f, 110.0) for f in range(1, n + 1)],
    }
    got = run(people, n)
    assert got["A"] == [(f, 1) for f in range(1, n + 1)]
    assert got["B"] == [(f, 2) for f in range(1, n + 1)]


def test_crossing_without_motion_model_swaps_ids() -> None:
    # The same scene where the filter cannot know the velocity (no process noise on velocity
    # is not an option, so: one frame of history only). Checks that the test above could fail.
    n = 40
    people = {
        "A": [(f, 0.0 + 8 * f, 100.0) for f in range(1, n + 1)],
        "B": [(f, 320.0 - 8 * f, 110.0) for f in range(1, n + 1)],
    }
    out = track_detections(detections(people), _ZeroVelocity(), TrackerConfig(), fps=30, n_frames=n)
    got = ids_by_person(out, people)
    assert {i for _, i in got["A"]} != {1}


class _ZeroVelocity(KalmanMotion):
    """A Kalman filter whose velocity is forgotten every frame: predicts the last box."""

    def predict(self, state):  # type: ignore[no-untyped-def]
        state = type(state)(pos=state.pos, vel=state.vel * 0, p_pp=state.p_pp, p_pv=state.p_pv * 0, p_vv=state.p_vv)
        return super().predict(state)


def test_occlusion_gap_of_four_frames_keeps_the_id() -> None:
    n = 25
    track = [(f, 100.0 + 5 * f, 200.0) for f in range(1, n + 1) if not 10 <= f <= 13]
    got = run({"A": track}, n)
    assert got["A"] == [(f, 1) for f in range(1, n + 1) if not 10 <= f <= 13]


def test_gap_longer_than_max_lost_gives_a_new_id() -> None:
    n = 25
    track = [(f, 100.0 + 5 * f, 200.0) for f in range(1, n + 1) if not 10 <= f <= 13]
    got = run({"A": track}, n, max_lost=3)
    # a new track is tentative at frame 14 and confirmed (shown) from frame 15
    assert got["A"] == [(f, 1) for f in range(1, 10)] + [(f, 2) for f in range(15, n + 1)]


def test_entry_and_exit() -> None:
    # A is there from frame 1 to 10; B enters at frame 15 elsewhere; C enters at frame 3.
    people = {
        "A": [(f, 50.0 + 4 * f, 50.0) for f in range(1, 11)],
        "B": [(f, 600.0 - 4 * f, 300.0) for f in range(15, 26)],
        "C": [(f, 300.0, 500.0 + 2 * f) for f in range(3, 26)],
    }
    got = run(people, 25)
    # frame 1 confirms at once (ByteTrack); later births need min_hits = 2 consecutive hits
    assert got["A"] == [(f, 1) for f in range(1, 11)]
    assert got["C"] == [(f, 2) for f in range(4, 26)]
    assert got["B"] == [(f, 3) for f in range(16, 26)]


def test_low_score_detections_extend_tracks_but_never_start_one() -> None:
    n = 12
    high = [(f, 100.0 + 4 * f, 100.0) for f in range(1, 7)]
    low = [(f, 100.0 + 4 * f, 100.0) for f in range(7, n + 1)]
    alone = [(f, 600.0, 400.0) for f in range(1, n + 1)]
    det = MotTable.from_rows(
        sorted([[f, -1, x, y, W, H, 0.9] for f, x, y in high] + [[f, -1, x, y, W, H, 0.3] for f, x, y in low + alone],
               key=lambda r: r[0])
    )  # fmt: skip
    out = track_detections(det, KalmanMotion(), TrackerConfig(), fps=30, n_frames=n)
    got = ids_by_person(out, {"A": high + low, "lonely": alone})
    assert got["A"] == [(f, 1) for f in range(1, n + 1)]
    assert got["lonely"] == []


def test_max_lost_scales_with_the_frame_rate() -> None:
    from synreal.tracking.tracker import Tracker

    assert Tracker(KalmanMotion(), TrackerConfig(max_lost=30), fps=15).max_lost == 15
    assert Tracker(KalmanMotion(), TrackerConfig(max_lost=30), fps=60).max_lost == 60


def _scene(seed: int) -> MotSequence:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(6):
        x, y, vx, vy = rng.uniform(100, 1000), rng.uniform(100, 500), rng.normal(0, 4), rng.normal(0, 2)
        for f in range(1, 61):
            rows.append([f, p + 1, x + vx * f, y + vy * f, 40, 100, 1, 1, 1.0])
    return MotSequence(SeqInfo(f"scene{seed}", 60, 30.0, 1280, 720), gt=MotTable.from_rows(rows))


def test_same_seed_same_tracks_and_metrics() -> None:
    seqs = [_scene(0), _scene(1)]
    a = run_tracker(seqs, "kalman", seed=3)
    b = run_tracker(seqs, "kalman", seed=3)
    c = run_tracker(seqs, "kalman", seed=4)
    assert a == b
    assert a != c  # other detections


def test_perfect_detections_give_perfect_scores() -> None:
    cfg = DetectionConfig(simulation=DetectionSpec(miss_rate=0, miss_occlusion=0, box_noise=0, box_noise_px=0, false_positives=0))
    m = run_tracker([_scene(0)], "kalman", detection_config=cfg)
    assert m["HOTA"] == pytest.approx(1.0) and m["IDSW"] == 0


def test_unknown_motion_model_lists_the_registered_ones() -> None:
    with pytest.raises(UserInputError, match="unknown motion model 'kalmann'; registered: kalman, learned"):
        make_motion_model("kalmann")
    with pytest.raises(UserInputError, match="registered: kalman, learned"):
        run_tracker([_scene(0)], "gru")


def test_bad_motion_model_knob_names_the_key() -> None:
    with pytest.raises(UserInputError, match="motion_model.state"):
        make_motion_model("kalman", {"state": "xyz"})


def test_malformed_detection_file_names_file_and_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    seq = tmp_path / "s"
    (seq / "det").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=s\nseqLength=3\nframeRate=30\n")
    (seq / "det" / "det.txt").write_text("1,-1,10,10,20,50,0.9\n2,-1,10,ten,20,50,0.9\n")
    with pytest.raises(UserInputError) as err:
        read_sequence(seq)
    assert str(seq / "det" / "det.txt") in str(err.value) and ":2" in str(err.value)


def test_file_detections_are_used_when_present() -> None:
    seq = _scene(0)
    seq.det = MotTable.from_rows([[1, -1, 0, 0, 10, 10, 0.9]])
    from synreal.tracking.detections import sequence_detections

    assert len(sequence_detections(seq, DetectionConfig(), 0)) == 1  # auto: the file
    assert len(sequence_detections(seq, DetectionConfig(source="simulate"), 0)) > 100
    seq.det = None
    with pytest.raises(UserInputError, match="no det/det.txt"):
        sequence_detections(seq, DetectionConfig(source="file"), 0)


def test_sequence_without_ground_truth_cannot_be_scored() -> None:
    seq = MotSequence(SeqInfo("nogt", 5), det=MotTable.from_rows([[1, -1, 0, 0, 10, 10, 0.9]]))
    with pytest.raises(UserInputError, match="without ground truth"):
        run_tracker([seq], "kalman")
