"""Least squares of a scaling law by variable projection, vectorised over bootstrap resamples.

Both laws are linear in all parameters but ``alpha`` (and ``beta``), so for every value of the
non-linear parameters on a grid the linear ones have a closed-form bounded solution; the best
grid point is refined by zooming, and (for a single fit) scipy's bounded least squares polishes
the estimate from several starts. The same projected problem, solved for a thousand resamples
at once, gives bootstrap intervals in well under a second, and the grid doubles as the profile
of ``alpha`` that exposes an ill-conditioned fit.

Public entry points: :func:`point_fit` (one table) and :func:`fit_curve_batch` (many
weightings of one table, e.g. seed resamples); :func:`response` is the scale residuals are
measured on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from synreal.analysis.scaling.laws import TINY, Law, to_coord
from synreal.analysis.scaling.tables import Points, RunTable


def _solve_block(off, phi, region, W, Z, WQ, shared: bool):
    """Bounded least squares of the linear coefficients for every (resample, grid point).

    ``W, Z (B, m)`` are weights and weighted means per point, ``WQ (B,)`` the weighted sum of
    squared responses (so that the returned RSS is exact). ``off``/``phi`` are shared by all
    resamples (``(G, m)``, ``(G, K, m)``) or per resample (``(B, G, m)``, ``(B, G, K, m)``).
    Returns ``rss (B, G)`` and ``c (B, G, K)``.
    """
    WZ = W * Z
    K = phi.shape[-2]
    if shared:
        def wsum(a, b):  # sum_j a_bj * b_gj
            return a @ b.T
        zz = WQ[:, None] - 2 * wsum(WZ, off) + wsum(W, off**2)
        r = [wsum(WZ, phi[:, k]) - wsum(W, off * phi[:, k]) for k in range(K)]
        A = {(k, l): wsum(W, phi[:, k] * phi[:, l]) for k in range(K) for l in range(k, K)}
    else:
        Wb, WZb = W[:, None, :], WZ[:, None, :]
        zz = WQ[:, None] - 2 * np.sum(WZb * off, -1) + np.sum(Wb * off**2, -1)
        r = [np.sum(WZb * phi[..., k, :], -1) - np.sum(Wb * off * phi[..., k, :], -1) for k in range(K)]
        A = {(k, l): np.sum(Wb * phi[..., k, :] * phi[..., l, :], -1) for k in range(K) for l in range(k, K)}
    B, G = zz.shape
    if K == 0:
        return zz, np.zeros((B, G, 0))
    if K == 1:
        a, r1 = A[0, 0], r[0]
        lo, hi = region
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.clip(np.where(a > 0, r1 / a, lo), lo, hi)
        return zz - 2 * c * r1 + c * c * a, c[..., None]
    a11, a12, a22, r1, r2 = A[0, 0], A[0, 1], A[1, 1], r[0], r[1]

    def rss_at(c1, c2):
        return zz - 2 * (c1 * r1 + c2 * r2) + c1 * c1 * a11 + 2 * c1 * c2 * a12 + c2 * c2 * a22

    det = a11 * a22 - a12 * a12
    ok = det > 1e-12 * np.maximum(a11 * a22, TINY)
    with np.errstate(divide="ignore", invalid="ignore"):
        c1 = np.where(ok, (a22 * r1 - a12 * r2) / det, 0.0)
        c2 = np.where(ok, (a11 * r2 - a12 * r1) / det, 0.0)
    inside = ok.copy()
    V = region
    scale = np.max(np.abs(V)) + 1.0
    for i in range(len(V)):
        p, q = V[i], V[(i + 1) % len(V)]
        d = q - p
        inside &= d[0] * (c2 - p[1]) - d[1] * (c1 - p[0]) >= -1e-12 * scale * np.linalg.norm(d)
    best = np.where(inside, rss_at(c1, c2), np.inf)
    b1, b2 = np.where(inside, c1, 0.0), np.where(inside, c2, 0.0)
    for i in range(len(V)):
        p, q = V[i], V[(i + 1) % len(V)]
        d = q - p
        num = d[0] * (r1 - a11 * p[0] - a12 * p[1]) + d[1] * (r2 - a12 * p[0] - a22 * p[1])
        den = d[0] ** 2 * a11 + 2 * d[0] * d[1] * a12 + d[1] ** 2 * a22
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.clip(np.where(den > 0, num / den, 0.0), 0.0, 1.0)
        e1, e2 = p[0] + t * d[0], p[1] + t * d[1]
        v = rss_at(e1, e2)
        better = v < best
        best = np.where(better, v, best)
        b1, b2 = np.where(better, e1, b1), np.where(better, e2, b2)
    return best, np.stack([b1, b2], axis=-1)


def coarse_axes(law: Law, fine: bool = False) -> list[np.ndarray]:
    """Coarse grid coordinates for each free non-linear parameter (``fine`` for one-off profiles)."""
    size = (1000 if fine else 48) if len(law.nonlinear) == 1 else (150 if fine else 16)
    axes = []
    for p in law.nonlinear:
        lo, hi = law.bounds[p]
        axes.append(np.linspace(*(to_coord(np.array([lo, hi]), law.bounds[p])), size))
    return axes


def _grid_rss(law: Law, pts: Points, W, Z, WQ, fine: bool):
    """RSS over the coarse grid for every resample: ``(coords (G, q), rss (B, G), c (B, G, K))``."""
    axes = coarse_axes(law, fine)
    if axes:
        mesh = np.meshgrid(*axes, indexing="ij")
        coords = np.stack([m.ravel() for m in mesh], axis=-1)
    else:
        coords = np.zeros((1, 0))
    nl = law.nonlinear_values(coords)
    off, phi, region = law.block(nl, pts.n, pts.s)
    rss, c = _solve_block(off, phi, region, W, Z, WQ, shared=True)
    return coords, rss, c


def _fit_projected(law: Law, pts: Points, W, Z, WQ, rounds: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Global linear-space least squares for each resample by grid search and ``rounds`` of zooming.

    Returns full parameters ``(B, n_params)``, RSS ``(B,)`` and the coarse grid (for profiles).
    """
    fine = W.shape[0] == 1  # a single fit affords the fine grid, which also serves as its profile
    coords, rss, c = _grid_rss(law, pts, W, Z, WQ, fine)
    B = W.shape[0]
    best = np.argmin(rss, axis=1)
    q = coords.shape[1]
    if q == 0:
        nl = law.nonlinear_values(np.zeros((B, 0)))
        return law.assemble(nl, c[np.arange(B), best]), rss[np.arange(B), best], (coords, rss)
    center = coords[best]  # (B, q)
    lo_u = np.array([to_coord(law.bounds[p][0], law.bounds[p]) for p in law.nonlinear])
    hi_u = np.array([to_coord(law.bounds[p][1], law.bounds[p]) for p in law.nonlinear])
    h = (hi_u - lo_u) / (len(coarse_axes(law, fine)[0]) - 1)
    steps = np.linspace(-1.0, 1.0, 7 if q == 1 else 5)
    local = np.stack(np.meshgrid(*([steps] * q), indexing="ij"), -1).reshape(-1, q)  # (L, q)
    cur_rss, cur_c = rss[np.arange(B), best], c[np.arange(B), best]
    for _ in range(rounds):  # the window shrinks 2.5x a round
        u = np.clip(center[:, None, :] + local[None] * h, lo_u, hi_u)  # (B, L, q)
        nl = law.nonlinear_values(u)
        off, phi, region = law.block(nl, pts.n, pts.s)
        r_loc, c_loc = _solve_block(off, phi, region, W, Z, WQ, shared=False)
        j = np.argmin(r_loc, axis=1)
        take = r_loc[np.arange(B), j] <= cur_rss
        center = np.where(take[:, None], u[np.arange(B), j], center)
        cur_rss = np.where(take, r_loc[np.arange(B), j], cur_rss)
        cur_c = np.where(take[:, None], c_loc[np.arange(B), j], cur_c)
        h = h / 2.5
    P = law.assemble(law.nonlinear_values(center), cur_c)
    return P, cur_rss, (coords, rss)


