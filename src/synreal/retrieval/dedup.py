"""Removal of retrieved images that are near-duplicates of the test set.

A retrieved copy of a test image is a leak: training on it inflates test accuracy for a
reason that has nothing to do with the value of retrieval. Every retrieved image whose
distance to its nearest test image is below a threshold is removed, and the count is
reported.

Two spaces:

* ``pixels`` (default): root-mean-square pixel difference in [0, 1], on images of equal
  shape. The default threshold 0.035 sits below the closest pair of *distinct* images in
  scikit-learn's digits (0.041 RMS) and well above a copy with light noise (noise of
  standard deviation 0.02 gives about 0.02 RMS).
* ``embedding``: cosine distance ``1 - cos`` in the pool's own embedding space, which
  tolerates shifts and resizes better. Needs an embedding synreal can compute for the test
  images (``pixels-<size>``). The default threshold 0.004 sits between a copy with light
  noise (about 0.002 for noise of standard deviation 0.02) and the closest pair of distinct
  digits (0.006); the centred-pixel embedding ignores brightness and contrast, so it is
  looser than the pixel test and catches re-exposed copies too.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.retrieval.embedding import parse_pixel_embedding, pixel_embedding
from synreal.retrieval.neighbors import knn
from synreal.retrieval.pool import Pool

DEFAULT_THRESHOLDS = {"pixels": 0.035, "embedding": 0.004}


class DedupConfig(BaseModel):
    """How near-duplicates of the test set are found.

    Example:
        >>> DedupConfig().effective_threshold()
        0.035
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    space: Literal["pixels", "embedding"] = Field("pixels", description="compare raw pixels (RMS) or pool embeddings (cosine distance)")
    threshold: float | None = Field(None, gt=0, description="remove below this distance (default: 0.035 pixels, 0.004 embedding)")

    def effective_threshold(self) -> float:
        """The threshold in use (the space's default when none is set)."""
        return self.threshold if self.threshold is not None else DEFAULT_THRESHOLDS[self.space]


def check_dedup_inputs(pool: Pool, test_set: ImageSet, space: str) -> int | None:
    """Raise a UserInputError now if de-duplication in ``space`` cannot run; the embedding size if any.

    ``retrieve`` calls this before searching, so a mismatch costs no search time.
    """
    if space == "pixels":
        if tuple(pool.images.shape[1:]) != tuple(test_set.shape):
            raise UserInputError(
                f"pool images are {tuple(pool.images.shape[1:])} but test images are {tuple(test_set.shape)}; "
                "pixel de-duplication needs equal shapes",
                file=pool.meta.get("path"),
                key="dedup.space",
                hint="load the pool with image_size/channels matching the real data, or use space: embedding",
            )
        return None
    size = parse_pixel_embedding(pool.meta.get("embedding"))
    if pool.embeddings is None or size is None:
        raise UserInputError(
            f"pool {pool.name!r} has embeddings made by {pool.meta.get('embedding')!r}, which synreal cannot compute for the test images"
            if pool.embeddings is not None
            else f"pool {pool.name!r} has no embeddings",
            key="dedup.space",
            hint="use space: pixels",
        )
    return size


def distances_to_test(pool: Pool, indices: np.ndarray, test_set: ImageSet, space: str = "pixels") -> np.ndarray:
    """Distance of each pool image ``indices[j]`` to its nearest test image.

    Args:
        pool: the pool.
        indices: pool indices to check.
        test_set: the study's test images.
        space: ``"pixels"`` (RMS pixel difference) or ``"embedding"`` (1 - cosine).

    Returns:
        float64 array (len(indices),).

    Example:
        >>> distances_to_test(pool, np.arange(10), test)  # doctest: +SKIP
    """
    indices = np.asarray(indices, np.int64)
    size = check_dedup_inputs(pool, test_set, space)
    if len(indices) == 0 or len(test_set) == 0:
        return np.full(len(indices), np.inf)
    if space == "pixels":
        d = test_set.images[0].size
        xb = test_set.images.reshape(len(test_set), -1)
        xq = pool.images[indices].reshape(len(indices), -1)
        sq, _ = knn(xb, xq, 1, metric="l2")
        return np.sqrt(np.maximum(sq[:, 0].astype(np.float64), 0.0) / d)
    test_emb = pixel_embedding(test_set.images, size)  # type: ignore[arg-type]
    sim, _ = knn(test_emb, np.asarray(pool.embeddings[indices], np.float32), 1, metric="ip")
    return 1.0 - sim[:, 0].astype(np.float64)


def find_test_duplicates(pool: Pool, indices: np.ndarray, test_set: ImageSet, config: DedupConfig | None = None) -> np.ndarray:
    """Which of the pool images ``indices`` are near-duplicates of a test image.

    Args:
        pool: the pool.
        indices: pool indices to check (e.g. every retrieved candidate).
        test_set: the study's test images.
        config: space and threshold (defaults: pixels, 0.035 RMS).

    Returns:
        Boolean mask over ``indices``: True = a test duplicate, to be removed.

    Example:
        >>> mask = find_test_duplicates(pool, candidates, test)  # doctest: +SKIP
        >>> int(mask.sum())  # doctest: +SKIP
        3
    """
    config = config or DedupConfig()
    return distances_to_test(pool, indices, test_set, config.space) < config.effective_threshold()
