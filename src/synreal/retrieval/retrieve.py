"""The retrieval baseline end to end: ``retrieve`` candidates per class, ``draw_subset`` of n.

``retrieve`` runs a registered retriever, then applies the same steps to every method:

1. the per-class score filter (threshold and/or top fraction);
2. conflicts: an image kept for several classes is dropped (or kept for its best class);
3. de-duplication against the test set (when one is given): retrieved images closer to a
   test image than the threshold are removed and counted.

A class may end with no candidates; that is recorded, not raised, so that the caption
index, the other classes' candidates and the counts survive for inspection.
``draw_subset`` is where an empty class becomes an error, because only then is the
retrieval unusable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.retrieval.config import RetrievalConfig, validate_config
from synreal.retrieval.dedup import check_dedup_inputs, find_test_duplicates
from synreal.retrieval.filters import apply_filter
from synreal.retrieval.pool import Pool
from synreal.retrieval.retrievers import RETRIEVERS, Exemplars

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Retrieval:
    """The candidates retrieved for each class, and how they were counted on the way.

    Attributes:
        pool: the pool searched.
        classes: the task's class names (labels of ``draw_subset`` index into it).
        config: the settings used.
        indices: class -> pool indices of the final candidates, best first.
        scores: class -> their scores (method-specific, higher is better).
        n_matched: class -> matches before the filter.
        n_kept: class -> matches after the filter.
        n_conflicts: class -> images removed because another class also kept them.
        n_test_duplicates: class -> candidates removed as near-duplicates of the test set.
        test_duplicates: pool indices removed as test near-duplicates (sorted).
        info: what the retriever reports (caption index path and whether it was reused...).

    Example:
        >>> r = retrieve(pool, ["0", "1"])  # doctest: +SKIP
        >>> r.counts(), r.n_test_duplicates_removed  # doctest: +SKIP
        ({'0': 41, '1': 38}, 0)
    """

    pool: Pool
    classes: list[str]
    config: RetrievalConfig
    indices: dict[str, np.ndarray]
    scores: dict[str, np.ndarray]
    n_matched: dict[str, int]
    n_kept: dict[str, int]
    n_conflicts: dict[str, int]
    n_test_duplicates: dict[str, int]
    test_duplicates: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        """The retriever's registered name."""
        return self.config.method

    @property
    def n_test_duplicates_removed(self) -> int:
        """How many retrieved images were removed as near-duplicates of the test set."""
        return int(len(self.test_duplicates))

    def counts(self) -> dict[str, int]:
        """class -> number of final candidates."""
        return {c: int(len(self.indices[c])) for c in self.classes}

    @property
    def empty_classes(self) -> list[str]:
        """Classes left without any candidate."""
        return [c for c in self.classes if len(self.indices[c]) == 0]

    def precision(self) -> dict[str, float] | None:
        """class -> share of its candidates whose pool label is that class (None if unknowable).

        Range [0, 1], higher is better; None when the pool has no labels. Classes without
        candidates are left out (a precision of nothing is undefined, not zero).
        """
        if self.pool.labels is None:
            return None
        names = np.array(self.pool.label_names(), dtype=object)
        return {c: float(np.mean(names[self.indices[c]] == c)) for c in self.classes if len(self.indices[c])}

    def overall_precision(self) -> float | None:
        """Share of all candidates that carry their class's label (pooled over classes, not averaged)."""
        if self.pool.labels is None or not any(len(v) for v in self.indices.values()):
            return None
        names = np.array(self.pool.label_names(), dtype=object)
        hits = sum(int(np.sum(names[self.indices[c]] == c)) for c in self.classes)
        return hits / sum(len(self.indices[c]) for c in self.classes)

    def recall(self) -> dict[str, float] | None:
        """class -> share of the pool's images of that class that ended up as its candidates."""
        if self.pool.labels is None:
            return None
        names = np.array(self.pool.label_names(), dtype=object)
        out = {}
        for c in self.classes:
            total = int(np.sum(names == c))
            if total:
                out[c] = float(np.sum(names[self.indices[c]] == c)) / total
        return out

    def summary(self) -> "pd.DataFrame":
        """One row per class: matched, kept, conflicts, test duplicates, candidates, precision, recall.

        Returns:
            A pandas DataFrame; precision/recall are missing (NA) where undefined.
        """
        import pandas as pd

        prec, rec = self.precision() or {}, self.recall() or {}
        rows = [
            {
                "class": c,
                "method": self.method,
                "matched": self.n_matched[c],
                "after_filter": self.n_kept[c],
                "conflicts": self.n_conflicts[c],
                "test_duplicates": self.n_test_duplicates[c],
                "candidates": len(self.indices[c]),
                "precision": prec.get(c),
                "recall": rec.get(c),
            }
            for c in self.classes
        ]
        return pd.DataFrame(rows).astype({"precision": "Float64", "recall": "Float64"})


