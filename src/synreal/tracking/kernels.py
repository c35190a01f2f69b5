"""Compiled inner loops of the crowd generator (numba), with the numpy code as the reference.

Five steps dominate a trajectories-only sequence: projecting everyone's feet and head in
every frame (``figure._project``), posing every person-frame that can reach the image to
get its full-body box (``figure.pose_figures``), the box-based visibility, where each box
is cut by the nearer boxes that overlap it (``scene.box_visibility``), and the annotation
model (``scene.annotate``). Written with numpy they spend most of their time building
temporary arrays; here they are plain loops compiled by numba, an optional extra
(``pip install 'synreal[fast]'``): about twice as fast in all
(``benchmarks/bench_tracking.py``).

The loops repeat the numpy code's arithmetic operation by operation (the same float32
rounding, the same order of the inclusion-exclusion terms, numpy's own sines and cosines),
so both paths give the same numbers to the last bit and a generated data set does not
depend on whether numba is installed; ``tests/tracking/test_kernels.py`` holds them to
that. Set ``SYNREAL_NO_JIT=1`` (or call ``use_jit(False)``) to run the numpy path.
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
    def frame_entries(
        t: int, box: np.ndarray, depth: np.ndarray, sbox: np.ndarray, sdepth: np.ndarray, targets: np.ndarray,
        blockers: np.ndarray, width: int, height: int, vis: np.ndarray, ent: np.ndarray, ex0: np.ndarray,
        ey0: np.ndarray, ex1: np.ndarray, ey1: np.ndarray, ed: np.ndarray, etg: np.ndarray, ebl: np.ndarray,
    ) -> int:  # fmt: skip
        """The boxes of frame t that can hide or be hidden (people, then static occluders),
        and each person's share inside the image, written to ``vis``; returns their count."""
        P, K = box.shape[0], sbox.shape[0]
        n = 0
        for r in range(P + K):
            if r < P:
                b = box[r, t]
                d = depth[r, t]
                front = d > 0.3
                tg = targets[r, t] and front
                bl = blockers[r, t] and front
            else:
                b = sbox[r - P, t]
                d = sdepth[r - P, t]
                tg = False
                bl = d > 0.3
            x0, y0 = b[0], b[1]
            x1, y1 = x0 + b[2], y0 + b[3]
            if r < P:
                share = 0.0
                if tg:
                    w, h = max(b[2], 1e-9), max(b[3], 1e-9)
                    iw = max(min(x1, width) - max(x0, 0.0), 0.0)
                    ih = max(min(y1, height) - max(y0, 0.0), 0.0)
                    share = iw * ih / (w * h)
                vis[r, t] = share
                tg = tg and share > 0
            if tg or bl:
                ent[n] = r
                ex0[n], ey0[n], ex1[n], ey1[n], ed[n] = x0, y0, x1, y1, d
                etg[n], ebl[n] = tg, bl
                n += 1
        return n

    @njit
    def visibility_loop(
        box: np.ndarray, depth: np.ndarray, sbox: np.ndarray, sdepth: np.ndarray, targets: np.ndarray,
        blockers: np.ndarray, width: int, height: int, masks: np.ndarray, mstart: np.ndarray, vis: np.ndarray,
    ) -> None:  # fmt: skip
        P, T = depth.shape
        R = P + sbox.shape[0]
        ent = np.empty(R, np.int64)
        ex0, ey0, ex1, ey1, ed = np.empty(R), np.empty(R), np.empty(R), np.empty(R), np.empty(R)
        etg, ebl = np.empty(R, np.bool_), np.empty(R, np.bool_)
        # The numpy path sorts all entries by frame * span + (left - lo): the same key here,
        # so that ties and the rounding of the key order the pairs identically.
        lo = np.inf
        hi = -np.inf
        n_all = 0
        for t in range(T):
            n = frame_entries(t, box, depth, sbox, sdepth, targets, blockers, width, height, vis, ent, ex0, ey0, ex1,
                              ey1, ed, etg, ebl)  # fmt: skip
            n_all += n
            for a in range(n):
                lo = min(lo, ex0[a])
                hi = max(hi, ex0[a] + max(ex1[a] - ex0[a], 0.0))
        if n_all < 2:
            return
        span = (hi - lo) + 1.0
        key = np.empty(R)
        wid = np.empty(R)
        rank = np.empty(R, np.int64)
        order = np.empty(R, np.int64)
        occ = np.empty(R * R, np.int64)
        cnt = np.zeros(R, np.int64)
        first = np.zeros(R + 1, np.int64)
        pa = np.empty(R * R, np.int64)
        pb = np.empty(R * R, np.int64)
        cells = np.empty(GRID)
        for c in range(GRID):
            cells[c] = np.float64(np.float32((c + 0.5) / GRID))
        # Grid points are float32 (as the numpy path builds them), held as float64 for the comparisons.
        xs = np.empty(GRID)
        ys = np.empty(GRID)
        ax0, ay0, ax1, ay1 = np.empty(EXACT_MAX), np.empty(EXACT_MAX), np.empty(EXACT_MAX), np.empty(EXACT_MAX)
        rows = np.zeros(GRID, np.int64)
        for t in range(T):
            n = frame_entries(t, box, depth, sbox, sdepth, targets, blockers, width, height, vis, ent, ex0, ey0, ex1,
                              ey1, ed, etg, ebl)  # fmt: skip
            if n < 2:
                continue
            for a in range(n):
                wid[a] = max(ex1[a] - ex0[a], 0.0)
                key[a] = t * span + (ex0[a] - lo)
            # A stable insertion sort (a frame holds tens of boxes).
            for a in range(n):
                r = a
                while r > 0 and key[order[r - 1]] > key[a]:
                    order[r] = order[r - 1]
                    r -= 1
                order[r] = a
            for r in range(n):
                rank[order[r]] = r
            # Overlapping pairs, owner by owner (the entry whose left edge comes first), and
            # the farther box of each is hidden by the nearer when it is a target and the
            # nearer a blocker.
            npair = 0
            for a in range(n):
                reach = key[a] + wid[a]
                ya0 = ey0[a]
                ya1 = ya0 + (ey1[a] - ey0[a])
                for r in range(rank[a] + 1, n):
                    b = order[r]
                    if not key[b] < reach:
                        break
                    yb0 = ey0[b]
                    yb1 = yb0 + (ey1[b] - ey0[b])
                    if not (ya0 < yb1 and yb0 < ya1 and ex0[a] + wid[a] > ex0[b]):
                        continue
                    if ed[a] > ed[b]:
                        far, near = a, b
                    else:
                        far, near = b, a
                    if etg[far] and ebl[near] and ed[near] < ed[far]:
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
                tx0, ty0, tx1, ty1 = ex0[a], ey0[a], ex1[a], ey1[a]
                if K <= EXACT_MAX:
                    area = max((tx1 - tx0) * (ty1 - ty0), 1e-12)
                    cx0, cx1 = min(max(tx0, 0.0), width), min(max(tx1, 0.0), width)
                    cy0, cy1 = min(max(ty0, 0.0), height), min(max(ty1, 0.0), height)
                    for s in range(K):
                        q = occ[first[a] + s]
                        ax0[s] = max(ex0[q], cx0)
                        ay0[s] = max(ey0[q], cy0)
                        ax1[s] = min(ex1[q], cx1)
                        ay1[s] = min(ey1[q], cy1)
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
                                bx0 = max(bx0, ax0[s])
                                by0 = max(by0, ay0[s])
                                bx1 = min(bx1, ax1[s])
                                by1 = min(by1, ay1[s])
                        sign = 1.0 if size % 2 else -1.0
                        hidden += sign * (max(bx1 - bx0, 0.0) * max(by1 - by0, 0.0))
                    shown = (max(cx1 - cx0, 0.0) * max(cy1 - cy0, 0.0) - hidden) / area
                    vis[ent[a], t] = min(max(shown, 0.0), 1.0)
                else:
                    for c in range(GRID):
                        xs[c] = np.float64(np.float32(tx0 + cells[c] * (tx1 - tx0)))
                        ys[c] = np.float64(np.float32(ty0 + cells[c] * (ty1 - ty0)))
                    # One bit per grid row: rows[i] has bit j set when point (i, j) is hidden.
                    rows[:] = 0
                    for s in range(K):
                        q = occ[first[a] + s]
                        qx0, qx1, qy0, qy1 = ex0[q], ex1[q], ey0[q], ey1[q]
                        ymask = 0
                        for j in range(GRID):
                            if qy0 <= ys[j] and ys[j] < qy1:
                                ymask |= 1 << j
                        if ymask == 0:
                            continue
                        for i in range(GRID):
                            if qx0 <= xs[i] and xs[i] < qx1:
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
                    vis[ent[a], t] = count / (GRID * GRID)

    @njit
    def pose_loop(
        table: np.ndarray, steps: int, pi: np.ndarray, ti: np.ndarray, motion: np.ndarray, move: np.ndarray,
        phase: np.ndarray, ch: np.ndarray, sh: np.ndarray, right: np.ndarray, axis: np.ndarray,
        scale: np.ndarray, scale_v: np.ndarray, u: np.ndarray, v: np.ndarray, height: np.ndarray, build: np.ndarray,
        shift: np.ndarray, half: np.ndarray, head: int, head_r: np.float32,
        body_x: np.ndarray, body_y: np.ndarray, origin: np.ndarray, gain: np.ndarray,
        left_near: np.ndarray, box: np.ndarray, index: np.ndarray,
    ) -> bool:  # fmt: skip
        N, J = body_x.shape
        n_motion, n_move = table.shape[0], table.shape[1]
        for n in range(N):
            p, t = pi[n], ti[n]
            if not (0 <= motion[p, t] < n_motion and 0 <= move[p, t] < n_move):
                return False  # a pose outside the table: the caller poses directly
        for n in range(N):
            p, t = pi[n], ti[n]
            index[p, t] = n
            ph = phase[p, t]
            step = np.int64(np.rint((ph - np.floor(ph)) * steps)) % steps
            jt = table[motion[p, t], move[p, t], step]
            c, s_ = ch[n], sh[n]
            rx, ry = right[t, 0], right[t, 1]
            s_x = np.float32(c * rx + s_ * ry)
            l_x = np.float32(-s_ * rx + c * ry)
            left_near[p, t] = -s_ * axis[t, 0] + c * axis[t, 1] < 0
            hm = height[p]
            sH = np.float32(scale[p, t] * hm)
            sv = np.float32(scale_v[p, t] * hm)
            u0 = np.float32(u[p, t, 0])
            v0 = np.float32(v[p, t, 0])
            origin[n, 0], origin[n, 1] = u0, v0
            gain[n, 0], gain[n, 1] = sH, sv
            b = np.float32(build[p] - 1.0)
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
                    up = by * sv + half[j] * sH
                    down = by * sv - half[j] * sH
                yhi = max(yhi, up)
                ylo = min(ylo, down)
            a0 = u0 + sH * xlo
            a1 = u0 + sH * xhi
            c0 = v0 - yhi
            c1 = v0 - ylo
            box[p, t, 0] = a0
            box[p, t, 1] = c0
            box[p, t, 2] = a1 - a0
            box[p, t, 3] = c1 - c0
        return True

    @njit
    def project_loop(
        pos: np.ndarray, height: np.ndarray, right: np.ndarray, down: np.ndarray, axis: np.ndarray, centre: np.ndarray,
        focal: float, width: int, im_h: int,
        u: np.ndarray, v: np.ndarray, depth: np.ndarray, scale: np.ndarray, scale_v: np.ndarray, cand: np.ndarray,
        rough: np.ndarray,
    ) -> None:  # fmt: skip
        P, T = pos.shape[:2]
        static = centre.shape[0] == 1
        hw = width / 2
        hh = im_h / 2
        for p in range(P):
            h = height[p]
            for t in range(T):
                k = 0 if static else t
                dx = pos[p, t, 0] - centre[k, 0]
                dy = pos[p, t, 1] - centre[k, 1]
                cz = -centre[k, 2]
                d_feet = dx * axis[k, 0] + dy * axis[k, 1] + cz * axis[k, 2]
                d_head = d_feet + h * axis[k, 2]
                nu = dx * right[k, 0] + dy * right[k, 1] + cz * right[k, 2]
                nu_head = nu + h * right[k, 2]
                nv = dx * down[k, 0] + dy * down[k, 1] + cz * down[k, 2]
                nv_head = nv + h * down[k, 2]
                sf = d_feet if d_feet > 1e-6 else 1e-6
                sh = d_head if d_head > 1e-6 else 1e-6
                u0 = hw + focal * nu / sf
                u1 = hw + focal * nu_head / sh
                v0 = hh + focal * nv / sf
                v1 = hh + focal * nv_head / sh
                u[p, t, 0], u[p, t, 1] = u0, u1
                v[p, t, 0], v[p, t, 1] = v0, v1
                depth[p, t, 0], depth[p, t, 1] = d_feet, d_head
                mid = (d_feet + d_head) / 2
                sc = focal / (mid if mid > 0.1 else 0.1)
                dv = v0 - v1
                sv = (dv if dv > 0.0 else 0.0) / h
                scale[p, t] = sc
                scale_v[p, t] = sv
                hp = h * (sc if sc >= sv else sv)
                near = d_feet > 0.3 and d_head + d_feet > 0.6
                cand[p, t] = (
                    near and u0 + 0.8 * hp > 0 and u0 - 0.8 * hp < width and v0 + 0.15 * hp > 0 and v1 - 0.45 * hp < im_h
                )
                rough[p, t, 0] = u0 - 0.2 * hp
                rough[p, t, 1] = v1
                rough[p, t, 2] = 0.4 * hp
                rough[p, t, 3] = v0 - v1

    @njit
    def annotate_loop(
        boxes: np.ndarray, pp: np.ndarray, tt: np.ndarray, key: np.ndarray, draw: np.ndarray,
        interpolate: bool, q: float, out: np.ndarray,
    ) -> None:  # fmt: skip
        n = len(pp)
        if interpolate:
            edges = np.empty((n, 4))
            prev = np.empty(n, np.int64)
            nxt = np.empty(n, np.int64)
            k = 0
            last = 0
            for i in range(n):
                b = boxes[pp[i], tt[i]]
                edges[i, 0], edges[i, 1] = b[0], b[1]
                edges[i, 2], edges[i, 3] = b[0] + b[2], b[1] + b[3]
                if key[i]:
                    if len(draw):
                        for c in range(4):
                            edges[i, c] += draw[k, c] * b[3]
                        k += 1
                    last = i
                prev[i] = last
            last = n - 1
            for i in range(n - 1, -1, -1):
                if key[i]:
                    last = i
                nxt[i] = last
            for i in range(n):
                a, z = prev[i], nxt[i]
                span = max(tt[z] - tt[a], 1)
                w = (tt[i] - tt[a]) / span
                x0 = edges[a, 0] * (1 - w) + edges[z, 0] * w
                y0 = edges[a, 1] * (1 - w) + edges[z, 1] * w
                x1 = max(edges[a, 2] * (1 - w) + edges[z, 2] * w, x0 + 1.0)
                y1 = max(edges[a, 3] * (1 - w) + edges[z, 3] * w, y0 + 1.0)
                o = out[pp[i], tt[i]]
                o[0], o[1], o[2], o[3] = x0, y0, x1 - x0, y1 - y0
        if q > 0:
            for i in range(n):
                o = out[pp[i], tt[i]]
                c0x = np.rint(o[0] / q) * q
                c0y = np.rint(o[1] / q) * q
                c1x = np.rint((o[0] + o[2]) / q) * q
                c1y = np.rint((o[1] + o[3]) / q) * q
                o[0], o[1] = c0x, c0y
                o[2] = max(c1x - c0x, q)
                o[3] = max(c1y - c0y, q)

    masks, mstart = _combination_table()
    _STATE.update(visibility=visibility_loop, pose=pose_loop, project=project_loop, annotate=annotate_loop, masks=masks,
                  mstart=mstart)  # fmt: skip
    return _STATE


