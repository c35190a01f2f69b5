"""Motion models: the Kalman filter against ByteTrack's, the learned model's pieces and training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synreal.errors import UserInputError
from synreal.tracking.motchallenge import MotSequence, MotTable, SeqInfo
from synreal.tracking.motion import (
    MOTION_MODELS,
    KalmanMotion,
    LearnedConfig,
    LearnedMotion,
    make_motion_model,
)
from synreal.tracking.motion.learned import make_inputs, numpy_forward
from synreal.tracking.motion.toy import toy_sequences
from synreal.tracking.motion.training import (
    MotionTrainConfig,
    sample_windows,
    train_motion_model,
    trajectories,
)

# --------------------------------------------------------------------------------------
# every registered model


@pytest.mark.parametrize("name", MOTION_MODELS.names())
def test_registered_model_batches_over_tracks(name: str) -> None:
    model = make_motion_model(name)
    boxes = np.array([[0.0, 0, 10, 20], [50, 50, 20, 40], [100, 0, 30, 60]])
    s = model.initiate(boxes, fps=30)
    assert len(s) == 3
    s, pred = model.predict(s)
    assert pred.box.shape == (3, 4) and pred.std.shape == (3, 4) and (pred.std > 0).all()
    s = model.update(s, np.array([2, 0]), boxes[[2, 0]] + 1.0)
    s = s.take(np.array([True, False, True])).concat(model.initiate(boxes[:1], fps=30))
    s, pred = model.predict(s)
    assert len(s) == 3 and np.isfinite(pred.box).all()
    assert isinstance(model.trainable, bool)


# --------------------------------------------------------------------------------------
# Kalman: ByteTrack's filter, written with full matrices as in its kalman_filter.py


class ByteTrackKF:
    """ByteTrack's KalmanFilter (xyah), one track, full 8x8 matrices."""

    wp, wv = 1 / 20, 1 / 160
    F = np.eye(8) + np.eye(8, k=4)
    H = np.eye(4, 8)

    def initiate(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = z[3]
        std = [2 * self.wp * h, 2 * self.wp * h, 1e-2, 2 * self.wp * h, 10 * self.wv * h, 10 * self.wv * h, 1e-5, 10 * self.wv * h]
        return np.r_[z, np.zeros(4)], np.diag(np.square(std))

    def predict(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = mean[3]
        q = np.diag(np.square([self.wp * h, self.wp * h, 1e-2, self.wp * h, self.wv * h, self.wv * h, 1e-5, self.wv * h]))
        return self.F @ mean, self.F @ cov @ self.F.T + q

    def project(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = mean[3]
        r = np.diag(np.square([self.wp * h, self.wp * h, 1e-1, self.wp * h]))
        return self.H @ mean, self.H @ cov @ self.H.T + r

    def update(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pm, pc = self.project(mean, cov)
        gain = np.linalg.solve(pc, (cov @ self.H.T).T).T
        return mean + gain @ (z - pm), cov - gain @ pc @ gain.T


def xyah(box: np.ndarray) -> np.ndarray:
    return np.array([box[0] + box[2] / 2, box[1] + box[3] / 2, box[2] / box[3], box[3]])


def test_kalman_equals_bytetracks_filter() -> None:
    rng = np.random.default_rng(0)
    n, steps = 5, 30
    boxes = np.column_stack([rng.uniform(0, 500, n), rng.uniform(0, 300, n), rng.uniform(20, 60, n), rng.uniform(60, 180, n)])
    vel = rng.normal(0, 5, (n, 4)) * [1, 1, 0.1, 0.1]
    kf, ref = KalmanMotion(), ByteTrackKF()
    state = kf.initiate(boxes, fps=30)
    refs = [ref.initiate(xyah(b)) for b in boxes]
    for t in range(steps):
        state, pred = kf.predict(state)
        refs = [ref.predict(*r) for r in refs]
        for i, (m, _) in enumerate(refs):  # the predicted box is the predicted state's box
            np.testing.assert_allclose(pred.box[i], [m[0] - m[2] * m[3] / 2, m[1] - m[3] / 2, m[2] * m[3], m[3]], rtol=1e-9)
        boxes = boxes + vel + rng.normal(0, 1, (n, 4))
        seen = np.flatnonzero(rng.random(n) < 0.7)  # some tracks miss this frame
        state = kf.update(state, seen, boxes[seen])
        for i in seen:
            refs[i] = ref.update(*refs[i], xyah(boxes[i]))
        for i, (m, c) in enumerate(refs):
            np.testing.assert_allclose(state.pos[i], m[:4], rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(state.vel[i], m[4:], rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(state.p_pp[i], np.diag(c)[:4], rtol=1e-9)
            np.testing.assert_allclose(state.p_pv[i], np.diag(c, k=4), rtol=1e-9, atol=1e-12)
            assert np.abs(c[:4, :4] - np.diag(np.diag(c[:4, :4]))).max() < 1e-12  # no coupling to lose


def test_kalman_prediction_std_is_the_innovation_std() -> None:
    kf, ref = KalmanMotion(), ByteTrackKF()
    box = np.array([[100.0, 100, 40, 120]])
    _, pred = kf.predict(kf.initiate(box, fps=30))
    _, s = ref.project(*ref.predict(*ref.initiate(xyah(box[0]))))
    assert pred.std[0, 0] == pytest.approx(np.sqrt(s[0, 0]))
    assert pred.std[0, 3] == pytest.approx(np.sqrt(s[3, 3]))
    a, h = xyah(box[0])[2:]
    assert pred.std[0, 2] == pytest.approx(np.sqrt(h * h * s[2, 2] + a * a * s[3, 3]))


# --------------------------------------------------------------------------------------
# learned model: pieces


@pytest.mark.parametrize("arch", ["gru", "mlp"])
def test_numpy_forward_equals_torch(arch: str) -> None:
    cfg = LearnedConfig(arch=arch, hidden=16, history=6)
    model = LearnedMotion(cfg, seed=1)
    with torch.no_grad():  # give the zero-initialised last layer some weights
        for p in model.network.parameters():
            p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(2)) * 0.1)
    model = LearnedMotion(cfg, model.state_dict())
    traj = trajectories(toy_sequences(2, frames=40, people=4, turn=0.1, seed=0))
    batch = make_inputs(*sample_windows(traj, 32, MotionTrainConfig(model=cfg), np.random.default_rng(0))[:4])
    with torch.no_grad():
        m_t, lv_t = model.network(*(torch.from_numpy(a) for a in batch))
    m_n, lv_n = numpy_forward(model._params, cfg, *batch)
    np.testing.assert_allclose(m_n, m_t.numpy(), atol=1e-5)
    np.testing.assert_allclose(lv_n, lv_t.numpy(), atol=1e-5)


def test_history_bookkeeping_through_a_gap() -> None:
    m = LearnedMotion(LearnedConfig(history=4, hidden=8))
    s = m.initiate(np.array([[0.0, 0, 10, 20]]), fps=25)
    for _ in range(3):  # three frames without a detection
        s, _ = m.predict(s)
    s = m.update(s, np.array([0]), np.array([[6.0, 0, 10, 20]]))
    assert s.dt[0].tolist()[-2:] == [-3.0, 0.0] and s.valid[0].tolist() == [False, False, True, True]
    s, pred = m.predict(s)
    # untrained: constant velocity, 2 px per frame from the two observations 3 frames apart
    assert pred.box[0, 0] == pytest.approx(8.0)


def test_time_in_seconds_makes_frame_rates_agree() -> None:
    cfg = LearnedConfig(hidden=8, time_unit="second")
    m = LearnedMotion(cfg)
    # the same motion per second seen at 50 fps (1 px per frame) and at 25 fps (2 px per frame)
    preds = []
    for fps, step in ((50, 1.0), (25, 2.0)):
        s = m.initiate(np.array([[0.0, 0, 10, 20]]), fps=fps)
        s, _ = m.predict(s)
        s = m.update(s, np.array([0]), np.array([[step, 0, 10, 20]]))
        preds.append(m.predict(s)[1].box[0, 0] - step)
    assert preds == pytest.approx([1.0, 2.0])
    sec = trajectories(toy_sequences(1, frames=5, people=1, fps=50, seed=0), "second")
    assert np.diff(sec.time[:3]).tolist() == pytest.approx([0.5, 0.5])


def test_trajectories_keep_gaps_and_drop_lonely_boxes_and_other_classes() -> None:
    rows = [[1, 1, 0, 0, 10, 20, 1, 1, 1], [2, 1, 1, 0, 10, 20, 1, 1, 1], [5, 1, 4, 0, 10, 20, 1, 1, 1],  # gap 2..5
            [1, 2, 0, 0, 10, 20, 1, 1, 1],  # one box only
            [1, 3, 0, 0, 10, 20, 1, 7, 1], [2, 3, 0, 0, 10, 20, 1, 7, 1],  # static person (class 7)
            [1, 4, 0, 0, 10, 20, 0, 1, 1], [2, 4, 0, 0, 10, 20, 0, 1, 1]]  # fmt: skip  # ignored (consider 0)
    t = trajectories([MotSequence(SeqInfo("a", 5), gt=MotTable.from_rows(rows))])
    assert t.n_tracks == 1 and t.time.tolist() == [1, 2, 5] and t.start.tolist() == [0, 0, 0]
    with pytest.raises(UserInputError, match="no trajectory"):
        trajectories([MotSequence(SeqInfo("b", 5), gt=MotTable.from_rows(rows[3:4]))])


def test_training_windows_respect_track_bounds() -> None:
    seqs = toy_sequences(3, frames=30, people=5, seed=1)
    traj = trajectories(seqs)
    cfg = MotionTrainConfig(model={"history": 6}, gap_prob=0.5, max_gap=10, drop_prob=0.5)
    _, dt, valid, horizon, _ = sample_windows(traj, 500, cfg, np.random.default_rng(0))
    assert valid[:, -1].all() and (horizon >= 1).all()
    assert (dt[valid] <= 0).all() and (np.diff(np.where(valid, dt, -1e9), axis=1) >= 0).all()  # chronological
    assert (valid.sum(1) >= 1).all() and (~valid[:, :-1] | valid[:, 1:]).all()  # right-aligned


# --------------------------------------------------------------------------------------
# learned model: training

FAST = MotionTrainConfig(steps=300, batch_size=128, lr=3e-3, model={"arch": "mlp", "hidden": 32})


def _errors(model: LearnedMotion, seqs: list[MotSequence], noise: float) -> tuple[float, float, float]:
    """Mean centre error (box heights) of the model, of its constant-velocity base and of 'stay put'."""
    traj = trajectories(seqs)
    cfg = FAST.model_copy(update={"input_noise": noise, "input_noise_px": 0.0, "target_noise": False})
    windows = sample_windows(traj, 2000, cfg, np.random.default_rng(123))
    seq, glob, base = make_inputs(*windows[:4])
    y = (windows[4][:, :2] - windows[0][:, -1, :2]) / windows[0][:, -1, 3:4]
    mean, _ = numpy_forward(model._params, model.config, seq, glob, base)
    err = lambda p: float(np.linalg.norm(p[:, :2] - y, axis=1).mean())
    return err(mean), err(base), err(np.zeros_like(y))


def test_pretrained_on_linear_motion_predicts_linear_motion() -> None:
    cfg = FAST.model_copy(update={"steps": 600, "batch_size": 64, "input_noise": 0.01, "input_noise_px": 0.0})
    model, stats = train_motion_model(toy_sequences(6, frames=120, seed=0), cfg, seed=0)
    test = toy_sequences(3, frames=120, seed=99)  # other people, other speeds
    learned, _, stay = _errors(model, test, noise=0.0)
    assert learned < 0.3 * stay
    # on noisy boxes, reading the whole history beats extrapolating the last few
    learned, cv_base, _ = _errors(model, test, noise=0.01)
    assert learned < cv_base
    assert stats.steps == 600 and stats.tracks > 0 and np.isfinite(stats.loss)


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    seqs = toy_sequences(2, frames=60, seed=0)
    cfg = FAST.model_copy(update={"steps": 20})
    a, _ = train_motion_model(seqs, cfg, seed=5)
    b, _ = train_motion_model(seqs, cfg, seed=5)
    c, _ = train_motion_model(seqs, cfg, seed=6)
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    assert any(not torch.equal(a.state_dict()[k], c.state_dict()[k]) for k in a.state_dict())


def _distance(x: dict[str, torch.Tensor], y: dict[str, torch.Tensor]) -> float:
    return float(sum((x[k] - y[k]).abs().sum() for k in x))


def test_fine_tuning_starts_from_the_given_weights() -> None:
    pre, _ = train_motion_model(toy_sequences(4, frames=80, seed=0), FAST.model_copy(update={"steps": 100}), seed=0)
    real = toy_sequences(2, frames=80, turn=0.15, seed=7)
    tiny = FAST.model_copy(update={"steps": 5, "lr": 1e-9})
    kept, stats = train_motion_model(real, tiny, seed=1, init_state=pre)
    fresh, _ = train_motion_model(real, tiny, seed=1)
    assert stats.initialised
    # a vanishing learning rate leaves the given weights in place: fine-tuning really starts there
    assert _distance(kept.state_dict(), pre.state_dict()) < 1e-4 < _distance(fresh.state_dict(), pre.state_dict())
    tuned, _ = train_motion_model(real, FAST.model_copy(update={"steps": 50}), seed=1, init_state=pre.state_dict())
    scratch, _ = train_motion_model(real, FAST.model_copy(update={"steps": 50}), seed=1)
    assert _distance(tuned.state_dict(), pre.state_dict()) > 1e-3
    assert _distance(tuned.state_dict(), scratch.state_dict()) > 1e-3


def test_init_state_of_another_shape_is_a_user_error() -> None:
    pre = LearnedMotion(LearnedConfig(hidden=8))
    with pytest.raises(UserInputError, match="init_state does not fit"):
        train_motion_model(toy_sequences(1, frames=20, seed=0), FAST.model_copy(update={"steps": 1}), init_state=pre)


def test_learned_tracker_is_deterministic() -> None:
    from synreal.tracking.tracker import run_tracker

    seqs = toy_sequences(2, frames=60, turn=0.1, seed=3)
    cfg = FAST.model_copy(update={"steps": 30})
    m1, _ = train_motion_model(seqs, cfg, seed=0)
    m2, _ = train_motion_model(seqs, cfg, seed=0)
    assert run_tracker(seqs, m1, seed=1) == run_tracker(seqs, m2, seed=1)


# --------------------------------------------------------------------------------------
# learned association score (a second learner; not the default)


def test_untrained_association_is_undecided_and_trained_one_separates_pairs() -> None:
    from synreal.tracking.motion.association import (
        AssociationConfig,
        AssociationScorer,
        association_pairs,
        train_association,
    )

    seqs = toy_sequences(3, frames=60, people=10, turn=0.1, seed=0)
    x, y = association_pairs(toy_sequences(2, frames=60, people=10, turn=0.1, seed=9), KalmanMotion(), AssociationConfig(), seed=1)
    assert np.allclose(AssociationScorer(8).logits(x), 0.0)
    scorer, stats = train_association(seqs, KalmanMotion(), AssociationConfig(steps=150, hidden=16), seed=0)
    p = 1 / (1 + np.exp(-scorer.logits(x)))
    assert stats.positives > 0 and 0 < y.mean() < 1
    assert p[y == 1].mean() > 0.9 and p[y == 0].mean() < 0.1


def test_tracker_with_association_score_is_deterministic() -> None:
    from synreal.tracking.motion.association import AssociationConfig, train_association
    from synreal.tracking.tracker import run_tracker

    seqs = toy_sequences(2, frames=40, people=6, seed=4)
    scorer, _ = train_association(seqs, KalmanMotion(), AssociationConfig(steps=20, hidden=8), seed=0)
    a = run_tracker(seqs, "kalman", seed=2, association=scorer)
    assert a == run_tracker(seqs, "kalman", seed=2, association=scorer)
    assert a["HOTA"] > 0.5


@pytest.mark.parametrize(
    "name", ["tracker", "motion", "motion.base", "motion.kalman", "motion.learned", "motion.training", "motion.toy", "motion.association", "motion.network"]
)
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"synreal.tracking.{name}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
