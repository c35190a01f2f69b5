"""The embedded default pool: seeded, web-like, with distractors that retrieval must reject."""

from __future__ import annotations

import numpy as np
import pytest

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.retrieval import DIGIT_RULES, digits_pool, retrieve
from synreal.retrieval.embedded import CAPTION_KINDS, PHOTO_NUMBER_SHARE
from synreal.retrieval.embedding import pixel_embedding


def test_shape_labels_and_embeddings(default_pool, digit_splits):
    held = digit_splits["held"]
    n = len(held)
    assert len(default_pool) == 2 * n and default_pool.images.shape[1:] == (1, 8, 8)
    assert int(np.sum(default_pool.labels == -1)) == n
    assert np.array_equal(np.bincount(default_pool.labels[default_pool.labels >= 0], minlength=10), np.bincount(held.labels, minlength=10))
    # distractors sit on the digits' 17 ink levels in [0, 1]
    d = default_pool.images[default_pool.labels == -1]
    assert d.min() >= 0 and d.max() <= 1 and np.allclose(d * 16, np.round(d * 16))
    np.testing.assert_allclose(default_pool.embeddings, pixel_embedding(default_pool.images, 8))
    assert default_pool.meta["embedding"] == "pixels-8" and default_pool.text_embeddings is None


def test_seeded(digit_splits):
    held = digit_splits["held"].subset(np.arange(200))
    a, b, c = digits_pool(held, 3, 50), digits_pool(held, 3, 50), digits_pool(held, 4, 50)
    assert a.captions == b.captions and a.fingerprint() == b.fingerprint()
    assert a.captions != c.captions


def test_caption_mix(default_pool):
    kinds = np.array(default_pool.meta["caption_kinds"])
    digits = kinds[default_pool.labels >= 0]
    for kind, share in CAPTION_KINDS.items():
        # ~540 captions: a binomial share lies within 4.5 standard errors of its target
        assert abs(np.mean(digits == kind) - share) < 4.5 * np.sqrt(share * (1 - share) / len(digits)), kind
    photo_caps = [c for c, y in zip(default_pool.captions, default_pool.labels) if y == -1]
    with_numbers = np.mean([any(w in c.split() for w in ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
                            or any(ch.isdigit() for ch in c) for c in photo_caps])
    assert abs(with_numbers - PHOTO_NUMBER_SHARE) < 0.06


def test_caption_search_is_useful_but_imperfect(default_pool, digit_splits):
    r = retrieve(default_pool, default_pool.classes, {"rules": DIGIT_RULES}, test_set=digit_splits["test"])
    assert not r.empty_classes
    p = r.overall_precision()
    # captions name a wrong digit 8% of the time and photos mention numbers: far above chance (0.5), below perfect
    assert 0.6 < p < 0.95
    assert r.n_test_duplicates_removed == 0  # the held-out digits are disjoint from the test split


def test_phrase_rule_for_one_beats_the_bare_word(default_pool):
    phrase = retrieve(default_pool, default_pool.classes, {"rules": DIGIT_RULES}).precision()["1"]
    bare = retrieve(default_pool, default_pool.classes, {"rules": {**DIGIT_RULES, "1": ["1", "one"]}}).precision()["1"]
    assert phrase > bare + 0.2


def test_image_neighbours_reject_most_distractors(default_pool, digit_splits):
    train = digit_splits["train"]
    ex = train.subset(np.concatenate([np.flatnonzero(train.labels == k)[:10] for k in range(10)]))
    r = retrieve(default_pool, default_pool.classes, {"method": "knn-image", "k": 10}, exemplars=ex)
    assert not r.empty_classes and r.overall_precision() > 0.85


def test_needs_digit_classes(digit_splits):
    held = digit_splits["held"]
    with pytest.raises(UserInputError, match="needs the digit classes"):
        digits_pool(ImageSet(held.images, held.labels, list("abcdefghij")), 0)
