"""Nearest neighbours: faiss results equal numpy brute force, per query and per class."""

from __future__ import annotations

import numpy as np
import pytest

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.retrieval import Pool, class_neighbors, knn, pixel_embedding, retrieve


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    return unit(rng.standard_normal((3000, 24))), unit(rng.standard_normal((40, 24)))


def test_inner_product_equals_brute_force(data):
    db, q = data
    scores, idx = knn(db, q, 15, metric="ip")
    sims = q.astype(np.float64) @ db.T.astype(np.float64)
    want = np.argsort(-sims, axis=1, kind="stable")[:, :15]
    np.testing.assert_array_equal(idx, want)
    np.testing.assert_allclose(scores, np.take_along_axis(sims, want, axis=1), atol=1e-5)


def test_l2_equals_brute_force(data):
    db, q = data
    db = db * np.random.default_rng(2).uniform(0.5, 2, (len(db), 1)).astype(np.float32)  # not unit: L2 differs from IP
    dist, idx = knn(db, q, 7, metric="l2")
    sq = ((q[:, None, :].astype(np.float64) - db[None].astype(np.float64)) ** 2).sum(-1)
    want = np.argsort(sq, axis=1, kind="stable")[:, :7]
    np.testing.assert_array_equal(idx, want)
    np.testing.assert_allclose(dist, np.take_along_axis(sq, want, axis=1), rtol=1e-4, atol=1e-4)


def test_k_is_clipped_to_the_database(data):
    db, q = data
    scores, idx = knn(db[:5], q[:2], 50)
    assert idx.shape == (2, 5) and sorted(idx[0].tolist()) == [0, 1, 2, 3, 4]


def brute_class_neighbors(db: np.ndarray, queries: dict[str, np.ndarray], k: int) -> dict[str, dict[int, float]]:
    """Per class: pool index -> best similarity, over the k nearest of each query (plain numpy)."""
    out = {}
    for c, q in queries.items():
        best: dict[int, float] = {}
        for row in q.astype(np.float64) @ db.T.astype(np.float64):
            for i in np.argsort(-row, kind="stable")[:k]:
                best[int(i)] = max(best.get(int(i), -np.inf), float(row[i]))
        out[c] = best
    return out


def test_class_neighbors_equal_brute_force(data):
    db, q = data
    queries = {"a": q[:3], "b": q[3:10], "c": q[10:11]}
    got = class_neighbors(db, queries, 20)
    want = brute_class_neighbors(db, queries, 20)
    for c in queries:
        idx, scores = got[c]
        assert sorted(idx.tolist()) == sorted(want[c])
        np.testing.assert_allclose(scores, [want[c][i] for i in idx.tolist()], atol=1e-5)
        assert np.all(np.diff(scores) <= 0)


def test_knn_image_retriever_equals_brute_force(digit_splits):
    held, train = digit_splits["held"], digit_splits["train"]
    emb = pixel_embedding(held.images)
    pool = Pool(held.images, ["x"] * len(held), embeddings=emb, meta={"embedding": "pixels-8"})
    ex = train.subset(np.concatenate([np.flatnonzero(train.labels == k)[:3] for k in range(10)]))
    r = retrieve(pool, train.classes, {"method": "knn-image", "k": 8, "conflicts": "best"}, exemplars=ex)
    queries = {c: pixel_embedding(ex.images[ex.labels == k]) for k, c in enumerate(ex.classes)}
    want = brute_class_neighbors(emb, queries, 8)
    # "best": each image goes to the class with the highest similarity
    owner: dict[int, tuple[float, int]] = {}
    for k, c in enumerate(ex.classes):
        for i, s in want[c].items():
            if i not in owner or s > owner[i][0] + 1e-6:
                owner[i] = (s, k)
    for k, c in enumerate(ex.classes):
        assert sorted(r.indices[c].tolist()) == sorted(i for i, (_, o) in owner.items() if o == k)


def test_knn_image_with_foreign_embeddings_needs_exemplar_embeddings(digit_splits):
    held = digit_splits["held"]
    emb = unit(np.random.default_rng(0).standard_normal((len(held), 16)))
    pool = Pool(held.images, ["x"] * len(held), embeddings=emb, meta={"embedding": "clip-vit-b32"})
    with pytest.raises(UserInputError, match="cannot compute for the exemplar images"):
        retrieve(pool, held.classes, {"method": "knn-image"}, exemplars=held)
    # exemplar embeddings from "the same model" work; pixels work too when asked for
    ex = {c: emb[held.labels == k][:2] for k, c in enumerate(held.classes)}
    r = retrieve(pool, held.classes, {"method": "knn-image", "k": 1}, exemplars=ex)
    for k, c in enumerate(held.classes):
        assert set(np.flatnonzero(held.labels == k)[:2].tolist()) <= set(r.indices[c].tolist())
    r = retrieve(pool, held.classes, {"method": "knn-image", "embedding": "pixels", "k": 3}, exemplars=held)
    assert r.info["space"] == "pixels-8"


def test_knn_image_needs_exemplars_of_every_class(digit_splits):
    held = digit_splits["held"]
    pool = Pool(held.images, ["x"] * len(held))
    with pytest.raises(UserInputError, match="needs exemplars"):
        retrieve(pool, held.classes, {"method": "knn-image"})
    only = held.subset(np.flatnonzero(held.labels < 9))
    only = ImageSet(only.images, only.labels, held.classes)
    with pytest.raises(UserInputError, match=r"no images of classes \['9'\]"):
        retrieve(pool, held.classes, {"method": "knn-image"}, exemplars=only)
