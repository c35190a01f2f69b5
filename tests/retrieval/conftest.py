"""Shared fixtures: the real digits split into train/test/pool, and the default pool built from it."""

from __future__ import annotations

import numpy as np
import pytest

from synreal.data.base import ImageSet
from synreal.data.datasets import load_digits_set
from synreal.data.splits import make_split
from synreal.retrieval import Pool, digits_pool


@pytest.fixture(scope="session")
def digit_splits() -> dict[str, ImageSet]:
    """Real digits: train / test / held-out pool part (30% each of test and pool)."""
    d = load_digits_set()
    s = make_split(d.labels, test_fraction=0.3, pool_fraction=0.3, seed=0)
    return {"train": d.subset(s.train), "test": d.subset(s.test), "held": d.subset(s.pool)}


@pytest.fixture(scope="session")
def default_pool(digit_splits: dict[str, ImageSet]) -> Pool:
    """The embedded default pool built from the held-out digits."""
    return digits_pool(digit_splits["held"], seed=0)


@pytest.fixture
def make_pool():
    """Factory: a pool of random 1x4x4 images with the given captions (and optional labels)."""

    def make(captions: list[str], labels: list[int] | None = None, classes: list[str] | None = None, seed: int = 0) -> Pool:
        rng = np.random.default_rng(seed)
        images = rng.random((len(captions), 1, 4, 4), dtype=np.float32)
        lab = None if labels is None else np.asarray(labels, np.int64)
        return Pool(images, list(captions), lab, classes)

    return make
