"""Compiled inner loops of the crowd generator (numba), with the numpy code as the reference.

Two steps dominate a trajectories-only sequence: posing every person-frame to get its
full-body box (``figure.pose_figures``) and the box-based visibility, where each box is
cut by the nearer boxes that overlap it (``scene.box_visibility``). Written with numpy they
spend most of their time building temporary arrays; here they are plain loops compiled by
numba, which is an optional extra (``pip install 'synreal[fast]'``).

The loops repeat the numpy code's arithmetic operation by operation (the same float32
rounding, the same order of the inclusion-exclusion terms), so both paths give the same
numbers to the last bit, and a generated data set does not depend on whether numba is
installed; ``tests/tracking/test_kernels.py`` holds them to that. Set the environment
variable ``SYNREAL_NO_JIT=1`` (or call ``use_jit(False)``) to run the numpy path.
"""

from __future__ import annotations

import importlib.util
import os
from itertools import combinations
from typing import Any

import numpy as np

#: Occluders per box up to which the visible share is cut exactly (inclusion-exclusion);
#: behind more, it is measured on a grid of ``GRID`` x ``GRID`` points.
EXACT_MAX = 4
GRID = 8

_STATE: dict[str, Any] = {"on": None}


def available() -> bool:
    """Whether numba is installed."""
    return importlib.util.find_spec("numba") is not None


def use_jit(on: bool | None) -> None:
    """Turn the compiled loops on or off for this process (None: decide from the environment)."""
    _STATE["on"] = on


def jit_enabled() -> bool:
    """Whether the compiled loops run: numba is installed and neither ``use_jit(False)`` nor
    ``SYNREAL_NO_JIT=1`` turned them off."""
    on = _STATE["on"]
    if on is None:
        on = os.environ.get("SYNREAL_NO_JIT", "") not in ("1", "true", "yes") and available()
        _STATE["on"] = on
    return bool(on) and available()


def _combination_table() -> tuple[np.ndarray, np.ndarray]:
    """Members of every combination of up to ``EXACT_MAX`` occluders, in ``itertools``
    order (by size, then lexicographic), as bit masks, with where each count's list starts."""
    masks: list[int] = []
    starts = [0]
    for k in range(1, EXACT_MAX + 1):
        for r in range(1, k + 1):
            masks += [sum(1 << i for i in c) for c in combinations(range(k), r)]
        starts.append(len(masks))
    return np.array(masks, np.int64), np.array(starts, np.int64)


