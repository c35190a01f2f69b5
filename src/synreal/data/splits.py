"""The fixed train/test(/pool) split of a study and the nested real fractions per seed.

science.md: real fractions are nested (the 20% subset contains the 10% subset, for every
seed) and the seed fixes the subset choice. Splits and subsets are stratified by class so
that a 5% subset still holds every class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synreal.errors import UserInputError


@dataclass(frozen=True)
class Split:
    """Indices into the real dataset: ``train`` and ``test``, and ``pool`` held apart for retrieval."""

    train: np.ndarray
    test: np.ndarray
    pool: np.ndarray


def _stratified_order(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A permutation that interleaves classes so any prefix is close to class-balanced."""
    keys = np.empty(len(labels))
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        perm = rng.permutation(len(idx))
        # rank within the class, spread over [0, 1): prefixes then hold each class in proportion
        keys[idx[perm]] = (np.arange(len(idx)) + rng.random()) / len(idx)
    return np.argsort(keys, kind="stable")


def make_split(labels: np.ndarray, *, test_fraction: float, pool_fraction: float = 0.0, seed: int = 0) -> Split:
    """Stratified split of ``labels`` into train, test and pool.

    Args:
        labels: class index of every real image.
        test_fraction: share of images in the test split (0 < t < 1).
        pool_fraction: share held apart as the upstream pool for the retrieval baseline (0 = none).
        seed: the study's split seed (fixed per study, not per run).

    Returns:
        A Split whose three index arrays are disjoint and sorted.

    Example:
        >>> s = make_split(np.repeat(np.arange(3), 10), test_fraction=0.3, seed=0)
        >>> len(s.train), len(s.test), len(s.pool)
        (21, 9, 0)
    """
    if not 0 < test_fraction < 1 or not 0 <= pool_fraction < 1 or test_fraction + pool_fraction >= 1:
        raise ValueError(f"bad split fractions: test={test_fraction}, pool={pool_fraction}")
    order = _stratified_order(np.asarray(labels), np.random.default_rng([seed, 7]))
    n = len(labels)
    n_test = int(round(test_fraction * n))
    n_pool = int(round(pool_fraction * n))
    test, pool, train = order[:n_test], order[n_test : n_test + n_pool], order[n_test + n_pool :]
    return Split(np.sort(train), np.sort(test), np.sort(pool))


def nested_fractions(labels: np.ndarray, fractions: list[float], seed: int) -> dict[float, np.ndarray]:
    """Nested, stratified subsets of a training split, one per fraction.

    Args:
        labels: class index of every training image.
        fractions: fractions in (0, 1].
        seed: the run seed; it fixes which images each subset holds.

    Returns:
        fraction -> positions into ``labels``; a smaller fraction's subset is contained in
        every larger one's, and every subset holds each class at least once.

    Example:
        >>> sub = nested_fractions(np.repeat(np.arange(2), 10), [0.2, 0.5], seed=1)
        >>> set(sub[0.2]) <= set(sub[0.5])
        True
    """
    labels = np.asarray(labels)
    bad = [f for f in fractions if not 0 < f <= 1]
    if bad:
        raise UserInputError(f"real fractions must lie in (0, 1], found {bad}")
    order = _stratified_order(labels, np.random.default_rng([seed, 11]))
    n_classes = len(np.unique(labels))
    out = {}
    for f in fractions:
        k = max(n_classes, int(round(f * len(labels))))
        out[f] = np.sort(order[:k])
    return out
