"""De-duplication: planted exact and lightly noised copies of test images are removed and counted."""

from __future__ import annotations

import numpy as np
import pytest

from synreal.errors import UserInputError
from synreal.retrieval import DedupConfig, Pool, find_test_duplicates, pixel_embedding, retrieve

N_EXACT, N_NOISY = 6, 6


@pytest.fixture(scope="module")
def planted(digit_splits):
    """A pool of held-out digits captioned by their class, plus copies of test images (same captions)."""
    held, test = digit_splits["held"], digit_splits["test"]
    rng = np.random.default_rng(3)
    src = rng.choice(len(test), N_EXACT + N_NOISY, replace=False)
    copies = test.images[src].copy()
    copies[N_EXACT:] = np.clip(copies[N_EXACT:] + rng.normal(0, 0.02, copies[N_EXACT:].shape), 0, 1).astype(np.float32)
    images = np.concatenate([held.images, copies])
    labels = np.concatenate([held.labels, test.labels[src]])
    order = rng.permutation(len(images))
    captions = [f"a handwritten {held.classes[y]}" for y in labels[order]]
    emb = pixel_embedding(images[order])
    pool = Pool(images[order], captions, labels[order], list(held.classes), emb, meta={"embedding": "pixels-8"})
    planted_at = np.flatnonzero(order >= len(held))  # where the copies ended up
    return pool, test, np.sort(planted_at)


def test_planted_copies_are_found(planted):
    pool, test, at = planted
    mask = find_test_duplicates(pool, np.arange(len(pool)), test)
    assert np.flatnonzero(mask).tolist() == at.tolist()


@pytest.mark.parametrize("space", ["pixels", "embedding"])
def test_retrieve_removes_and_counts_them(planted, space):
    pool, test, at = planted
    classes = pool.classes
    before = retrieve(pool, classes)
    after = retrieve(pool, classes, {"dedup": {"space": space}}, test_set=test)
    assert after.n_test_duplicates_removed == N_EXACT + N_NOISY
    assert after.test_duplicates.tolist() == at.tolist()
    assert sum(after.n_test_duplicates.values()) == N_EXACT + N_NOISY
    for c in classes:
        assert set(after.indices[c].tolist()) == set(before.indices[c].tolist()) - set(at.tolist())


def test_a_threshold_below_the_noise_keeps_noisy_copies(planted):
    pool, test, at = planted
    mask = find_test_duplicates(pool, at, test, DedupConfig(threshold=1e-4))
    assert int(mask.sum()) == N_EXACT


def test_pixel_dedup_needs_equal_shapes(planted, tmp_path):
    pool, test, _ = planted
    small = Pool(pool.images[:, :, :4, :4].copy(), pool.captions, meta={"name": "small"})
    with pytest.raises(UserInputError, match="pixel de-duplication needs equal shapes"):
        retrieve(small, ["1"], {"rules": {"1": ["1"]}}, test_set=test, index_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # found before any search work was done


def test_embedding_dedup_needs_a_known_embedding(planted):
    pool, test, _ = planted
    foreign = Pool(pool.images, pool.captions, embeddings=pool.embeddings, meta={"embedding": "clip"})
    with pytest.raises(UserInputError, match="cannot compute for the test images"):
        retrieve(foreign, ["1"], {"dedup": {"space": "embedding"}}, test_set=test)
