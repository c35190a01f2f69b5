"""Retrieval baseline: task-relevant real images drawn from an upstream pool.

A generator trained on a pool can only add value beyond the pool itself, so its images are
compared with real images retrieved from that pool at equal counts and seeds
(docs/retrieval.md). The function API:

* ``load_pool(path)`` / ``save_pool(pool, path)`` / ``digits_pool(images, seed)``: the pool;
* ``retrieve(pool, classes, config, exemplars=, test_set=, index_dir=)``: candidates per
  class by caption search (``fts``) or nearest neighbours (``knn-image``, ``knn-text``),
  score-filtered and de-duplicated against the test set;
* ``draw_subset(retrieval, n, seed)``: a uniform random, class-balanced subset.

Retrievers are registered by name in ``RETRIEVERS``.
"""

from __future__ import annotations

from synreal.retrieval.config import RetrievalConfig, validate_config
from synreal.retrieval.dedup import DedupConfig, distances_to_test, find_test_duplicates
from synreal.retrieval.embedded import DIGIT_RULES, digits_pool
from synreal.retrieval.embedding import pixel_embedding
from synreal.retrieval.filters import ScoreFilter, apply_filter
from synreal.retrieval.fts import CaptionIndex, QueryRule, caption_index
from synreal.retrieval.neighbors import class_neighbors, knn
from synreal.retrieval.pool import Pool, load_pool, save_pool
from synreal.retrieval.retrieve import Retrieval, draw_subset, retrieve
from synreal.retrieval.retrievers import RETRIEVERS, Matches

__all__ = [
    "DIGIT_RULES",
    "RETRIEVERS",
    "CaptionIndex",
    "DedupConfig",
    "Matches",
    "Pool",
    "QueryRule",
    "Retrieval",
    "RetrievalConfig",
    "ScoreFilter",
    "apply_filter",
    "caption_index",
    "class_neighbors",
    "digits_pool",
    "distances_to_test",
    "draw_subset",
    "find_test_duplicates",
    "knn",
    "load_pool",
    "pixel_embedding",
    "retrieve",
    "save_pool",
    "validate_config",
]
