"""Simulated public detections (``det/det.txt``): noisy boxes, occlusion-driven misses,
false positives and scores, like the detector output MOT17 ships with its sequences."""

from __future__ import annotations

import numpy as np

from synreal.tracking.motchallenge import MotTable
from synreal.tracking.spec import DetectionSpec


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
    ``miss_rate + miss_occlusion * (1 - v)``; a kept box is jittered by ``box_noise``
    times its size and scored around ``score_mean - score_occlusion * (1 - v)``. Each frame
    also gets Poisson(``false_positives``) boxes of person-like shape at random places,
    scored low. Rows whose consider flag is 0 are not detected.

    Args:
        gt: ground truth with visibility.
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
    vis = np.clip(np.where(gt.vis < 0, 1.0, gt.vis), 0, 1)
    p_miss = np.clip(spec.miss_rate + spec.miss_occlusion * (1 - vis), 0, 1)
    keep = (rng.random(len(gt)) >= p_miss) & (gt.conf != 0)
    box = gt.box[keep].copy()
    n = len(box)
    w, h = box[:, 2], box[:, 3]
    cx = box[:, 0] + w / 2 + rng.normal(0, spec.box_noise, n) * w
    cy = box[:, 1] + h / 2 + rng.normal(0, spec.box_noise, n) * h
    w = w * np.exp(rng.normal(0, spec.box_noise, n))
    h = h * np.exp(rng.normal(0, spec.box_noise, n))
    det_box = np.stack([cx - w / 2, cy - h / 2, w, h], -1)
    score = np.clip(rng.normal(spec.score_mean - spec.score_occlusion * (1 - vis[keep]), 0.07), 0.01, 1.0)
    frames = gt.frame[keep]

    n_fp = rng.poisson(spec.false_positives, n_frames)
    total = int(n_fp.sum())
    fp_frames = np.repeat(np.arange(1, n_frames + 1), n_fp)
    ref_h = np.median(gt.box[:, 3]) if len(gt) else height / 4
    fh = np.clip(ref_h * np.exp(rng.normal(0, 0.5, total)), 8, height)
    fw = fh * rng.uniform(0.3, 0.5, total)
    fx = rng.uniform(0, 1, total) * np.maximum(width - fw, 1)
    fy = rng.uniform(0, 1, total) * np.maximum(height - fh, 1)
    fp_box = np.stack([fx, fy, fw, fh], -1)
    fp_score = rng.uniform(0.05, 0.6, total)

    all_frames = np.concatenate([frames, fp_frames])
    order = np.argsort(all_frames, kind="stable")
    m = len(all_frames)
    return MotTable(
        frame=all_frames[order],
        id=-np.ones(m, np.int64),
        box=np.round(np.concatenate([det_box, fp_box])[order], 2),
        conf=np.round(np.concatenate([score, fp_score])[order], 4),
        cls=-np.ones(m, np.int64),
        vis=-np.ones(m),
    )