def visibility(
    box: np.ndarray, depth: np.ndarray, width: int, height: int, targets: np.ndarray, blockers: np.ndarray,
    static: tuple[np.ndarray, np.ndarray] | None,
) -> np.ndarray:  # fmt: skip
    """``scene.box_visibility``, compiled (the same arguments; ``targets`` and ``blockers``
    given in full)."""
    k = _compile()
    P, T = depth.shape
    if static is None or not len(static[0]):
        static = (np.zeros((0, T, 4)), np.zeros((0, T)))
    vis = np.zeros((P, T))
    f64 = np.float64
    k["visibility"](
        np.ascontiguousarray(box, f64), np.ascontiguousarray(depth, f64), np.ascontiguousarray(static[0], f64),
        np.ascontiguousarray(static[1], f64), np.ascontiguousarray(targets, np.bool_),
        np.ascontiguousarray(blockers, np.bool_), int(width), int(height), k["masks"], k["mstart"], vis,
    )  # fmt: skip
    return vis


def pose(
    table: np.ndarray, steps: int, pi: np.ndarray, ti: np.ndarray, motion: np.ndarray, move: np.ndarray,
    phase: np.ndarray, heading: np.ndarray, right: np.ndarray, axis: np.ndarray, scale: np.ndarray,
    scale_v: np.ndarray, u: np.ndarray, v: np.ndarray, height: np.ndarray, build: np.ndarray, shift: np.ndarray,
    half: np.ndarray, head: int, head_r: float, left_near: np.ndarray, box: np.ndarray, index: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:  # fmt: skip
    """``figure.pose_figures``'s posing step, compiled, for the person-frames ``(pi, ti)``:
    joints looked up in ``table`` (motion, move, phase step, joint, xyz; float32), turned
    to the image, and each one's box from their extremes (written into ``box``, with
    ``left_near`` and ``index``).

    Returns:
        body_x, body_y (N, J), origin and gain (N, 2), all float32; None (and nothing
        written) when a pose lies outside the table.
    """
    k = _compile()
    N, J = len(pi), table.shape[-2]
    body_x = np.empty((N, J), np.float32)
    body_y = np.empty((N, J), np.float32)
    origin = np.empty((N, 2), np.float32)
    gain = np.empty((N, 2), np.float32)
    hd = heading[pi, ti]
    ch, sh = np.cos(hd), np.sin(hd)  # numpy's, as the reference path uses
    f32, f64 = np.float32, np.float64
    ok = k["pose"](
        table, int(steps), pi.astype(np.int64), ti.astype(np.int64), motion, move, np.ascontiguousarray(phase, f64),
        ch, sh, np.ascontiguousarray(right, f64), np.ascontiguousarray(axis, f64), scale, scale_v, u, v,
        np.ascontiguousarray(height, f64), np.ascontiguousarray(build, f64), np.ascontiguousarray(shift, f32),
        np.ascontiguousarray(half, f32), int(head), f32(head_r), body_x, body_y, origin, gain, left_near, box, index,
    )  # fmt: skip
    return (body_x, body_y, origin, gain) if ok else None


def project_people(
    pos: np.ndarray, height: np.ndarray, geometry: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    focal: float, width: int, im_h: int,
) -> tuple[np.ndarray, ...]:  # fmt: skip
    """``CameraPath.project_people`` and ``figure._rough_reach`` in one compiled pass.

    Args:
        pos: (P, T, 2) ground positions; height: (P,) body heights in metres.
        geometry: ``CameraPath.frame_geometry()`` (right, down, axis, centre).
        focal, width, im_h: the camera's focal length and image size in pixels.

    Returns:
        u, v, depth (P, T, 2) of the feet and the top of the head; scale, scale_v (P, T);
        cand (P, T) whether a rough box that holds every pose touches the image; and that
        rough box (P, T, 4).
    """
    k = _compile()
    P, T = pos.shape[:2]
    u, v, depth = np.empty((P, T, 2)), np.empty((P, T, 2)), np.empty((P, T, 2))
    scale, scale_v, cand = np.empty((P, T)), np.empty((P, T)), np.empty((P, T), np.bool_)
    rough = np.empty((P, T, 4))
    right, down, axis, centre = (np.ascontiguousarray(a, np.float64) for a in geometry)
    k["project"](np.ascontiguousarray(pos, np.float64), np.ascontiguousarray(height, np.float64), right, down, axis, centre,
                 float(focal), int(width), int(im_h), u, v, depth, scale, scale_v, cand, rough)  # fmt: skip
    return u, v, depth, scale, scale_v, cand, rough


def annotate(
    boxes: np.ndarray, pp: np.ndarray, tt: np.ndarray, key: np.ndarray, draw: np.ndarray, interpolate: bool, q: float,
) -> np.ndarray:  # fmt: skip
    """``scene.annotate`` after its keyframes are chosen and its jitter drawn, compiled.

    Args:
        boxes: (P, T, 4) exact boxes; pp, tt: the labelled rows, person by person.
        key: (N,) whether each row is a keyframe; draw: (K, 4) the jitter of each keyframe
            edge in box heights (K = 0: none).
        interpolate: interpolate between keyframes (else the boxes are kept).
        q: round the corners to multiples of ``q`` pixels (0: no rounding).

    Returns:
        The annotated boxes (P, T, 4).
    """
    k = _compile()
    out = np.array(boxes, np.float64, order="C")
    k["annotate"](np.ascontiguousarray(boxes, np.float64), pp.astype(np.int64),
                  tt.astype(np.int64), np.ascontiguousarray(key, np.bool_), np.ascontiguousarray(draw, np.float64),
                  bool(interpolate), float(q), out)  # fmt: skip
    return out
