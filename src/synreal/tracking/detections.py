"""Detections, the input of a tracker: a sequence's ``det/det.txt`` or a seeded detector
simulated on ground truth.

The simulation is one noise model applied identically to real and synthetic sequences:

- **misses** rise with occlusion (``miss_rate + miss_occlusion * (1 - visibility)``) and come
  in bursts (``miss_correlation``), so tracks fragment as behind a real detector;
- **box jitter** is relative to the box (``box_noise``) plus a few pixels whatever its size
  (``box_noise_px``, which makes small boxes relatively noisier), and is correlated from frame
  to frame (``noise_correlation``), as a detector's errors are;
- **false positives**: Poisson(``false_positives``) person-shaped boxes per frame, scored low;
- **scores** drop with occlusion.

Visibility comes from the ground truth's visibility column, or, where that column says
nothing (SportsMOT writes 1 everywhere, MOT15 writes -1), from the boxes themselves: the
share of a box not covered by boxes whose bottom edge is lower in the image (closer to the
camera).

The defaults were chosen on MOT17's training ground truth so that a ByteTrack-style tracker
with a Kalman filter scores in the range it reaches with real public detections (see
docs/tracking.md, "Tracking with a learned motion model").
"""

from __future__ import annotations

import zlib
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from synreal.tracking.motchallenge import MotSequence, MotTable

#: Score range of a false positive (uniform).
_SCORE_FP = (0.05, 0.6)


class DetectionSpec(BaseModel):
    """Knobs of the simulated detector (also what ``synreal mot generate`` writes to ``det/det.txt``).

    Example:
        >>> DetectionSpec().miss_rate
        0.03
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(False, description="write det/det.txt when generating a scene set")
    box_noise: float = Field(0.04, ge=0, le=1, description="std of box jitter as a fraction of its size")
    box_noise_px: float = Field(1.0, ge=0, le=100, description="extra std of box jitter in pixels (small boxes: relatively noisier)")
    noise_correlation: float = Field(0.5, ge=0, lt=1, description="frame-to-frame correlation of one person's jitter")
    miss_rate: float = Field(0.03, ge=0, le=1, description="miss probability of a fully visible person")
    miss_occlusion: float = Field(0.4, ge=0, le=1, description="extra miss probability at zero visibility")
    miss_correlation: float = Field(0.5, ge=0, lt=1, description="misses come in bursts: 0 = independent per frame")
    false_positives: float = Field(0.3, ge=0, le=100, description="mean false positives per frame")
    score_mean: float = Field(0.9, ge=0, le=1, description="mean score of a fully visible true detection")
    score_occlusion: float = Field(0.3, ge=0, le=1, description="score drop at zero visibility")
    score_noise: float = Field(0.07, ge=0, le=1, description="std of a true detection's score")
    visibility: Literal["auto", "gt", "geometric"] = Field(
        "auto", description="occlusion from the gt column, from box overlap, or the column when it varies"
    )


class DetectionConfig(BaseModel):
    """Where a tracker's detections come from.

    Example:
        >>> DetectionConfig(source="simulate").simulation.box_noise
        0.04
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Literal["auto", "file", "simulate"] = Field(
        "auto", description="det/det.txt (file), simulated from gt (simulate), or the file when present (auto)"
    )
    simulation: DetectionSpec = Field(default_factory=DetectionSpec)


def sequence_seed(seed: int, name: str) -> int:
    """A seed for one sequence: stable across runs, versions and the order of sequences.

    Example:
        >>> sequence_seed(0, "MOT17-02") == sequence_seed(0, "MOT17-02") != sequence_seed(1, "MOT17-02")
        True
    """
    return int(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]).generate_state(1)[0])


