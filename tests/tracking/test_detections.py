"""Simulated detections: misses grow with occlusion, false positives, noise, scores."""

from __future__ import annotations

import numpy as np
import pytest

from synreal.tracking.detections import simulate_detections
from synreal.tracking.motchallenge import MotTable
from synreal.tracking.spec import DetectionSpec

N = 20000


def one_row_per_frame(vis: np.ndarray, consider: float = 1.0) -> MotTable:
    n = len(vis)
    return MotTable(frame=np.arange(1, n + 1), id=np.ones(n), box=np.tile([100.0, 50.0, 40.0, 100.0], (n, 1)),
                    conf=np.full(n, consider), cls=np.ones(n), vis=vis)  # fmt: skip


def run(gt: MotTable, **knobs: float) -> MotTable:
    spec = DetectionSpec(enabled=True, **{"false_positives": 0.0, **knobs})
    return simulate_detections(gt, n_frames=int(gt.frame.max()) if len(gt) else 5000, width=640, height=360,
                               spec=spec, rng=np.random.default_rng(0))  # fmt: skip


def test_misses_grow_with_occlusion() -> None:
    vis = np.repeat([1.0, 0.1], N // 2)
    det = run(one_row_per_frame(vis), miss_rate=0.05, miss_occlusion=0.7)
    found = np.isin(np.arange(1, N + 1), det.frame)
    assert found[: N // 2].mean() == pytest.approx(1 - 0.05, abs=0.015)
    assert found[N // 2 :].mean() == pytest.approx(1 - (0.05 + 0.7 * (1 - 0.1)), abs=0.015)


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
