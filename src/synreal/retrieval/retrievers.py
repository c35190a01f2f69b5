"""The registered retrievers: caption search and nearest neighbours from images or text.

Each retriever is a function registered in ``RETRIEVERS`` under the name a spec uses::

    search(pool, classes, config, *, exemplars=None, index_dir=None) -> Matches

It returns every match per class, best first, before the score filter, conflict handling
and de-duplication that ``retrieve`` applies the same way to all methods. No retriever
reads the pool's labels. A retriever declares ``default_conflicts`` ("drop" or "best"),
with the decorator of that name: how an image matched by several classes is resolved unless
the config says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.registry import Registry, callable_with, one_of
from synreal.retrieval.config import RetrievalConfig
from synreal.retrieval.embedding import parse_pixel_embedding, pixel_embedding, pixel_embedding_name
from synreal.retrieval.fts import caption_index, default_rule
from synreal.retrieval.neighbors import class_neighbors
from synreal.retrieval.pool import Pool

Exemplars = ImageSet | dict[str, np.ndarray]


@dataclass
class Matches:
    """Per class, every match of one retriever, best first (higher score = better)."""

    indices: dict[str, np.ndarray]
    scores: dict[str, np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)


class Retriever(Protocol):
    """What ``RETRIEVERS`` holds."""

    def __call__(
        self, pool: Pool, classes: list[str], config: RetrievalConfig, *, exemplars: Exemplars | None = None, index_dir: str | Path | None = None
    ) -> Matches: ...


RETRIEVERS: Registry[Retriever] = Registry("retriever", contract=[
    callable_with("pool", "classes", "config", "exemplars", "index_dir"), one_of("default_conflicts", ("drop", "best"))])


def default_conflicts(value: str):  # noqa: ANN201 - a decorator
    """Declare what a retriever does with an image retrieved for several classes (``drop`` or ``best``)."""

    def deco(fn):  # noqa: ANN001, ANN202
        fn.default_conflicts = value
        return fn

    return deco
"""name -> search(pool, classes, config, *, exemplars, index_dir) -> Matches"""


@RETRIEVERS.register("fts", doc="full-text search of captions (SQLite FTS5) with per-class query rules")
@default_conflicts("drop")
def search_captions(
    pool: Pool, classes: list[str], config: RetrievalConfig, *, exemplars: Exemplars | None = None, index_dir: str | Path | None = None
) -> Matches:
    """Caption search: each class's QueryRule against the pool's stored FTS5 index."""
    rules = {c: (config.rules or {}).get(c) or default_rule(c) for c in classes}
    index, info = caption_index(pool.captions, pool.captions_fingerprint(), index_dir)
    with index:
        found = {c: index.search(rules[c], class_name=c) for c in classes}
    info["expressions"] = {c: rules[c].expression() for c in classes}
    return Matches({c: v[0] for c, v in found.items()}, {c: v[1] for c, v in found.items()}, {"fts_index": info})




def _default_pixel_size(pool: Pool) -> int:
    """Pixel-embedding size for a pool without its own: the image size, at most 16."""
    return int(min(pool.images.shape[2], pool.images.shape[3], 16))


@RETRIEVERS.register("knn-image", doc="nearest neighbours (faiss) of image exemplars of each class in the pool's embedding space")
@default_conflicts("best")
def search_image_neighbors(
    pool: Pool, classes: list[str], config: RetrievalConfig, *, exemplars: Exemplars | None = None, index_dir: str | Path | None = None
) -> Matches:
    """Nearest pool images of each class's exemplars (cosine similarity, best over exemplars)."""
    if exemplars is None:
        raise UserInputError("knn-image needs exemplars: a few real images (or their embeddings) of each class", key="exemplars")
    own = parse_pixel_embedding(pool.meta.get("embedding"))
    use_pool = config.embedding == "pool" and pool.embeddings is not None
    if isinstance(exemplars, ImageSet):
        if exemplars.shape[0] != pool.images.shape[1]:
            raise UserInputError(
                f"exemplars have {exemplars.shape[0]} channels but pool images have {pool.images.shape[1]}", key="exemplars"
            )
        if use_pool and own is None:
            raise UserInputError(
                f"pool {pool.name!r} has embeddings made by {pool.meta.get('embedding') or 'an unnamed model'}, "
                "which synreal cannot compute for the exemplar images",
                key="retrieval.embedding",
                hint="pass exemplar embeddings (class -> array) from the same model, or set embedding: pixels",
            )
        size = own if use_pool else _default_pixel_size(pool)
        names = [exemplars.classes[i] for i in exemplars.labels.tolist()]
        missing = [c for c in classes if c not in set(names)]
        if missing:
            raise UserInputError(f"exemplars hold no images of classes {missing}; every class needs at least one", key="exemplars")
        emb = pixel_embedding(exemplars.images, size)
        lookup = np.array(names, dtype=object)
        queries = {c: emb[lookup == c] for c in classes}
    else:
        if not use_pool:
            raise UserInputError(
                "exemplar embeddings need the pool's own embeddings to search (the pool has none, or embedding: pixels is set)",
                key="exemplars",
                hint="pass exemplar images instead",
            )
        queries = _class_arrays(exemplars, classes, pool.embeddings.shape[1], what="exemplar embeddings", key="exemplars")
        size = own
    database = np.asarray(pool.embeddings) if use_pool else pixel_embedding(pool.images, size)  # type: ignore[arg-type]
    found = class_neighbors(database, queries, config.k)
    space = (pool.meta.get("embedding") or "pool embeddings") if use_pool else pixel_embedding_name(size)  # type: ignore[arg-type]
    info = {"space": space, "k": config.k, "n_queries": {c: int(len(q)) for c, q in queries.items()}}
    return Matches({c: v[0] for c, v in found.items()}, {c: v[1] for c, v in found.items()}, info)




