"""Sample images for the report: written by the workers that made them, collected by the parent.

A worker that materialises a training set from a source (a pre-training checkpoint, a mix
run, a retrieved or generated run) stores its first images of each class beside the
artifacts (``samples/<job key>.npz``; a worker on another machine sends the file back with
its result); after a study the parent gathers one set per source label into
``samples.npz`` for the report's grids. The parent never regenerates data to draw them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synreal.fileio import atomic_path
from synreal.study.jobs import Job

SAMPLES_FILE = "samples.npz"
PER_CLASS = 4


def by_class(data: Any, k: int = PER_CLASS) -> np.ndarray:
    """The first ``k`` images of each class, in class order ((N, C, H, W) floats in [0, 1]).

    Example:
        >>> from synreal.data.base import ImageSet
        >>> s = ImageSet(np.zeros((6, 1, 2, 2), "f4"), np.array([0, 1, 0, 1, 0, 1]), ["a", "b"])
        >>> by_class(s, k=2).shape
        (4, 1, 2, 2)
    """
    labels = np.asarray(data.labels)
    idx = [i for c in range(len(data.classes)) for i in np.flatnonzero(labels == c)[:k]]
    return np.asarray(data.images[np.asarray(idx, dtype=int)], dtype=np.float32)


def write_samples(artifacts: Path, key: str, data: Any) -> None:
    """Store the first images of each class of a training set a job made (images only)."""
    if not hasattr(data, "images"):
        return  # features (embeddings) have no picture to show
    path = Path(artifacts) / "samples" / f"{key}.npz"
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, images=by_class(data))


def collect_samples(jobs: list[Job], real: Any, artifacts: Path, out: Path) -> dict[str, np.ndarray]:
    """One grid per source label (the first job in plan order that stored one), plus the real images.

    Args:
        jobs: the study's jobs in plan order.
        real: the real dataset.
        artifacts: the folder the workers wrote ``samples/`` into.
        out: the ``samples.npz`` to write (atomically).

    Returns:
        label -> images.
    """
    grids: dict[str, np.ndarray] = {}
    if hasattr(real, "images"):
        grids["real"] = by_class(real)
    for job in jobs:
        label = job.labels.source if job.labels is not None else "pool-diffusion"
        if job.kind == "run" and job.labels is not None and job.labels.condition in ("retrieved", "generated",
                                                                                     "perturbed"):
            label = job.labels.source if ":" in job.labels.source else f"generated:{job.labels.source}"
        if label in grids or label == "none":
            continue
        f = Path(artifacts) / "samples" / f"{job.key}.npz"
        if f.is_file():
            with np.load(f) as z:
                grids[label] = z["images"]
    with atomic_path(out) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **grids)
    return grids