def geometric_visibility(gt: MotTable, grid: int = 6) -> np.ndarray:
    """Visible share of each box: points of a ``grid x 2*grid`` lattice not covered by a box in front.

    A box is in front of another when its bottom edge is lower in the image (closer to a
    camera looking down at a ground plane). Rows whose consider flag is 0 occlude too.

    Args:
        gt: boxes of any number of frames.
        grid: lattice columns per box (rows: twice as many).

    Returns:
        (N,) visible share in [0, 1] per row.

    Example:
        >>> gt = MotTable.from_rows([[1, 1, 0, 0, 10, 20, 1, 1, 1], [1, 2, 0, 0, 10, 30, 1, 1, 1]])
        >>> geometric_visibility(gt).tolist()  # the first is fully behind the second
        [0.0, 1.0]
    """
    vis = np.ones(len(gt))
    if not len(gt):
        return vis
    u = (np.arange(grid) + 0.5) / grid
    v = (np.arange(2 * grid) + 0.5) / (2 * grid)
    pu, pv = (a.ravel() for a in np.meshgrid(u, v))
    order = np.argsort(gt.frame, kind="stable")
    bounds = np.flatnonzero(np.diff(gt.frame[order])) + 1
    for rows in np.split(order, bounds):
        if len(rows) < 2:
            continue
        b = gt.box[rows]
        px = b[:, None, 0] + pu[None] * b[:, None, 2]  # (n, P)
        py = b[:, None, 1] + pv[None] * b[:, None, 3]
        x0, y0, x1, y1 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
        inside = (
            (px[:, :, None] >= x0) & (px[:, :, None] <= x1) & (py[:, :, None] >= y0) & (py[:, :, None] <= y1)
        )  # (n, P, m): point p of box i lies in box j
        front = y1[None, :] > y1[:, None]  # j in front of i
        covered = (inside & front[:, None, :]).any(axis=2)
        vis[rows] = 1.0 - covered.mean(axis=1)
    return vis


def _visibility(gt: MotTable, mode: str) -> np.ndarray:
    """Per-row visibility in [0, 1] following ``DetectionSpec.visibility``."""
    column = gt.vis
    informative = len(gt) > 0 and bool((column >= 0).all()) and bool((column < 1).any())
    if mode == "gt" or (mode == "auto" and informative):
        return np.clip(np.where(column < 0, 1.0, column), 0, 1)
    return geometric_visibility(gt)


def _track_chains(gt: MotTable) -> tuple[np.ndarray, np.ndarray]:
    """Row order by (id, frame) and, per ordered row, whether it continues the previous row's track."""
    order = np.lexsort((gt.frame, gt.id))
    same = np.zeros(len(order), bool)
    if len(order) > 1:
        same[1:] = (gt.id[order][1:] == gt.id[order][:-1]) & (gt.frame[order][1:] == gt.frame[order][:-1] + 1)
    return order, same


def _by_rank(rank: np.ndarray) -> list[np.ndarray]:
    """Row indices grouped by their rank along a track (0 = first row of a chain)."""
    order = np.argsort(rank, kind="stable")
    bounds = np.flatnonzero(np.diff(rank[order])) + 1
    return np.split(order, bounds) if len(rank) else []