def _refine(law: Law, P: np.ndarray, pts: Points, W: np.ndarray, Z: np.ndarray, space: str,
            iters: int = 30) -> np.ndarray:
    """Projected Levenberg-Marquardt from ``P``, vectorised over resamples; never raises the cost."""
    if not law.free:
        return P
    idx = law.free_idx
    lo, hi = law.lo, law.hi
    B = P.shape[0]

    def cost(P):
        return np.sum(W * (Z - response(law.value(P, pts.n, pts.s), space)) ** 2, axis=-1)

    P = P.copy()
    c0 = cost(P)
    lam = np.full(B, 1e-3)
    eye = np.eye(len(idx))
    span = hi - lo
    for _ in range(iters):
        f = law.value(P, pts.n, pts.s)
        J = law.jacobian(P, pts.n, pts.s)[..., idx]
        if space == "log":
            J = J / np.maximum(f, TINY)[..., None]
        r = Z - response(f, space)
        JW = J * W[..., None]
        H = np.einsum("bmp,bmq->bpq", JW, J)
        g = np.einsum("bmp,bm->bp", JW, r)
        x = P[:, idx]
        # A parameter on its bound whose gradient points outward stays put (projected step).
        fixed = ((x <= lo + 1e-12 * span) & (g < 0)) | ((x >= hi - 1e-12 * span) & (g > 0))
        d = np.einsum("bii->bi", H)
        Hd = H + eye * (lam[:, None] * d + 1e-12 * np.max(d, axis=1, keepdims=True) + TINY)[:, None, :]
        Hd = np.where(fixed[:, :, None] | fixed[:, None, :], 0.0, Hd) + eye * fixed[:, None, :]
        g = np.where(fixed, 0.0, g)
        step = np.linalg.solve(Hd, g[..., None])[..., 0]
        Pn = P.copy()
        Pn[:, idx] = np.clip(x + step, lo, hi)
        c1 = cost(Pn)
        acc = c1 < c0
        P = np.where(acc[:, None], Pn, P)
        c0 = np.where(acc, c1, c0)
        lam = np.where(acc, lam / 3, lam * 4)
    return P


