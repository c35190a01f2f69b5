"""retrieve() and draw_subset(): registry conformance, filters, conflicts, subsets, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synreal.errors import UserInputError
from synreal.retrieval import RETRIEVERS, Pool, ScoreFilter, apply_filter, draw_subset, retrieve
from synreal.retrieval.retrieve import class_quotas

CLASSES = ["cat", "dog", "emu"]


@pytest.fixture(scope="module")
def clustered_pool() -> Pool:
    """Three classes as tight clusters in a 16-d embedding, plus noise images, captioned and with text embeddings.

    Images are the embedding written into 1x4x4 pixels, so exemplar images and embeddings agree.
    """
    rng = np.random.default_rng(5)
    centres = np.eye(16, dtype=np.float32)[:3] * 0.8 + 0.1
    labels = np.repeat([0, 1, 2, -1], 30)
    pix = np.where(labels[:, None] >= 0, centres[np.maximum(labels, 0)], rng.random((len(labels), 16), dtype=np.float32) * 0.5)
    pix = np.clip(pix + rng.normal(0, 0.03, pix.shape), 0, 1).astype(np.float32)
    from synreal.retrieval import pixel_embedding

    images = pix.reshape(-1, 1, 4, 4)
    emb = pixel_embedding(images, 4)
    words = {0: "a cat", 1: "a dog", 2: "an emu", -1: "a landscape"}
    captions = [words[int(y)] for y in labels]
    text = {c: pixel_embedding(centres[k].reshape(1, 1, 4, 4), 4) for k, c in enumerate(CLASSES)}
    return Pool(images, captions, labels.astype(np.int64), CLASSES, emb, text, {"name": "clusters", "embedding": "pixels-4"})


@pytest.fixture(scope="module")
def exemplars(clustered_pool):
    from synreal.data.base import ImageSet

    pick = np.concatenate([np.flatnonzero(clustered_pool.labels == k)[:3] for k in range(3)])
    return ImageSet(clustered_pool.images[pick], clustered_pool.labels[pick], CLASSES)


def test_registry_names():
    assert RETRIEVERS.names() == ["fts", "knn-image", "knn-text"]
    assert all(RETRIEVERS.describe().values())


@pytest.mark.parametrize("method", RETRIEVERS.names())
def test_every_retriever_finds_the_classes_without_reading_labels(method, clustered_pool, exemplars):
    cfg = {"method": method, "k": 30}
    r = retrieve(clustered_pool, CLASSES, cfg, exemplars=exemplars)
    for k, c in enumerate(CLASSES):
        idx, s = r.indices[c], r.scores[c]
        assert len(idx) and len(np.unique(idx)) == len(idx)
        assert np.all(np.diff(s) <= 0)
        assert set(idx.tolist()) == set(np.flatnonzero(clustered_pool.labels == k).tolist())
    assert r.overall_precision() == 1.0
    # labels are ground truth for measuring only: removing them changes nothing retrieved
    blind = Pool(clustered_pool.images, clustered_pool.captions, None, None, clustered_pool.embeddings,
                 clustered_pool.text_embeddings, clustered_pool.meta)
    r2 = retrieve(blind, CLASSES, cfg, exemplars=exemplars)
    assert all(np.array_equal(r.indices[c], r2.indices[c]) for c in CLASSES)
    assert r2.precision() is None


def test_knn_text_without_text_embeddings_is_a_clear_error(default_pool):
    with pytest.raises(UserInputError, match="has no text embeddings of class prompts"):
        retrieve(default_pool, default_pool.classes, {"method": "knn-text"})


def test_config_errors(clustered_pool):
    with pytest.raises(UserInputError, match=r"retrieval\.method: unknown retriever 'knn-imag'.*did you mean 'knn-image'"):
        retrieve(clustered_pool, CLASSES, {"method": "knn-imag"})
    with pytest.raises(UserInputError, match=r"retrieval\.rules: names classes \['eagle'\]"):
        retrieve(clustered_pool, CLASSES, {"rules": {"eagle": ["eagle"]}})
    with pytest.raises(UserInputError, match=r"retrieval\.filtr: unknown key"):
        retrieve(clustered_pool, CLASSES, {"filtr": {}})
    with pytest.raises(UserInputError, match=r"retrieval\.filter\.top_fraction"):
        retrieve(clustered_pool, CLASSES, {"filter": {"top_fraction": 1.5}})
    with pytest.raises(UserInputError, match="repeated"):
        retrieve(clustered_pool, ["cat", "cat"])


def test_filter_threshold_and_top_fraction():
    idx, s = np.arange(7), np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    assert apply_filter(idx, s, ScoreFilter(threshold=0.55), "x")[0].tolist() == [0, 1, 2, 3]
    assert len(apply_filter(idx, s, ScoreFilter(top_fraction=0.3), "x")[0]) == math.ceil(0.3 * 7)
    both = ScoreFilter(threshold=0.55, top_fraction=0.5)  # threshold first: ceil(0.5 * 4) of the 4 left
    assert apply_filter(idx, s, both, "x")[0].tolist() == [0, 1]
    per_class = ScoreFilter(threshold={"x": 0.85})
    assert apply_filter(idx, s, per_class, "x")[0].tolist() == [0]
    assert len(apply_filter(idx, s, per_class, "y")[0]) == 7


def test_filter_applies_per_class(clustered_pool, exemplars):
    r = retrieve(clustered_pool, CLASSES, {"method": "knn-image", "k": 30, "filter": {"top_fraction": 0.5}}, exemplars=exemplars)
    assert r.counts() == {c: math.ceil(0.5 * r.n_matched[c]) for c in CLASSES}


def test_conflicts_drop_or_best(make_pool):
    pool = make_pool(["a cat", "a dog", "a cat and a dog", "a cat and a cat and a dog"])
    drop = retrieve(pool, ["cat", "dog"])
    assert drop.indices["cat"].tolist() == [0] and drop.indices["dog"].tolist() == [1]
    assert drop.n_conflicts == {"cat": 2, "dog": 2}
    best = retrieve(pool, ["cat", "dog"], {"conflicts": "best"})
    # caption 3 mentions "cat" twice, so BM25 scores it higher for cat than for dog
    assert 3 in best.indices["cat"] and 3 not in best.indices["dog"]
    assert sum(best.counts().values()) == 4


def test_quotas_are_balanced_capped_and_monotone():
    caps = [3, 10, 10, 50]
    order = np.array([2, 0, 3, 1])
    prev = np.zeros(4, int)
    for n in range(1, sum(caps) + 1):
        q = class_quotas(caps, n, order)
        assert q.sum() == n and np.all(q <= caps) and np.all(q >= prev)
        free = q < np.array(caps)  # classes with room left share equally, within one image
        if free.any():
            assert q[free].max() - q[free].min() <= 1
            assert np.all(q[~free] <= q[free].min() + 1)  # a full class never holds more than its share
        prev = q
    assert class_quotas(caps, 25, order).tolist() == [3, 7, 8, 7]  # 3 + 3 * 7 = 24, one extra to class 2 (first in order)


def test_draw_subset(default_pool):
    r = retrieve(default_pool, default_pool.classes, {"rules": None})
    counts = r.counts()
    s = draw_subset(r, 100, seed=0)
    assert len(s) == 100 and s.classes == default_pool.classes
    per_class = np.bincount(s.labels, minlength=10)
    assert per_class.max() - per_class.min() <= 1 or per_class.min() == min(counts.values())
    # the images are the pool images at the recorded indices, labelled by the class that retrieved them
    idx = np.array(s.meta["pool_indices"])
    np.testing.assert_array_equal(s.images, default_pool.images[idx])
    for i, y in zip(idx.tolist(), s.labels.tolist()):
        assert i in r.indices[s.classes[y]]
    again = draw_subset(r, 100, seed=0)
    other = draw_subset(r, 100, seed=1)
    assert again.meta["pool_indices"] == s.meta["pool_indices"]
    assert other.meta["pool_indices"] != s.meta["pool_indices"]
    bigger = draw_subset(r, 150, seed=0)
    assert set(s.meta["pool_indices"]) <= set(bigger.meta["pool_indices"])


def test_draw_subset_errors_keep_the_retrieval(make_pool):
    pool = make_pool(["a cat", "a cat", "a dog", "a fish"])
    r = retrieve(pool, ["cat", "dog", "emu"])
    assert r.empty_classes == ["emu"]
    with pytest.raises(UserInputError, match=r"no images of classes \['emu'\].*emu: 0 matched") as err:
        draw_subset(r, 2, seed=0)
    assert "query rule" in str(err.value)
    # nothing lost: the retrieval still holds the other classes' candidates and counts
    assert r.counts() == {"cat": 2, "dog": 1, "emu": 0}
    ok = retrieve(pool, ["cat", "dog"])
    with pytest.raises(UserInputError, match="requested but pool 'pool' yields only 3"):
        draw_subset(ok, 4, seed=0)
    assert len(draw_subset(ok, 3, seed=0)) == 3


def test_summary_table(default_pool):
    r = retrieve(default_pool, default_pool.classes)
    t = r.summary()
    assert list(t.columns) == ["class", "method", "matched", "after_filter", "conflicts", "test_duplicates", "candidates", "precision", "recall"]
    assert (t["candidates"] == t["after_filter"] - t["conflicts"] - t["test_duplicates"]).all()
    hits = sum(round(p * n) for p, n in zip(t["precision"], t["candidates"]))
    assert r.overall_precision() == pytest.approx(hits / t["candidates"].sum())