def _markov_misses(p: np.ndarray, cont: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Miss flags along tracks: a two-state chain whose stationary miss rate is ``p`` per row.

    After a detection the next frame is missed with ``p * (1 - rho)``, after a miss with
    ``p + rho * (1 - p)``; ``rho = 0`` gives independent misses.
    """
    u = rng.random(len(p))
    if rho == 0:
        return u < p
    miss = np.zeros(len(p), bool)
    start = np.flatnonzero(~cont)
    rank = np.arange(len(p)) - np.maximum.accumulate(np.where(~cont, np.arange(len(p)), 0))
    miss[start] = u[start] < p[start]
    for rows in _by_rank(rank)[1:]:
        prev = miss[rows - 1]
        q = np.where(prev, p[rows] + rho * (1 - p[rows]), p[rows] * (1 - rho))
        miss[rows] = u[rows] < q
    return miss


def _ar1_noise(n: int, cont: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Standard normal noise (n, 4), AR(1)-correlated with coefficient ``rho`` along tracks."""
    e = rng.normal(0.0, 1.0, (n, 4))
    if rho == 0 or n == 0:
        return e
    out = e.copy()
    rank = np.arange(n) - np.maximum.accumulate(np.where(~cont, np.arange(n), 0))
    s = np.sqrt(1 - rho * rho)
    for rows in _by_rank(rank)[1:]:
        out[rows] = rho * out[rows - 1] + s * e[rows]
    return out


def simulate_detections(
    gt: MotTable,
    *,
    n_frames: int,
    width: int,
    height: int,
    spec: DetectionSpec,
    rng: np.random.Generator,
) -> MotTable:
    """Detections of one sequence derived from its ground truth.

    A ground-truth box with visibility ``v`` is missed with probability
    ``miss_rate + miss_occlusion * (1 - v)`` on average (in bursts when
    ``miss_correlation > 0``); a kept box is jittered by ``box_noise`` times its size plus
    ``box_noise_px`` pixels (correlated over frames by ``noise_correlation``) and scored
    around ``score_mean - score_occlusion * (1 - v)``. Each frame also gets
    Poisson(``false_positives``) boxes of person-like shape at random places, scored low.
    Rows whose consider flag is 0 are not detected.

    Args:
        gt: ground truth (visibility from its column or from box overlap, see ``spec.visibility``).
        n_frames: sequence length.
        width: image width (false positives fall inside the image).
        height: image height.
        spec: the detection knobs.
        rng: random generator (the sequence's).

    Returns:
        Detections (id -1), sorted by frame.

    Example:
        >>> gt = MotTable.from_rows([[1, 1, 10, 10, 20, 50, 1, 1, 1.0]])
        >>> spec = DetectionSpec(enabled=True, miss_rate=0, false_positives=0)
        >>> det = simulate_detections(gt, n_frames=1, width=64, height=64, spec=spec, rng=np.random.default_rng(0))
        >>> len(det), int(det.id[0])
        (1, -1)
    """
    return _simulate(gt, n_frames=n_frames, width=width, height=height, spec=spec, rng=rng)[0]


def _simulate(
    gt: MotTable, *, n_frames: int, width: int, height: int, spec: DetectionSpec, rng: np.random.Generator
) -> tuple[MotTable, np.ndarray]:
    """``simulate_detections`` plus, per detection, the ground-truth row it came from (-1: false positive)."""
    order, cont = _track_chains(gt)
    g = gt.select(order)
    vis = _visibility(g, spec.visibility)
    p_miss = np.clip(spec.miss_rate + spec.miss_occlusion * (1 - vis), 0, 1)
    miss = _markov_misses(p_miss, cont, spec.miss_correlation, rng)
    noise = _ar1_noise(len(g), cont, spec.noise_correlation, rng)
    keep = ~miss & (g.conf != 0)
    w, h = g.box[:, 2], g.box[:, 3]
    px = spec.box_noise_px
    cx = g.box[:, 0] + w / 2 + noise[:, 0] * (spec.box_noise * w + px)
    cy = g.box[:, 1] + h / 2 + noise[:, 1] * (spec.box_noise * h + px)
    w = w * np.exp(noise[:, 2] * (spec.box_noise + px / np.maximum(w, 1)))
    h = h * np.exp(noise[:, 3] * (spec.box_noise + px / np.maximum(h, 1)))
    det_box = np.stack([cx - w / 2, cy - h / 2, w, h], -1)[keep]
    score = np.clip(rng.normal(spec.score_mean - spec.score_occlusion * (1 - vis[keep]), spec.score_noise), 0.01, 1.0)
    frames = g.frame[keep]

    n_fp = rng.poisson(spec.false_positives, n_frames)
    total = int(n_fp.sum())
    fp_frames = np.repeat(np.arange(1, n_frames + 1), n_fp)
    ref_h = np.median(gt.box[:, 3]) if len(gt) else height / 4
    fh = np.clip(ref_h * np.exp(rng.normal(0, 0.5, total)), 8, height)
    fw = fh * rng.uniform(0.3, 0.5, total)
    fx = rng.uniform(0, 1, total) * np.maximum(width - fw, 1)
    fy = rng.uniform(0, 1, total) * np.maximum(height - fh, 1)
    fp_box = np.stack([fx, fy, fw, fh], -1)
    fp_score = rng.uniform(*_SCORE_FP, total)

    all_frames = np.concatenate([frames, fp_frames])
    source = np.concatenate([order[keep], -np.ones(total, np.int64)])
    order = np.argsort(all_frames, kind="stable")
    m = len(all_frames)
    table = MotTable(
        frame=all_frames[order],
        id=-np.ones(m, np.int64),
        box=np.round(np.concatenate([det_box, fp_box])[order], 2),
        conf=np.round(np.concatenate([score, fp_score])[order], 4),
        cls=-np.ones(m, np.int64),
        vis=-np.ones(m),
    )
    return table, source[order]


def sequence_detections(sequence: MotSequence, config: DetectionConfig, seed: int) -> MotTable:
    """The detections a tracker sees on one sequence.

    Args:
        sequence: a sequence read with ``read_sequence`` (or built in memory).
        config: ``source`` picks ``det/det.txt`` or the simulation; ``simulation`` its knobs.
        seed: the run's seed; the simulation of each sequence uses a seed derived from it and
            the sequence name, so a sequence gets the same detections whatever else is run.

    Returns:
        Detections (id -1), sorted by frame.

    Raises:
        UserInputError: ``source="file"`` on a sequence without ``det/det.txt``, or
            ``simulate`` on one without ground truth.

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> seq = MotSequence(SeqInfo("s", 2), gt=MotTable.from_rows([[1, 1, 0, 0, 20, 50, 1, 1, 1.0]]))
        >>> cfg = DetectionConfig(simulation=DetectionSpec(miss_rate=0, false_positives=0))
        >>> len(sequence_detections(seq, cfg, seed=0))
        1
    """
    from synreal.errors import UserInputError

    where = str(sequence.path) if sequence.path is not None else sequence.name
    if config.source == "file" or (config.source == "auto" and sequence.det is not None):
        if sequence.det is None:
            raise UserInputError("detections.source is 'file' but the sequence has no det/det.txt", file=where)
        return sequence.det.sorted()
    if sequence.gt is None:
        raise UserInputError("cannot simulate detections: the sequence has no gt/gt.txt", file=where)
    return simulated_with_ids(sequence, config.simulation, seed)[0]


def simulated_with_ids(sequence: MotSequence, spec: DetectionSpec, seed: int) -> tuple[MotTable, np.ndarray]:
    """Simulated detections of a sequence (as ``sequence_detections``) and the gt id of each (-1: false positive).

    The ids let learners be trained on what a detector would give (association scores).

    Args:
        sequence: a sequence with ground truth.
        spec: the simulated detector.
        seed: the run's seed (combined with the sequence name).

    Returns:
        (detections, ids) with ids aligned to the detection rows.

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> seq = MotSequence(SeqInfo("s", 1), gt=MotTable.from_rows([[1, 7, 0, 0, 20, 50, 1, 1, 1.0]]))
        >>> simulated_with_ids(seq, DetectionSpec(miss_rate=0, false_positives=0), 0)[1].tolist()
        [7]
    """
    gt = sequence.gt
    if gt is None:
        raise ValueError(f"sequence {sequence.name} has no ground truth")
    if len(gt) and bool((gt.cls >= 0).any()):
        # Pedestrians only: MOT17's distractor and vehicle classes are not what a person detector fires on.
        gt = gt.select(gt.cls == 1)
    info = sequence.info
    rng = np.random.default_rng(sequence_seed(seed, sequence.name))
    det, src = _simulate(gt, n_frames=info.seq_length, width=info.im_width, height=info.im_height, spec=spec, rng=rng)
    return det, np.where(src >= 0, gt.id[np.maximum(src, 0)], -1)
