"""Simulated detections: misses grow with occlusion and come in bursts, noise, false positives, scores."""

from __future__ import annotations

import numpy as np
import pytest

from synreal.tracking.detections import (
    DetectionConfig,
    DetectionSpec,
    geometric_visibility,
    sequence_detections,
    simulate_detections,
)
from synreal.tracking.motchallenge import MotSequence, MotTable, SeqInfo

N = 20000


def one_row_per_frame(vis: np.ndarray, consider: float = 1.0, size: tuple[float, float] = (40.0, 100.0)) -> MotTable:
    n = len(vis)
    return MotTable(frame=np.arange(1, n + 1), id=np.ones(n), box=np.tile([100.0, 50.0, *size], (n, 1)),
                    conf=np.full(n, consider), cls=np.ones(n), vis=vis)  # fmt: skip


def run(gt: MotTable, **knobs: float) -> MotTable:
    base = {"false_positives": 0.0, "miss_correlation": 0.0, "noise_correlation": 0.0, "box_noise_px": 0.0}
    spec = DetectionSpec(enabled=True, **{**base, **knobs})
    return simulate_detections(gt, n_frames=int(gt.frame.max()) if len(gt) else 5000, width=640, height=360,
                               spec=spec, rng=np.random.default_rng(0))  # fmt: skip


def test_spec_is_importable_from_the_scene_set_spec() -> None:
    from synreal.tracking import spec

    assert spec.DetectionSpec is DetectionSpec


