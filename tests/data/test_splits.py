import numpy as np
import pytest

from synreal.data.splits import make_split, nested_fractions
from synreal.errors import UserInputError

LABELS = np.repeat(np.arange(10), 50)


def test_split_is_disjoint_complete_and_stratified():
    s = make_split(LABELS, test_fraction=0.3, pool_fraction=0.2, seed=3)
    all_idx = np.concatenate([s.train, s.test, s.pool])
    assert len(set(all_idx)) == len(LABELS) == len(all_idx)
    assert len(s.test) == 150 and len(s.pool) == 100
    counts = np.bincount(LABELS[s.test], minlength=10)
    assert counts.min() >= 14 and counts.max() <= 16


def test_split_depends_only_on_seed():
    a = make_split(LABELS, test_fraction=0.3, seed=1)
    b = make_split(LABELS, test_fraction=0.3, seed=1)
    c = make_split(LABELS, test_fraction=0.3, seed=2)
    assert np.array_equal(a.test, b.test) and not np.array_equal(a.test, c.test)


def test_fractions_are_nested_for_every_seed():
    fr = [0.05, 0.1, 0.2, 0.5, 1.0]
    for seed in range(4):
        sub = nested_fractions(LABELS, fr, seed)
        for small, big in zip(fr, fr[1:]):
            assert set(sub[small]) <= set(sub[big])
        assert len(sub[1.0]) == len(LABELS)
        assert set(LABELS[sub[0.05]]) == set(range(10))


def test_seeds_choose_different_subsets():
    a = nested_fractions(LABELS, [0.1], 0)[0.1]
    b = nested_fractions(LABELS, [0.1], 1)[0.1]
    assert not np.array_equal(a, b)


def test_bad_fraction_is_a_user_error():
    with pytest.raises(UserInputError):
        nested_fractions(LABELS, [0.0, 0.5], 0)
