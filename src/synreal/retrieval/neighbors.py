"""Exact nearest neighbours with faiss, and per-class retrieval from query embeddings.

``knn`` is exact brute force (faiss's blocked BLAS search, no index copy), so its result
equals a numpy argsort of all similarities, up to ties. ``class_neighbors`` runs every
class's queries (image exemplars or text prompts) in one search and merges each class's
neighbour lists: a pool image's class score is its best similarity to any of the class's
queries.
"""

from __future__ import annotations

from typing import Literal

import numpy as np


def knn(database: np.ndarray, queries: np.ndarray, k: int, *, metric: Literal["ip", "l2"] = "ip") -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of each query.

    Args:
        database: float array (N, D) to search (not copied when float32 and C-contiguous,
            so a memory-mapped 2 GB embedding file stays 2 GB).
        queries: float array (Q, D).
        k: neighbours per query; clipped to N.
        metric: ``"ip"`` (inner product, largest first; cosine on unit vectors) or ``"l2"``
            (squared Euclidean distance, smallest first).

    Returns:
        (scores float32 (Q, k), indices int64 (Q, k)), best first per row.

    Example:
        >>> db = np.eye(3, dtype=np.float32)
        >>> s, i = knn(db, np.array([[0.1, 0.9, 0.0]], np.float32), 2)
        >>> i.tolist()
        [[1, 0]]
    """
    from synreal._optional import require

    faiss = require("faiss", "faiss")
    if database.ndim != 2 or queries.ndim != 2 or database.shape[1] != queries.shape[1]:
        raise ValueError(f"database {database.shape} and queries {queries.shape} must be (N, D) and (Q, D)")
    k = int(min(k, len(database)))
    if k < 1 or len(queries) == 0:
        return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
    xb = np.ascontiguousarray(database, dtype=np.float32)
    xq = np.ascontiguousarray(queries, dtype=np.float32)
    m = faiss.METRIC_INNER_PRODUCT if metric == "ip" else faiss.METRIC_L2
    scores, idx = faiss.knn(xq, xb, k, metric=m)
    return scores, idx.astype(np.int64, copy=False)


def class_neighbors(
    database: np.ndarray, queries: dict[str, np.ndarray], k: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per class, the union of the k nearest pool items of each of its queries.

    Args:
        database: pool embeddings (N, D), unit-normalised for cosine similarity.
        queries: class name -> query embeddings (m, D) in the same space.
        k: neighbours per query.

    Returns:
        class name -> (pool indices int64, scores float32), best first, where a pool item's
        score is its largest inner product with any query of the class.

    Example:
        >>> db = np.eye(3, dtype=np.float32)
        >>> out = class_neighbors(db, {"a": db[:1], "b": db[1:]}, 1)
        >>> out["b"][0].tolist()
        [1, 2]
    """
    names = list(queries)
    stacked = np.concatenate([np.asarray(queries[c], np.float32) for c in names]) if names else np.zeros((0, database.shape[1]), np.float32)
    scores, idx = knn(database, stacked, k, metric="ip")
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    start = 0
    for c in names:
        m = len(queries[c])
        s, i = scores[start : start + m].ravel(), idx[start : start + m].ravel()
        start += m
        # best score per pool item: sort by score, keep each index's first occurrence
        order = np.lexsort((i, -s))
        s, i = s[order], i[order]
        _, first = np.unique(i, return_index=True)
        first = np.sort(first)
        out[c] = (i[first], s[first])
    return out