def _compile() -> dict[str, Any]:
    """The compiled loops (compiled on first use, cached on disk by numba)."""
    if "visibility" in _STATE:
        return _STATE  # type: ignore[return-value]
    import numba

    njit = numba.njit(cache=True, nogil=True)

    @njit
    def visibility_loop(
        x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, depth: np.ndarray,
        targets: np.ndarray, blockers: np.ndarray, vis: np.ndarray, width: int, height: int,
        masks: np.ndarray, mstart: np.ndarray,
    ) -> None:  # fmt: skip
        R, T = x0.shape
        # The numpy path sorts all entries by frame * span + (left - lo): the same key here,
        # so that ties and the rounding of the key order the pairs identically.
        lo = np.inf
        hi = -np.inf
        n_all = 0
        for t in range(T):
            for p in range(R):
                if blockers[p, t] or targets[p, t]:
                    n_all += 1
                    w = max(x1[p, t] - x0[p, t], 0.0)
                    lo = min(lo, x0[p, t])
                    hi = max(hi, x0[p, t] + w)
        if n_all < 2:
            return
        span = (hi - lo) + 1.0
        ent = np.empty(R, np.int64)
        key = np.empty(R)
        wid = np.empty(R)
        rank = np.empty(R, np.int64)
        occ = np.empty(R * R, np.int64)
        cnt = np.zeros(R, np.int64)
        first = np.zeros(R + 1, np.int64)
        pa = np.empty(R * R, np.int64)
        pb = np.empty(R * R, np.int64)
        cells = np.empty(GRID)
        for c in range(GRID):
            cells[c] = np.float64(np.float32((c + 0.5) / GRID))
        xs = np.empty(GRID, np.float32)
        ys = np.empty(GRID, np.float32)
        rows = np.zeros(GRID, np.int64)
        for t in range(T):
            n = 0
            for p in range(R):
                if blockers[p, t] or targets[p, t]:
                    ent[n] = p
                    n += 1
            if n < 2:
                continue
            for a in range(n):
                p = ent[a]
                wid[a] = max(x1[p, t] - x0[p, t], 0.0)
                key[a] = t * span + (x0[p, t] - lo)
            order = np.argsort(key[:n], kind="mergesort")
            for r in range(n):
                rank[order[r]] = r
            # Overlapping pairs, owner by owner (the entry whose left edge comes first), and
            # the farther box of each is hidden by the nearer when it is a target and the
            # nearer a blocker.
            npair = 0
            for a in range(n):
                p = ent[a]
                reach = key[a] + wid[a]
                ya0 = y0[p, t]
                ya1 = ya0 + (y1[p, t] - y0[p, t])
                for r in range(rank[a] + 1, n):
                    b = order[r]
                    if not key[b] < reach:
                        break
                    q = ent[b]
                    yb0 = y0[q, t]
                    yb1 = yb0 + (y1[q, t] - y0[q, t])
                    if not (ya0 < yb1 and yb0 < ya1 and x0[p, t] + wid[a] > x0[q, t]):
                        continue
                    if depth[p, t] > depth[q, t]:
                        far, near = a, b
                    else:
                        far, near = b, a
                    pf, pn = ent[far], ent[near]
                    if targets[pf, t] and blockers[pn, t] and depth[pn, t] < depth[pf, t]:
                        pa[npair] = far
                        pb[npair] = near
                        npair += 1
            if npair == 0:
                continue
            cnt[:n] = 0
            for k in range(npair):
                cnt[pa[k]] += 1
            first[0] = 0
            for a in range(n):
                first[a + 1] = first[a] + cnt[a]
                cnt[a] = 0
            for k in range(npair):
                a = pa[k]
                occ[first[a] + cnt[a]] = pb[k]
                cnt[a] += 1
            for a in range(n):
                K = cnt[a]
                if K == 0:
                    continue
                p = ent[a]
                tx0, ty0, tx1, ty1 = x0[p, t], y0[p, t], x1[p, t], y1[p, t]
                if K <= EXACT_MAX:
                    area = max((tx1 - tx0) * (ty1 - ty0), 1e-12)
                    cx0, cx1 = min(max(tx0, 0.0), width), min(max(tx1, 0.0), width)
                    cy0, cy1 = min(max(ty0, 0.0), height), min(max(ty1, 0.0), height)
                    hidden = 0.0
                    for m in range(mstart[K - 1], mstart[K]):
                        mask = masks[m]
                        bx0 = -np.inf
                        by0 = -np.inf
                        bx1 = np.inf
                        by1 = np.inf
                        size = 0
                        for s in range(K):
                            if mask & (1 << s):
                                size += 1
                                q = ent[occ[first[a] + s]]
                                bx0 = max(bx0, max(x0[q, t], cx0))
                                by0 = max(by0, max(y0[q, t], cy0))
                                bx1 = min(bx1, min(x1[q, t], cx1))
                                by1 = min(by1, min(y1[q, t], cy1))
                        sign = 1.0 if size % 2 else -1.0
                        hidden += sign * (max(bx1 - bx0, 0.0) * max(by1 - by0, 0.0))
                    shown = (max(cx1 - cx0, 0.0) * max(cy1 - cy0, 0.0) - hidden) / area
                    vis[p, t] = min(max(shown, 0.0), 1.0)
                else:
                    for c in range(GRID):
                        xs[c] = np.float32(tx0 + cells[c] * (tx1 - tx0))
                        ys[c] = np.float32(ty0 + cells[c] * (ty1 - ty0))
                    # One bit per grid row: rows[i] has bit j set when point (i, j) is hidden.
                    rows[:] = 0
                    for s in range(K):
                        q = ent[occ[first[a] + s]]
                        qx0, qx1, qy0, qy1 = x0[q, t], x1[q, t], y0[q, t], y1[q, t]
                        ymask = 0
                        for j in range(GRID):
                            if qy0 <= np.float64(ys[j]) and np.float64(ys[j]) < qy1:
                                ymask |= 1 << j
                        if ymask == 0:
                            continue
                        for i in range(GRID):
                            if qx0 <= np.float64(xs[i]) and np.float64(xs[i]) < qx1:
                                rows[i] |= ymask
                    inside = 0
                    for j in range(GRID):
                        if ys[j] >= 0 and ys[j] < height:
                            inside |= 1 << j
                    count = 0
                    for i in range(GRID):
                        if xs[i] >= 0 and xs[i] < width:
                            free = inside & ~rows[i]
                            while free:
                                free &= free - 1
                                count += 1
                    vis[p, t] = count / (GRID * GRID)

    @njit
    def pose_loop(
        table: np.ndarray, motion: np.ndarray, move: np.ndarray, step: np.ndarray,
        sx: np.ndarray, lx: np.ndarray, bshift: np.ndarray, shift: np.ndarray, half: np.ndarray,
        sH: np.ndarray, svH: np.ndarray, u0: np.ndarray, v0: np.ndarray, head: int, head_r: np.float32,
        body_x: np.ndarray, body_y: np.ndarray, out: np.ndarray,
    ) -> None:  # fmt: skip
        N, J = body_x.shape
        for n in range(N):
            jt = table[motion[n], move[n], step[n]]
            s_x, l_x, b, sh, sv = sx[n], lx[n], bshift[n], sH[n], svH[n]
            xlo = np.float32(np.inf)
            xhi = np.float32(-np.inf)
            ylo = np.float32(np.inf)
            yhi = np.float32(-np.inf)
            for j in range(J):
                lat = jt[j, 1] + b * shift[j]
                bx = jt[j, 0] * s_x + lat * l_x
                by = jt[j, 2]
                body_x[n, j] = bx
                body_y[n, j] = by
                xlo = min(xlo, bx - half[j])
                xhi = max(xhi, bx + half[j])
                if j == head:
                    up = by * sv + head_r * sv
                    down = by * sv - head_r * sv
                else:
                    up = by * sv + half[j] * sh
                    down = by * sv - half[j] * sh
                yhi = max(yhi, up)
                ylo = min(ylo, down)
            a0 = u0[n] + sh * xlo
            a1 = u0[n] + sh * xhi
            c0 = v0[n] - yhi
            c1 = v0[n] - ylo
            out[n, 0] = a0
            out[n, 1] = c0
            out[n, 2] = a1 - a0
            out[n, 3] = c1 - c0

    masks, mstart = _combination_table()
    _STATE.update(visibility=visibility_loop, pose=pose_loop, masks=masks, mstart=mstart)
    return _STATE