def fit_batch(law: Law, pts: Points, W, Z, WQ, space: str):
    """Fit every resample (rows of ``Z``); returns full parameters ``(B, n_params)`` and the grid.

    A single fit zooms all the way; a batch of resamples zooms into the right basin and lets
    Levenberg-Marquardt finish, which is far cheaper than zooming each resample to 1e-6.
    """
    single = W.shape[0] == 1
    rounds = 14 if single else 4
    if space == "linear":
        P, _, grid = _fit_projected(law, pts, W, Z, WQ, rounds)
        return (P if single else _refine(law, P, pts, W, Z, space)), grid
    Y = np.exp(Z)  # a linear-space fit of the geometric means starts the log-space search
    P, _, grid = _fit_projected(law, pts, W, Y, np.sum(W * Y**2, axis=-1), rounds)
    return _refine(law, P, pts, W, Z, space, iters=60), grid


def response(f: np.ndarray, space: str) -> np.ndarray:
    """Law values on the scale the fit measures residuals in."""
    return f if space == "linear" else np.log(np.maximum(f, TINY))


def _polish(law: Law, starts: Sequence[np.ndarray], pts: Points, w: np.ndarray, z: np.ndarray, space: str):
    """scipy bounded least squares from several starts; returns the best full parameters."""
    if not law.free:
        return starts[0]
    sw = np.sqrt(w)
    idx = law.free_idx

    def resid(x):
        return sw * (z - response(law.value(law.full(x), pts.n, pts.s), space))

    def jac(x):
        P = law.full(x)
        J = law.jacobian(P, pts.n, pts.s)[:, idx]
        if space == "log":
            J = J / np.maximum(law.value(P, pts.n, pts.s), TINY)[:, None]
        return -sw[:, None] * J

    best, best_cost = None, np.inf
    for P0 in starts:
        x0 = np.clip(np.asarray(P0, dtype=float)[idx], law.lo, law.hi)
        if not np.all(np.isfinite(x0)):
            continue
        res = optimize.least_squares(
            resid, x0, jac=jac, bounds=(law.lo, law.hi), method="trf", x_scale="jac",
            ftol=1e-10, xtol=1e-10, gtol=1e-10, max_nfev=200,
        )
        cost = float(np.sum(res.fun**2))
        start_cost = float(np.sum(resid(x0) ** 2))
        x, cost = (res.x, cost) if cost <= start_cost else (x0, start_cost)
        if cost < best_cost:
            best, best_cost = x, cost
    return law.full(best)


