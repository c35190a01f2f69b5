"""A ByteTrack-style tracker over plain numpy arrays, with a pluggable motion model.

Each frame: the motion model predicts every live track's box (and its uncertainty); high-
score detections are matched to tracked and lost tracks, then low-score detections to the
tracks still unmatched (ByteTrack's second stage), then tentative tracks to what is left;
matches use the Hungarian algorithm on ``1 - IoU`` (ByteTrack). With ``buffer > 0`` both
boxes of a pair are first widened by ``buffer`` times the motion model's predicted standard
deviation of the track's centre (an uncertainty-aware version of C-BIoU's buffered IoU: a
track whose position is uncertain reaches further); it helps fast players (SportsMOT) and
hurts dense crowds (MOT17), so it is off by default. A Mahalanobis term and gate on the
predicted uncertainty are available too, as is a learned association score. A track is confirmed after ``min_hits``
consecutive hits and dropped after ``max_lost`` frames without one. The motion model is any
``synreal.tracking.motion.MotionModel``: the Kalman filter or a learned one, unchanged.

``run_tracker`` runs the whole pipeline on sequences (detections read or simulated, tracking,
TrackEval-exact scoring) and returns one dict of metrics, one call per study run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import linear_sum_assignment

from synreal.tracking.detections import DetectionConfig, sequence_detections
from synreal.tracking.metrics import _corners, _iou, evaluate_sequences
from synreal.tracking.motchallenge import MotSequence, MotTable
from synreal.tracking.motion.base import MotionModel, to_cxcywh

if TYPE_CHECKING:
    from synreal.tracking.motion.association import AssociationScorer

TENTATIVE, TRACKED, LOST = 0, 1, 2
_INVALID = 1e6


class TrackerConfig(BaseModel):
    """Knobs of the tracker (ByteTrack's defaults where it has one).

    Example:
        >>> TrackerConfig().high_thresh
        0.6
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    high_thresh: float = Field(0.6, ge=0, le=1, description="detections at or above: first association stage")
    low_thresh: float = Field(0.1, ge=0, le=1, description="detections below are discarded; between: second stage")
    new_track_thresh: float = Field(0.7, ge=0, le=1, description="an unmatched detection at or above starts a track")
    match_thresh: float = Field(0.8, gt=0, le=2, description="first stage: largest cost of a match (1 - IoU, plus distance)")
    low_match_thresh: float = Field(0.5, gt=0, le=2, description="second stage (low-score detections): largest cost")
    tentative_match_thresh: float = Field(0.7, gt=0, le=2, description="tentative tracks: largest cost")
    fuse_score: bool = Field(True, description="first stage: multiply IoU by the detection score (ByteTrack on MOT17)")
    min_hits: int = Field(2, ge=1, le=100, description="consecutive hits that confirm a track (frame 1: at once)")
    max_lost: int = Field(30, ge=0, le=10_000, description="frames at 30 fps a lost track is kept (scaled by fps)")
    distance_weight: float = Field(0.0, ge=0, le=100, description="cost += weight * Mahalanobis^2 / 4 from the predicted std")
    gate: float | None = Field(None, gt=0, description="forbid pairs whose Mahalanobis^2 (4 dof) exceeds this")
    buffer: float = Field(
        0.0, ge=0, le=100, description="IoU of boxes widened by this many predicted std of the centre (0: plain IoU)"
    )
    buffer_ratio: float = Field(0.0, ge=0, le=10, description="IoU of boxes widened by this share of the track's size (C-BIoU)")


def _buffered_iou(a: np.ndarray, b: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """IoU (n x m) of boxes ``a`` and ``b`` (ltwh), both widened on every side by the margin (n, 2) of the ``a`` row."""
    mx, my = margin[:, 0:1], margin[:, 1:2]
    ax0, ay0 = a[:, 0:1] - mx, a[:, 1:2] - my
    ax1, ay1 = a[:, 0:1] + a[:, 2:3] + mx, a[:, 1:2] + a[:, 3:4] + my
    bx0, by0 = b[None, :, 0] - mx, b[None, :, 1] - my
    bx1, by1 = b[None, :, 0] + b[None, :, 2] + mx, b[None, :, 1] + b[None, :, 3] + my
    iw = np.maximum(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0)
    ih = np.maximum(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0)
    inter = iw * ih
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / np.maximum(union, 1e-9)


class Tracker:
    """Online multi-object tracker over one sequence (call ``step`` once per frame).

    Args:
        motion: the motion model.
        config: the tracker's knobs.
        fps: the sequence's frame rate (scales ``max_lost``; learned models may use it).
        association: a learned association score; None: IoU (buffered by ``config.buffer``).

    Example:
        >>> from synreal.tracking.motion import KalmanMotion
        >>> t = Tracker(KalmanMotion(), TrackerConfig(), fps=30)
        >>> ids, boxes = t.step(np.array([[0.0, 0, 10, 20]]), np.array([0.9]))
        >>> ids.tolist()
        [1]
    """

    def __init__(self, motion: MotionModel, config: TrackerConfig, fps: float, association: AssociationScorer | None = None) -> None:
        self.motion, self.config, self.fps, self.association = motion, config, float(fps), association
        self.max_lost = round(config.max_lost * self.fps / 30.0)
        self.frame = 0
        self.next_id = 1
        self.ids = np.zeros(0, np.int64)  # 0 while tentative
        self.status = np.zeros(0, np.int64)
        self.hits = np.zeros(0, np.int64)
        self.last = np.zeros(0, np.int64)
        self.state = motion.initiate(np.zeros((0, 4)), self.fps)

    def _cost(self, pred_box: np.ndarray, pred_std: np.ndarray, det: np.ndarray, score: np.ndarray, fuse: bool) -> np.ndarray:
        """Association cost (tracks x detections); pairs the gate forbids cost ``_INVALID``."""
        c = self.config
        if c.buffer > 0 or c.buffer_ratio > 0:
            margin = c.buffer * pred_std[:, :2] + c.buffer_ratio * pred_box[:, 2:]
            iou = _buffered_iou(pred_box, det, margin)
        else:
            iou = _iou(_corners(pred_box), _corners(det))
        if fuse:
            iou = iou * score[None, :]
        cost = 1.0 - iou
        if c.distance_weight > 0 or c.gate is not None:
            z = (to_cxcywh(det)[None, :, :] - to_cxcywh(pred_box)[:, None, :]) / np.maximum(pred_std[:, None, :], 1e-3)
            d2 = (z * z).sum(-1)
            cost = cost + c.distance_weight * d2 / 4.0
            if c.gate is not None:
                cost[d2 > c.gate] = _INVALID
        return cost

    def _match(self, tracks: np.ndarray, dets: np.ndarray, cost_fn, thresh: float) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
        """Hungarian matching of track rows to detection rows; pairs above ``thresh`` are dropped."""
        if not len(tracks) or not len(dets):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        cost = cost_fn(tracks, dets)
        cost = np.where(cost > thresh, _INVALID, cost)
        r, k = linear_sum_assignment(cost)
        ok = cost[r, k] <= thresh
        return tracks[r[ok]], dets[k[ok]]

    def step(self, boxes: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Track one frame of detections.

        Args:
            boxes: (m, 4) detections, ``left, top, width, height``.
            scores: (m,) detection scores.

        Returns:
            (ids, boxes) of the confirmed tracks matched in this frame (the boxes are the
            matched detections).
        """
        c = self.config
        self.frame += 1
        boxes = np.asarray(boxes, float).reshape(-1, 4)
        scores = np.asarray(scores, float).reshape(-1)
        keep = scores >= c.low_thresh
        boxes, scores = boxes[keep], scores[keep]
        high = np.flatnonzero(scores >= c.high_thresh)
        low = np.flatnonzero(scores < c.high_thresh)

        n = len(self.status)
        if n:
            self.state, pred = self.motion.predict(self.state)
            pbox, pstd = pred.box, pred.std
        else:
            pbox, pstd = np.zeros((0, 4)), np.zeros((0, 4))

        def cost(fuse: bool):  # type: ignore[no-untyped-def]
            if self.association is not None:
                score = self.association.score
                return lambda t, d: 1.0 - score(pbox[t], pstd[t], boxes[d], scores[d], self.frame - self.last[t], self.hits[t])
            return lambda t, d: self._cost(pbox[t], pstd[t], boxes[d], scores[d], fuse)

        # 1: high-score detections vs confirmed tracks (tracked or lost)
        t1, d1 = self._match(np.flatnonzero(self.status != TENTATIVE), high, cost(c.fuse_score), c.match_thresh)
        matched = np.zeros(n, bool)
        matched[t1] = True
        # 2: low-score detections vs tracked tracks still unmatched
        t2, d2 = self._match(np.flatnonzero((self.status == TRACKED) & ~matched), low, cost(False), c.low_match_thresh)
        # 3: tentative tracks vs high-score detections still unmatched
        used = np.zeros(len(boxes), bool)
        used[d1] = True
        high_left = high[~used[high]]
        t3, d3 = self._match(np.flatnonzero(self.status == TENTATIVE), high_left, cost(c.fuse_score), c.tentative_match_thresh)
        used[d3] = True

        rows = np.concatenate([t1, t2, t3])
        drows = np.concatenate([d1, d2, d3])
        matched[rows] = True
        if len(rows):
            self.state = self.motion.update(self.state, rows, boxes[drows])
            consecutive = self.last[rows] == self.frame - 1
            self.hits[rows] = np.where(consecutive, self.hits[rows] + 1, 1)
            self.last[rows] = self.frame
            confirm = rows[(self.status[rows] == TENTATIVE) & (self.hits[rows] >= c.min_hits)]
            self.ids[confirm] = np.arange(self.next_id, self.next_id + len(confirm))
            self.next_id += len(confirm)
            self.status[rows] = np.where(self.ids[rows] > 0, TRACKED, TENTATIVE)
        shown = self.status[rows] == TRACKED
        out_ids, out_boxes = self.ids[rows[shown]], boxes[drows[shown]]

        # unmatched: tracked -> lost; tentative and long-lost tracks die
        self.status[~matched & (self.status == TRACKED)] = LOST
        dead = ~matched & (self.status == TENTATIVE)
        dead |= (self.status == LOST) & (self.frame - self.last > self.max_lost)
        if dead.any():
            self._keep(~dead)

        # births: unmatched high-score detections
        new = high[~used[high]]
        new = new[scores[new] >= c.new_track_thresh]
        if len(new):
            first = self.frame == 1 or c.min_hits <= 1
            k = len(new)
            self.state = self.state.concat(self.motion.initiate(boxes[new], self.fps))
            self.status = np.concatenate([self.status, np.full(k, TRACKED if first else TENTATIVE)])
            new_ids = np.arange(self.next_id, self.next_id + k) if first else np.zeros(k, np.int64)
            self.next_id += k if first else 0
            self.ids = np.concatenate([self.ids, new_ids])
            self.hits = np.concatenate([self.hits, np.ones(k, np.int64)])
            self.last = np.concatenate([self.last, np.full(k, self.frame)])
            if first:
                out_ids = np.concatenate([out_ids, new_ids])
                out_boxes = np.concatenate([out_boxes, boxes[new]])
        return out_ids, out_boxes

    def _keep(self, mask: np.ndarray) -> None:
        """Drop the tracks where ``mask`` is false."""
        self.state = self.state.take(mask)
        self.ids, self.status, self.hits, self.last = self.ids[mask], self.status[mask], self.hits[mask], self.last[mask]


def track_detections(
    detections: MotTable,
    motion: MotionModel,
    config: TrackerConfig,
    *,
    fps: float,
    n_frames: int,
    association: AssociationScorer | None = None,
) -> MotTable:
    """Track one sequence of detections.

    Args:
        detections: detections (frame, box, score), any order.
        motion: the motion model.
        config: the tracker's knobs.
        fps: the sequence's frame rate.
        n_frames: the sequence length (frames 1..n_frames are stepped).
        association: a learned association score, or None for (buffered) IoU.

    Returns:
        Tracker output (frame, id, box, score 1), sorted by frame.

    Example:
        >>> from synreal.tracking.motion import KalmanMotion
        >>> det = MotTable.from_rows([[f, -1, 10 + 2 * f, 10, 20, 50, 0.9] for f in range(1, 6)])
        >>> out = track_detections(det, KalmanMotion(), TrackerConfig(), fps=30, n_frames=5)
        >>> out.id.tolist()
        [1, 1, 1, 1, 1]
    """
    order = np.argsort(detections.frame, kind="stable")
    frames = detections.frame[order]
    box, conf = detections.box[order], detections.conf[order]
    bounds = np.searchsorted(frames, np.arange(1, n_frames + 2))
    tracker = Tracker(motion, config, fps, association)
    out_f, out_i, out_b = [], [], []
    for f in range(1, n_frames + 1):
        a, b = bounds[f - 1], bounds[f]
        ids, boxes = tracker.step(box[a:b], conf[a:b])
        if len(ids):
            out_f.append(np.full(len(ids), f))
            out_i.append(ids)
            out_b.append(boxes)
    if not out_f:
        return MotTable.empty()
    m = sum(len(x) for x in out_f)
    return MotTable(
        frame=np.concatenate(out_f), id=np.concatenate(out_i), box=np.concatenate(out_b),
        conf=np.ones(m), cls=-np.ones(m, np.int64), vis=-np.ones(m),
    ).sorted()  # fmt: skip


def _as_model(motion_model: MotionModel | str) -> MotionModel:
    """A motion model instance from an instance or a registered name (default config)."""
    if isinstance(motion_model, MotionModel):
        return motion_model
    from synreal.tracking.motion import make_motion_model

    return make_motion_model(motion_model)


def track_sequences(
    sequences: Sequence[MotSequence],
    motion_model: MotionModel | str,
    tracker_config: TrackerConfig | None = None,
    detection_config: DetectionConfig | None = None,
    seed: int = 0,
    association: AssociationScorer | None = None,
) -> dict[str, MotTable]:
    """Tracker output of each sequence (detections read or simulated with ``seed``).

    Args:
        sequences: the sequences (``read_sequence`` or built in memory).
        motion_model: a ``MotionModel`` or a registered name (``"kalman"``).
        tracker_config: the tracker's knobs (default: ``TrackerConfig()``).
        detection_config: where detections come from (default: ``DetectionConfig()``).
        seed: seeds the simulated detections.
        association: a learned association score (``train_association``), or None for IoU.

    Returns:
        Sequence name -> tracker output.

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> gt = MotTable.from_rows([[f, 1, 10 + 3 * f, 10, 20, 50, 1, 1, 1.0] for f in range(1, 9)])
        >>> out = track_sequences([MotSequence(SeqInfo("a", 8), gt=gt)], "kalman")
        >>> sorted(set(out["a"].id.tolist()))
        [1]
    """
    model = _as_model(motion_model)
    tcfg = tracker_config or TrackerConfig()
    dcfg = detection_config or DetectionConfig()
    out = {}
    for seq in sequences:
        det = sequence_detections(seq, dcfg, seed)
        out[seq.name] = track_detections(
            det, model, tcfg, fps=seq.info.frame_rate, n_frames=seq.info.seq_length, association=association
        )
    return out


def run_tracker(
    sequences: Sequence[MotSequence],
    motion_model: MotionModel | str,
    tracker_config: TrackerConfig | None = None,
    detection_config: DetectionConfig | None = None,
    seed: int = 0,
    association: AssociationScorer | None = None,
) -> dict[str, float]:
    """Track and score sequences: one call per study run.

    Detections come from ``det/det.txt`` or a seeded simulation on ground truth
    (``detection_config``); the output is scored with TrackEval's arithmetic
    (``synreal.tracking.metrics``), sequences combined as TrackEval combines them.

    Args:
        sequences: test sequences with ground truth.
        motion_model: a ``MotionModel`` or a registered name (``"kalman"``).
        tracker_config: the tracker's knobs (default: ``TrackerConfig()``).
        detection_config: where detections come from (default: ``DetectionConfig()``).
        seed: seeds the simulated detections (same seed -> same numbers).
        association: a learned association score (``train_association``), or None for IoU.

    Returns:
        Metric name -> value for every metric in ``synreal.tracking.metrics.METRICS``
        (HOTA, DetA, AssA, IDF1, MOTA, ...: scores in [0, 1], counts as numbers).

    Raises:
        UserInputError: a sequence without ground truth, or no sequences.

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> gt = MotTable.from_rows([[f, 1, 10 + 3 * f, 10, 20, 50, 1, 1, 1.0] for f in range(1, 9)])
        >>> cfg = DetectionConfig(simulation={"miss_rate": 0, "false_positives": 0, "box_noise": 0, "box_noise_px": 0})
        >>> m = run_tracker([MotSequence(SeqInfo("a", 8), gt=gt)], "kalman", detection_config=cfg)
        >>> round(m["IDF1"], 3), int(m["IDSW"])
        (1.0, 0)
    """
    from synreal.errors import UserInputError

    for seq in sequences:
        if seq.gt is None:
            raise UserInputError("cannot score a sequence without ground truth (gt/gt.txt)", file=seq.path or seq.name)
    tracks = track_sequences(sequences, motion_model, tracker_config, detection_config, seed, association)
    items = {s.name: (s.gt, tracks[s.name], s.info.seq_length) for s in sequences}
    return evaluate_sequences(items).summary()  # type: ignore[arg-type]