def retrieve(
    pool: Pool,
    classes: list[str],
    config: RetrievalConfig | dict[str, Any] | None = None,
    *,
    exemplars: Exemplars | None = None,
    test_set: ImageSet | None = None,
    index_dir: str | Path | None = None,
) -> Retrieval:
    """Retrieve candidate images of each class from a pool.

    Args:
        pool: the upstream pool.
        classes: the task's class names, in label order.
        config: a RetrievalConfig or its dict form (``method``, ``rules``, ``k``,
            ``filter``, ``conflicts``, ``dedup``); None = caption search with defaults.
        exemplars: for ``knn-image``: real images of each class (an ImageSet whose class
            names match ``classes``), or class -> embeddings in the pool's space.
        test_set: the study's test images; retrieved near-duplicates of them are removed.
        index_dir: where the caption index is stored and reused (None: in memory only).

    Returns:
        A Retrieval; classes without candidates are listed in ``empty_classes``.

    Raises:
        UserInputError: unknown method, a rule or threshold for a class not in ``classes``,
            an invalid FTS5 rule, missing exemplars or text embeddings.

    Example:
        >>> from synreal.retrieval import digits_pool, DIGIT_RULES
        >>> from synreal.data.datasets import load_digits_set
        >>> digits = load_digits_set()
        >>> pool = digits_pool(digits.subset(np.arange(300)), seed=0)
        >>> r = retrieve(pool, digits.classes, {"rules": DIGIT_RULES})
        >>> sorted(r.counts()) == digits.classes
        True
    """
    cfg = validate_config(config)
    classes = _check_classes(classes)
    for name, mapping in (("rules", cfg.rules), ("filter.threshold", cfg.filter.threshold)):
        if isinstance(mapping, dict):
            unknown = sorted(set(mapping) - set(classes))
            if unknown:
                raise UserInputError(f"names classes {unknown} that the task does not have (classes: {classes})", key=f"retrieval.{name}")
    method = RETRIEVERS.get(cfg.method, key="retrieval.method")
    if test_set is not None:
        check_dedup_inputs(pool, test_set, cfg.dedup.space)  # fail before the search, not after
    matches = method(pool, classes, cfg, exemplars=exemplars, index_dir=index_dir)

    kept = {c: apply_filter(matches.indices[c], matches.scores[c], cfg.filter, c) for c in classes}
    conflicts = cfg.conflicts or method.default_conflicts
    indices, scores, n_conflicts = _resolve_conflicts(classes, kept, conflicts)

    n_dup = {c: 0 for c in classes}
    removed = np.zeros(0, np.int64)
    if test_set is not None:
        union = np.unique(np.concatenate([indices[c] for c in classes])) if classes else np.zeros(0, np.int64)
        removed = union[find_test_duplicates(pool, union, test_set, cfg.dedup)]
        for c in classes:
            keep = ~np.isin(indices[c], removed)
            n_dup[c] = int(np.sum(~keep))
            indices[c], scores[c] = indices[c][keep], scores[c][keep]

    result = Retrieval(
        pool=pool,
        classes=classes,
        config=cfg,
        indices=indices,
        scores=scores,
        n_matched={c: int(len(matches.indices[c])) for c in classes},
        n_kept={c: int(len(kept[c][0])) for c in classes},
        n_conflicts=n_conflicts,
        n_test_duplicates=n_dup,
        test_duplicates=np.sort(removed),
        info={**matches.info, "conflicts": conflicts, "pool": pool.name, "pool_fingerprint": pool.fingerprint(), "deduplicated": test_set is not None},
    )
    if result.empty_classes:
        log.warning("retrieval %s found no candidates for classes %s", cfg.method, result.empty_classes)
    return result


def _check_classes(classes: list[str]) -> list[str]:
    """Classes as a non-empty list of distinct strings."""
    classes = [str(c) for c in classes]
    if not classes:
        raise UserInputError("no classes to retrieve", key="classes")
    dup = sorted({c for c in classes if classes.count(c) > 1})
    if dup:
        raise UserInputError(f"class names must be distinct; repeated: {dup}", key="classes")
    return classes


