"""The per-class score filter: keep matches above a threshold, or a class's best fraction.

Scores are the retriever's (higher is better): ``-BM25`` for caption search, cosine
similarity for nearest neighbours. A threshold is therefore specific to the method; a top
fraction is not, which makes it the portable choice.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class ScoreFilter(BaseModel):
    """Which of a class's matches to keep. With both set, the threshold applies first.

    Attributes:
        threshold: keep scores >= this; one number for every class, or a class -> number
            mapping (classes not named are not thresholded).
        top_fraction: then keep the best ``ceil(top_fraction * n)`` of the class's n matches.

    Example:
        >>> f = ScoreFilter(top_fraction=0.5)
        >>> apply_filter(np.array([4, 2, 9]), np.array([0.9, 0.5, 0.1]), f, "7")[0].tolist()
        [4, 2]
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float | dict[str, float] | None = Field(None, description="minimum score (per class if a mapping)")
    top_fraction: float | None = Field(None, gt=0, le=1, description="keep this best fraction of each class's matches")

    def threshold_for(self, class_name: str) -> float | None:
        """The threshold that applies to ``class_name`` (None: no threshold)."""
        if isinstance(self.threshold, dict):
            return self.threshold.get(class_name)
        return self.threshold


def apply_filter(indices: np.ndarray, scores: np.ndarray, filt: ScoreFilter, class_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Keep the matches of one class that pass ``filt``.

    Args:
        indices: pool indices of the class's matches, best first.
        scores: their scores, same order (descending).
        filt: the filter.
        class_name: picks the class's threshold when ``filt.threshold`` is a mapping.

    Returns:
        (indices, scores) kept, still best first.

    Example:
        >>> apply_filter(np.array([4, 2, 9]), np.array([0.9, 0.5, 0.1]), ScoreFilter(threshold=0.5), "7")[0].tolist()
        [4, 2]
    """
    t = filt.threshold_for(class_name)
    if t is not None:
        keep = scores >= t
        indices, scores = indices[keep], scores[keep]
    if filt.top_fraction is not None:
        n = math.ceil(filt.top_fraction * len(indices))
        indices, scores = indices[:n], scores[:n]
    return indices, scores