@RETRIEVERS.register("knn-text", doc="nearest neighbours (faiss) of the pool's text embeddings of class prompts")
@default_conflicts("best")
def search_text_neighbors(
    pool: Pool, classes: list[str], config: RetrievalConfig, *, exemplars: Exemplars | None = None, index_dir: str | Path | None = None
) -> Matches:
    """Nearest pool images of each class's prompt embeddings (inner product, best over prompts)."""
    if pool.text_embeddings is None or pool.embeddings is None:
        raise UserInputError(
            f"pool {pool.name!r} has no text embeddings of class prompts, which knn-text searches with",
            file=pool.meta.get("path"),
            key="retrieval.method",
            hint="add text_embeddings.npz (one array per class) made by the same model as embeddings.npy, or use fts or knn-image",
        )
    queries = _class_arrays(pool.text_embeddings, classes, pool.embeddings.shape[1], what="the pool's text embeddings", key="text_embeddings")
    # unit prompts make "best over prompts" compare like with like; the pool side is used as published
    queries = {c: q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12) for c, q in queries.items()}
    found = class_neighbors(np.asarray(pool.embeddings), queries, config.k)
    info = {"space": pool.meta.get("embedding") or "pool embeddings", "k": config.k, "n_queries": {c: int(len(q)) for c, q in queries.items()}}
    return Matches({c: v[0] for c, v in found.items()}, {c: v[1] for c, v in found.items()}, info)




def _class_arrays(arrays: dict[str, np.ndarray], classes: list[str], dim: int, *, what: str, key: str) -> dict[str, np.ndarray]:
    """class -> (m, dim) float32 for every class; a UserInputError naming what is missing or misshapen."""
    missing = [c for c in classes if c not in arrays]
    if missing:
        raise UserInputError(f"{what} have no entry for classes {missing} (found: {sorted(arrays)})", key=key)
    out = {}
    for c in classes:
        a = np.atleast_2d(np.asarray(arrays[c], np.float32))
        if a.ndim != 2 or a.shape[1] != dim or len(a) == 0:
            raise UserInputError(f"{what} of class {c!r} have shape {a.shape}; expected (m, {dim})", key=f"{key}.{c}")
        out[c] = a
    return out