def visibility(
    x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, depth: np.ndarray,
    targets: np.ndarray, blockers: np.ndarray, vis: np.ndarray, width: int, height: int,
) -> np.ndarray:  # fmt: skip
    """``scene.box_visibility``'s occlusion step, compiled: ``vis`` (P, T) is updated in
    place for every target behind a nearer blocker and returned.

    The first P rows of the (R, T) edge arrays are the people whose ``vis`` is wanted; the
    rest (static occluders) only block.
    """
    k = _compile()
    P = vis.shape[0]
    full = np.zeros(x0.shape, np.float64)
    full[:P] = vis
    k["visibility"](
        np.ascontiguousarray(x0, np.float64), np.ascontiguousarray(y0, np.float64),
        np.ascontiguousarray(x1, np.float64), np.ascontiguousarray(y1, np.float64),
        np.ascontiguousarray(depth, np.float64), np.ascontiguousarray(targets), np.ascontiguousarray(blockers),
        full, int(width), int(height), k["masks"], k["mstart"],
    )  # fmt: skip
    vis[:] = full[:P]
    return vis


def pose_boxes(
    table: np.ndarray, motion: np.ndarray, move: np.ndarray, step: np.ndarray,
    sx: np.ndarray, lx: np.ndarray, bshift: np.ndarray, shift: np.ndarray, half: np.ndarray,
    sH: np.ndarray, svH: np.ndarray, u0: np.ndarray, v0: np.ndarray, head: int, head_r: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """``figure.pose_figures``'s posing step, compiled: joints looked up in ``table``
    (motion, move, phase step, joint, xyz; float32), turned to the image, and each
    person-frame's box from their extremes.

    Returns:
        body_x, body_y (N, J) float32 and the boxes (N, 4) float32 ``left, top, width, height``.
    """
    k = _compile()
    N, J = len(sx), table.shape[-2]
    body_x = np.empty((N, J), np.float32)
    body_y = np.empty((N, J), np.float32)
    out = np.empty((N, 4), np.float32)
    f32 = np.float32
    k["pose"](
        table, motion.astype(np.int64), move.astype(np.int64), step.astype(np.int64),
        np.ascontiguousarray(sx, f32), np.ascontiguousarray(lx, f32), np.ascontiguousarray(bshift, f32),
        np.ascontiguousarray(shift, f32), np.ascontiguousarray(half, f32), np.ascontiguousarray(sH, f32),
        np.ascontiguousarray(svH, f32), np.ascontiguousarray(u0, f32), np.ascontiguousarray(v0, f32),
        int(head), f32(head_r), body_x, body_y, out,
    )  # fmt: skip
    return body_x, body_y, out