def _resolve_conflicts(
    classes: list[str], kept: dict[str, tuple[np.ndarray, np.ndarray]], how: str
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, int]]:
    """Give each image at most one class: drop shared images, or keep them where they score best."""
    all_idx = np.concatenate([kept[c][0] for c in classes])
    all_cls = np.concatenate([np.full(len(kept[c][0]), k) for k, c in enumerate(classes)]).astype(np.int64)
    all_score = np.concatenate([np.asarray(kept[c][1], np.float64) for c in classes])
    if how == "drop":
        uniq, counts = np.unique(all_idx, return_counts=True)
        owner_ok = ~np.isin(all_idx, uniq[counts > 1])
    else:
        # best score first, then the earlier class: the first row per image is its owner
        order = np.lexsort((all_cls, -all_score, all_idx))
        first = np.ones(len(order), bool)
        first[1:] = all_idx[order][1:] != all_idx[order][:-1]
        owner_ok = np.zeros(len(all_idx), bool)
        owner_ok[order[first]] = True
    indices, scores, n_conflicts = {}, {}, {}
    start = 0
    for c in classes:
        n = len(kept[c][0])
        ok = owner_ok[start : start + n]
        start += n
        indices[c], scores[c] = kept[c][0][ok], kept[c][1][ok]
        n_conflicts[c] = int(n - ok.sum())
    return indices, scores, n_conflicts


def class_quotas(capacities: list[int], n: int, order: np.ndarray) -> np.ndarray:
    """Per-class counts summing to ``n``, as equal as the capacities allow.

    Water-filling: every class gets ``min(capacity, L)`` for the largest level ``L`` that
    fits, and the remainder goes one each to the classes (in ``order``) that have room.
    Quotas never decrease as ``n`` grows, which keeps subsets of one seed nested.
    """
    cap = np.asarray(capacities, np.int64)
    if n > cap.sum():
        raise ValueError(f"{n} > total capacity {cap.sum()}")
    lo, hi = 0, int(cap.max(initial=0))
    while lo < hi:  # the largest L with sum(min(cap, L)) <= n
        mid = (lo + hi + 1) // 2
        if np.minimum(cap, mid).sum() <= n:
            lo = mid
        else:
            hi = mid - 1
    quota = np.minimum(cap, lo)
    rest = n - int(quota.sum())
    room = [k for k in order.tolist() if cap[k] > lo]
    for k in room[:rest]:
        quota[k] += 1
    return quota


def draw_subset(retrieval: Retrieval, n: int, seed: int) -> ImageSet:
    """A uniform random subset of ``n`` retrieved images, balanced over classes.

    Each class contributes ``n / len(classes)`` images where it has that many; the shortfall
    of small classes is spread over the others. Within a class the images are a uniform
    random draw. For a fixed seed, a smaller subset is contained in a larger one.

    Args:
        retrieval: the output of ``retrieve``.
        n: number of images.
        seed: fixes the draw.

    Returns:
        An ImageSet labelled by ``retrieval.classes``; ``meta`` records the pool indices.

    Raises:
        UserInputError: a class has no candidates, or fewer than ``n`` are available.

    Example:
        >>> s = draw_subset(r, 100, seed=0)  # doctest: +SKIP
        >>> len(s), s.classes == r.classes  # doctest: +SKIP
        (100, True)
    """
    if n < 1:
        raise UserInputError(f"expected a positive number of retrieved images, found {n}", key="retrieval.sizes")
    if retrieval.empty_classes:
        counts = retrieval.summary()[["class", "matched", "after_filter", "conflicts", "test_duplicates"]]
        detail = "; ".join(
            f"{r['class']}: {r['matched']} matched, {r['after_filter']} after filter, "
            f"{r['conflicts']} conflicts, {r['test_duplicates']} test duplicates"
            for _, r in counts[counts["class"].isin(retrieval.empty_classes)].iterrows()
        )
        raise UserInputError(
            f"retrieval ({retrieval.method}) found no images of classes {retrieval.empty_classes} in pool {retrieval.pool.name!r} ({detail})",
            key="retrieval",
            hint="add synonyms or phrases to the class's query rule, lower the score threshold, or use another method",
        )
    counts = retrieval.counts()
    total = sum(counts.values())
    if n > total:
        raise UserInputError(
            f"{n} retrieved images were requested but pool {retrieval.pool.name!r} yields only {total} ({counts})",
            key="retrieval.sizes",
            hint="request fewer images, or relax the retrieval filter",
        )
    rng = np.random.default_rng([seed, 0x5E7])
    # one permutation per class and one class order per seed: prefixes of them give nested subsets
    perms = [rng.permutation(counts[c]) for c in retrieval.classes]
    order = rng.permutation(len(retrieval.classes))
    quota = class_quotas([counts[c] for c in retrieval.classes], n, order)
    chosen, labels = [], []
    for k, c in enumerate(retrieval.classes):
        chosen.append(retrieval.indices[c][perms[k][: quota[k]]])
        labels.append(np.full(quota[k], k, np.int64))
    idx = np.concatenate(chosen)
    lab = np.concatenate(labels)
    meta = {
        "source": "retrieved",
        "method": retrieval.method,
        "pool": retrieval.pool.name,
        "pool_fingerprint": retrieval.pool.fingerprint(),
        "pool_indices": idx.tolist(),
        "seed": seed,
    }
    return ImageSet(np.asarray(retrieval.pool.images[idx], np.float32), lab, list(retrieval.classes), meta)
