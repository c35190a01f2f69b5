"""Box geometry shared by the scene model and the motion statistics: IoU of box pairs and
the pairs of boxes that overlap within a frame, found by sorting rather than by testing
every pair.

Boxes are ``left, top, width, height`` in pixels, as in MOTChallenge files.
"""

from __future__ import annotations

import numpy as np


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of paired boxes.

    Args:
        a: (N, 4) boxes ``left, top, width, height``.
        b: (N, 4) boxes, paired with ``a`` row by row.

    Returns:
        (N,) intersection over union (0 for empty boxes).

    Example:
        >>> iou(np.array([[0.0, 0, 10, 10]]), np.array([[5.0, 0, 10, 10]])).round(4).tolist()
        [0.3333]
    """
    ax1, ay1 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx1, by1 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax1, bx1) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(ay1, by1) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) for every i and every j in ``[lo[i], hi[i])``.

    Example:
        >>> [x.tolist() for x in expand_ranges(np.array([0, 5]), np.array([2, 6]))]
        [[0, 0, 1], [0, 1, 5]]
    """
    rep = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), rep)
    offset = np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep)
    return owner, lo[owner] + offset


def x_overlaps(
    ta: np.ndarray, a0: np.ndarray, a1: np.ndarray, tb: np.ndarray, b0: np.ndarray, b1: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) of entries of A and B in the same frame whose x-intervals overlap.

    An overlap has either B's left edge inside ``[a0, a1)`` or A's left edge strictly
    inside ``(b0, b1)``; each case is a range of a list sorted by (frame, left edge), so
    the cost follows the number of overlaps, not the number of pairs.

    Args:
        ta, a0, a1: frame, left and right edge of each A entry.
        tb, b0, b1: the same for B.

    Returns:
        (i, j): A and B indices of every overlapping pair (each pair once).

    Example:
        >>> i, j = x_overlaps(np.array([0, 0]), np.array([0.0, 20]), np.array([10.0, 30]),
        ...                   np.array([0, 1]), np.array([5.0, 5]), np.array([25.0, 25]))
        >>> sorted(zip(i.tolist(), j.tolist()))  # B's second box is in another frame
        [(0, 0), (1, 0)]
    """
    if not len(ta) or not len(tb):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lo = min(a0.min(), b0.min())
    span = max(a1.max(), b1.max()) - lo + 1.0
    ka, kb = ta * span + (a0 - lo), tb * span + (b0 - lo)
    oa, ob = np.argsort(ka, kind="stable"), np.argsort(kb, kind="stable")
    sa, sb = ka[oa], kb[ob]
    i1, j1 = expand_ranges(np.searchsorted(sb, ka, "left"), np.searchsorted(sb, ta * span + (a1 - lo), "left"))
    j2, i2 = expand_ranges(np.searchsorted(sa, kb, "right"), np.searchsorted(sa, tb * span + (b1 - lo), "left"))
    return np.concatenate([i1, oa[i2]]), np.concatenate([ob[j1], j2])


def same_frame_pairs(frame: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of rows in the same frame whose boxes overlap (positive area), each once.

    Rows are sorted by (frame, left edge); a pair is found from the row whose left edge
    comes first, as the rows that follow it while their left edge is still inside its box.

    Args:
        frame: (N,) frame of each row.
        box: (N, 4) boxes.

    Returns:
        Row indices of each overlapping pair (in no particular order within a pair).

    Example:
        >>> f = np.array([1, 1, 1, 2])
        >>> b = np.array([[0.0, 0, 10, 10], [5, 5, 10, 10], [50, 0, 5, 5], [0, 0, 10, 10]])
        >>> [x.tolist() for x in same_frame_pairs(f, b)]
        [[0], [1]]
    """
    n = len(frame)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    x0, w = box[:, 0], np.maximum(box[:, 2], 0.0)
    lo = x0.min()
    span = float((x0 + w).max() - lo) + 1.0
    key = frame * span + (x0 - lo)
    order = np.argsort(key, kind="stable")
    sk = key[order]
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    owner, pos = expand_ranges(rank + 1, np.searchsorted(sk, key + w, "left"))
    i, j = owner, order[pos]
    y0, y1 = box[:, 1], box[:, 1] + box[:, 3]
    keep = (y0[i] < y1[j]) & (y0[j] < y1[i]) & (box[i, 0] + w[i] > box[j, 0])
    return i[keep], j[keep]