def test_misses_grow_with_occlusion() -> None:
    vis = np.repeat([1.0, 0.1], N // 2)
    det = run(one_row_per_frame(vis), miss_rate=0.05, miss_occlusion=0.7)
    found = np.isin(np.arange(1, N + 1), det.frame)
    assert found[: N // 2].mean() == pytest.approx(1 - 0.05, abs=0.015)
    assert found[N // 2 :].mean() == pytest.approx(1 - (0.05 + 0.7 * (1 - 0.1)), abs=0.015)


def test_misses_come_in_bursts_at_the_same_rate() -> None:
    p, rho = 0.2, 0.6
    det = run(one_row_per_frame(np.ones(N)), miss_rate=p, miss_occlusion=0.0, miss_correlation=rho)
    miss = ~np.isin(np.arange(1, N + 1), det.frame)
    assert miss.mean() == pytest.approx(p, abs=0.02)
    # a two-state chain: after a miss the next frame is missed with p + rho (1 - p)
    assert miss[1:][miss[:-1]].mean() == pytest.approx(p + rho * (1 - p), abs=0.03)
    starts = np.flatnonzero(np.diff(miss.astype(int)) == 1)
    ends = np.flatnonzero(np.diff(miss.astype(int)) == -1)
    runs = ends[ends > starts[0]][: len(starts) - 1] - starts[: len(starts) - 1]
    assert runs.mean() == pytest.approx(1 / (1 - (p + rho * (1 - p))), rel=0.1)


def test_scores_drop_with_occlusion() -> None:
    vis = np.repeat([1.0, 0.1], N // 2)
    det = run(one_row_per_frame(vis), miss_rate=0.0, miss_occlusion=0.0, score_mean=0.9, score_occlusion=0.4)
    assert det.conf[: N // 2].mean() == pytest.approx(0.9, abs=0.01)
    assert det.conf[N // 2 :].mean() == pytest.approx(0.9 - 0.4 * (1 - 0.1), abs=0.01)


def test_box_noise_is_relative_to_the_box() -> None:
    det = run(one_row_per_frame(np.ones(N)), miss_rate=0.0, box_noise=0.1)
    cx = det.box[:, 0] + det.box[:, 2] / 2
    assert (cx - 120.0).std() / 40.0 == pytest.approx(0.1, rel=0.05)
    assert np.log(det.box[:, 3] / 100.0).std() == pytest.approx(0.1, rel=0.05)


def test_pixel_noise_makes_small_boxes_relatively_noisier() -> None:
    stds = []
    for size in ((40.0, 100.0), (8.0, 20.0)):
        det = run(one_row_per_frame(np.ones(N), size=size), miss_rate=0.0, box_noise=0.05, box_noise_px=2.0)
        stds.append((det.box[:, 1] + det.box[:, 3] / 2 - (50 + size[1] / 2)).std())
    assert stds[0] == pytest.approx(0.05 * 100 + 2, rel=0.05)
    assert stds[1] == pytest.approx(0.05 * 20 + 2, rel=0.05)


def test_jitter_is_correlated_over_frames() -> None:
    det = run(one_row_per_frame(np.ones(N)), miss_rate=0.0, box_noise=0.1, noise_correlation=0.7)
    cx = det.box[:, 0] + det.box[:, 2] / 2 - 120.0
    assert np.corrcoef(cx[1:], cx[:-1])[0, 1] == pytest.approx(0.7, abs=0.03)
    assert cx.std() / 40.0 == pytest.approx(0.1, rel=0.1)  # the marginal spread is unchanged


def test_false_positives_per_frame() -> None:
    det = run(MotTable.empty(), false_positives=0.3)
    assert len(det) / 5000 == pytest.approx(0.3, abs=0.03)
    assert (det.box[:, 0] >= 0).all() and (det.box[:, 0] + det.box[:, 2] <= 640 + 1e-6).all()
    assert (det.id == -1).all() and np.all(np.diff(det.frame) >= 0)


def test_rows_marked_do_not_consider_are_never_detected() -> None:
    det = run(one_row_per_frame(np.ones(100), consider=0.0), miss_rate=0.0)
    assert len(det) == 0


def test_same_generator_state_same_detections() -> None:
    gt = one_row_per_frame(np.linspace(0, 1, 500))
    spec = DetectionSpec(enabled=True)
    a = simulate_detections(gt, n_frames=500, width=640, height=360, spec=spec, rng=np.random.default_rng(7))
    b = simulate_detections(gt, n_frames=500, width=640, height=360, spec=spec, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.to_array("det"), b.to_array("det"))


def test_geometric_visibility_from_box_overlap() -> None:
    # B stands in front of A (its bottom edge is lower) and covers A's right half; C is alone.
    gt = MotTable.from_rows([[1, 1, 0, 0, 40, 100, 1, 1, 1], [1, 2, 20, 10, 40, 100, 1, 1, 1],
                             [1, 3, 500, 0, 40, 100, 1, 1, 1], [2, 1, 0, 0, 40, 100, 1, 1, 1]])  # fmt: skip
    vis = geometric_visibility(gt)
    # A's lattice points with x >= 20 and y >= 10 are covered: 3 of 6 columns, 11 of 12 rows
    assert vis.tolist() == pytest.approx([1 - (3 / 6) * (11 / 12), 1.0, 1.0, 1.0])


def test_uninformative_visibility_column_is_replaced_by_geometry() -> None:
    # SportsMOT writes visibility 1 everywhere: a person fully hidden behind another is still missed.
    rows = [[f, i, 0, 0, 40, 100 + i, 1, 1, 1.0] for f in range(1, 2001) for i in (1, 2)]
    gt = MotTable.from_rows(rows)  # id 2 is in front of id 1 and covers it
    det = run(gt, miss_rate=0.0, miss_occlusion=1.0)
    assert len(det) == 2000  # only the person in front is detected
    det_gt = run(gt, miss_rate=0.0, miss_occlusion=1.0, visibility="gt")
    assert len(det_gt) == 4000


def test_sequence_detections_depend_on_seed_and_name_not_on_order() -> None:
    gt = one_row_per_frame(np.ones(50))
    a, b = (MotSequence(SeqInfo(n, 50, im_width=640, im_height=360), gt=gt) for n in ("a", "b"))
    cfg = DetectionConfig(source="simulate")
    da = sequence_detections(a, cfg, seed=1)
    np.testing.assert_array_equal(da.box, sequence_detections(a, cfg, seed=1).box)
    assert not np.array_equal(da.box[:5], sequence_detections(b, cfg, seed=1).box[:5])
    assert not np.array_equal(da.box[:5], sequence_detections(a, cfg, seed=2).box[:5])


def test_only_pedestrians_are_detected() -> None:
    rows = [[1, 1, 0, 0, 40, 100, 1, 1, 1.0], [1, 2, 200, 0, 40, 100, 1, 3, 1.0]]  # a pedestrian and a car
    seq = MotSequence(SeqInfo("s", 1), gt=MotTable.from_rows(rows))
    cfg = DetectionConfig(simulation=DetectionSpec(miss_rate=0, false_positives=0))
    det = sequence_detections(seq, cfg, 0)
    assert len(det) == 1 and det.box[0, 0] < 100