def _distinct(has: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Number of distinct ``values`` among the points present (``has (B, m)``) in each resample."""
    codes, uniq = pd.factorize(values)
    U = np.zeros((len(values), len(uniq)))
    U[np.arange(len(values)), codes] = 1.0
    return np.sum((has.astype(float) @ U) > 0, axis=1)


def aggregate(M: np.ndarray, wr: np.ndarray, zr: np.ndarray):
    """Per-point weights, weighted means and total weighted squares from run-level weights ``wr (B, runs)``."""
    W = wr @ M
    WZ = (wr * zr) @ M
    with np.errstate(invalid="ignore", divide="ignore"):
        Z = np.where(W > 0, WZ / np.where(W > 0, W, 1.0), 0.0)
    WQ = np.sum(wr * zr**2, axis=-1)
    return W, Z, WQ


def point_fit(law: Law, data: RunTable, space: str) -> tuple[np.ndarray, tuple]:
    """Least-squares parameters of ``law`` on every run of ``data``, with the grid it searched.

    The projected grid search finds the global basin; scipy's bounded least squares then
    polishes from it and from a few spread starts, and the lowest cost wins.

    Args:
        law: the law, with its search box and pins.
        data: the validated runs (:func:`~synreal.analysis.scaling.tables.prepare_runs`).
        space: ``"linear"`` (residuals on the error) or ``"log"`` (on its logarithm).

    Returns:
        ``(P, grid)``: the full parameter vector (in ``law.names`` order) and the fine grid
        ``(coordinates, rss)`` that the profile diagnostic reads.

    Example:
        >>> from synreal.analysis.scaling.laws import make_law
        >>> from synreal.analysis.scaling.tables import prepare_runs
        >>> n = np.array([1e3, 2e3, 4e3, 8e3, 16e3])
        >>> runs = prepare_runs(pd.DataFrame({"n": n, "error": 2 * n**-0.4 + 0.05}))
        >>> P, _ = point_fit(make_law("single", runs.y), runs, "linear")
        >>> P.round(3).tolist()
        [2.0, 0.4, 0.05]
    """
    pts = data.pts
    z = response(data.y, space)
    M = data.indicator()
    ones = np.ones((1, data.n_runs))
    W0, Z0, WQ0 = aggregate(M, ones, z[None])
    P_eng, grid = fit_batch(law, pts, W0, Z0, WQ0, space)
    starts = [P_eng[0]]
    if law.nonlinear:  # a few spread starts for scipy, each with its best linear part
        q = len(law.nonlinear)
        spread = []
        for a in (0.15, 1.0):
            u = [np.clip(to_coord(a if p == "alpha" else 0.5, law.bounds[p]),
                         *to_coord(np.array(law.bounds[p]), law.bounds[p])) for p in law.nonlinear]
            spread.append(u)
        u = np.array(spread).reshape(-1, q)
        nl = law.nonlinear_values(u)
        off, phi, region = law.block(nl, pts.n, pts.s)
        Wl, Zl, WQl = aggregate(M, ones, data.y[None])  # linear-space starts serve both spaces
        _, c_s = _solve_block(off, phi, region, Wl, Zl, WQl, shared=True)
        for j in range(len(u)):
            starts.append(law.assemble({k: v[j] for k, v in nl.items()}, c_s[0, j]))
    P_hat = _polish(law, starts, pts, W0[0], Z0[0], space)
    cost_eng = float(np.sum(W0[0] * (Z0[0] - response(law.value(P_eng[0], pts.n, pts.s), space)) ** 2))
    cost_hat = float(np.sum(W0[0] * (Z0[0] - response(law.value(P_hat, pts.n, pts.s), space)) ** 2))
    return (P_eng[0] if cost_eng < cost_hat else P_hat), grid


@dataclass
class BatchFit:
    """Fits of one table under many run weightings (bootstrap resamples).

    Attributes:
        params: ``(B, n_params)`` full parameter vectors; NaN rows for resamples that were
            not fitted.
        fitted: ``(B,)`` True where the resample still spanned 3 sizes (and 2 fine-tuning
            sizes for the joint law) and was fitted.
        weights: ``(B, m)`` total run weight on each design point.
    """

    params: np.ndarray
    fitted: np.ndarray
    weights: np.ndarray


def fit_curve_batch(law: Law, data: RunTable, run_weights: np.ndarray, *, space: str,
                    responses: np.ndarray | None = None) -> BatchFit:
    """Fit ``law`` to many weightings of the same runs at once (e.g. seed-bootstrap resamples).

    Each row of ``run_weights`` weights the runs (a seed drawn twice weighs 2, an undrawn one
    0); the weighted least-squares fit of each row is found by the vectorised projected
    search refined by Levenberg-Marquardt, thousands of rows in well under a second. A row
    whose positive weights span fewer than 3 sizes (or, for the joint law, 2 fine-tuning
    sizes) cannot identify the law and is left unfitted (NaN).

    Args:
        law: the law, with its search box and pins.
        data: the validated runs.
        run_weights: ``(B, runs)`` non-negative weights.
        space: ``"linear"`` or ``"log"`` least squares.
        responses: ``(B, runs)`` responses on the fitted scale, for a residual bootstrap
            (default: the runs' own errors, on that scale, for every row).

    Returns:
        A :class:`BatchFit`.

    Example:
        >>> from synreal.analysis.scaling.laws import make_law
        >>> from synreal.analysis.scaling.tables import prepare_runs
        >>> n = np.repeat([1e3, 2e3, 4e3, 8e3], 2)
        >>> runs = prepare_runs(pd.DataFrame({"n": n, "seed": [0, 1] * 4, "error": 2 * n**-0.4 + 0.05}),
        ...                     seed="seed")
        >>> w = np.array([[1.0, 1.0] * 4, [2.0, 0.0] * 4, [1.0, 1.0, 0, 0, 0, 0, 1.0, 1.0]])
        >>> out = fit_curve_batch(make_law("single", runs.y), runs, w, space="linear")
        >>> out.fitted.tolist(), out.params[:2, 1].round(3).tolist()
        ([True, True, False], [0.4, 0.4])
    """
    wr = np.asarray(run_weights, dtype=float)
    zr = np.broadcast_to(response(data.y, space), wr.shape) if responses is None else responses
    W, Z, WQ = aggregate(data.indicator(), wr, zr)
    has = W > 0
    ok = _distinct(has, data.pts.n) >= 3
    if data.pts.s is not None:
        ok &= _distinct(has, data.pts.s) >= 2
    P = np.full((len(wr), len(law.names)), np.nan)
    if ok.any():
        P[ok], _ = fit_batch(law, data.pts, W[ok], Z[ok], WQ[ok], space)
    return BatchFit(params=P, fitted=ok, weights=W)
