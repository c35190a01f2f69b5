"""The verdict of a scaling fit (science.md): does more synthetic data pay, or must the synthesis change?

At the largest size run, if the error still removable by more data, ``D n^-alpha``, is below the
transfer gap ``C``, more data of this kind buys little; else more data pays, with the predicted
gain of 2x and 10x more data. A fit flagged as not identified gets no such verdict: the trend
of the error over the sizes run (change per doubling of ``n``, with its interval) decides
whether more data bought anything measurable at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from synreal.analysis.scaling.findings import describe, fmt, pct
from synreal.analysis.scaling.solver import aggregate
from synreal.analysis.scaling.tables import RunTable

if TYPE_CHECKING:
    from synreal.analysis.scaling.results import Bootstrap, ScalingFit


def trend(fit: ScalingFit, data: RunTable) -> tuple[float, float, float]:
    """Change of the error per doubling of n (linear in log2 n; per-s intercepts), with its interval."""
    pts = data.pts
    cols = [np.log2(pts.n)]
    if pts.s is not None:
        for v in np.unique(pts.s):
            cols.append((pts.s == v).astype(float))
    else:
        cols.append(np.ones_like(pts.n))
    X = np.stack(cols, axis=1)  # (m, k)
    M = data.indicator()
    W0, Y0, _ = aggregate(M, np.ones((1, data.n_runs)), data.y[None])

    def slopes(W, Y):
        A = np.einsum("mk,bm,ml->bkl", X, W, X)
        r = np.einsum("mk,bm->bk", X, W * Y)
        ok = np.linalg.cond(A) < 1e12
        out = np.full(len(W), np.nan)
        if ok.any():
            out[ok] = np.linalg.solve(A[ok], r[ok][..., None])[:, 0, 0]
        return out

    b0 = float(slopes(W0, Y0)[0])
    if not fit._has_boot():
        return b0, float("nan"), float("nan")
    lo, hi = fit._iv(lambda b: slopes(b.W, b.Y), b0)
    return b0, float(lo), float(hi)


def judge(fit: ScalingFit, data: RunTable) -> None:
    """Fill ``verdict`` and ``verdict_kind`` from science.md's rule, honest about uncertainty."""
    law, lv = fit._law, pct(fit.level)
    n_max, n_min = fit.n_max, float(data.pts.n.min())
    at = f" at fine-tuning size s = {fmt(fit.s_ref)}" if law.kind == "joint" else ""
    g2, g10 = fit.gains["2x"], fit.gains["10x"]

    def iv(t: tuple[float, float, float]) -> str:
        if not np.isfinite(t[1]):
            return f"{fmt(t[0])} (no interval)"
        return f"{fmt(t[0])} ({lv} interval {fmt(t[1])} to {fmt(t[2])})"

    if fit.ill_conditioned:
        b, lo, hi = trend(fit, data)
        reason = describe(fit.findings[0], fit.level)  # problems come first
        span = f"over {fmt(n_min)} to {fmt(n_max)}"
        misfit = fit.misfit
        lead = ("The scaling law does not describe these runs" if misfit
                else "The scaling fit is not identifiable from these sizes")
        state = "does not describe these runs" if misfit else "is not identifiable from these sizes"
        change = f"change of the error per doubling of n: {b:+.3g}"
        fix = f" {fit.suggestions[0]}" if fit.suggestions else ""
        if not np.isfinite(hi):
            fit.verdict_kind = "not-identifiable"
            fit.verdict = (f"{lead}: {reason}. Without an interval, not "
                           f"even the trend {span} ({change}) can be trusted.{fix}")
        elif hi >= 0:
            fit.verdict_kind = "gap-dominates"
            fit.verdict = (f"The error does not fall measurably with more synthetic data {span} ({change}, {lv} "
                           f"interval {lo:+.3g} to {hi:+.3g}); the scaling law itself {state} ({reason}), but more "
                           "data of this kind bought nothing measurable here: change the synthesis.")
        else:
            fit.verdict_kind = "not-identifiable"
            fit.verdict = (f"{lead}: {reason}. The error does fall {span} "
                           f"({change}, {lv} interval {lo:+.3g} to {hi:+.3g}), but whether the fall continues or "
                           f"levels off cannot be told.{fix}")
        return
    P = fit._param_vector()
    D, alpha, C = law.at_s(P, fit.s_ref)
    red = float(D * n_max ** (-alpha))
    gap = float(C)
    share_txt = ""
    red_iv = gap_iv = ""
    nan = float("nan")
    fit.balance = {"n": n_max, "removable": (red, nan, nan), "gap": (gap, nan, nan), "difference": (red - gap, nan, nan)}
    if fit._has_boot():
        def diff_stat(b: Bootstrap) -> np.ndarray:
            Db, ab, Cb = law.at_s(b.reps, fit.s_ref)
            return Db * n_max ** (-ab) - Cb

        _, rlo, rhi = fit.removable()
        _, clo, chi = fit.gap_interval()
        dlo, dhi = (float(v) for v in fit._iv(diff_stat, red - gap))
        fit.balance.update(removable=(red, rlo, rhi), gap=(gap, clo, chi), difference=(red - gap, dlo, dhi))
        red_iv = f" ({lv} interval {fmt(float(rlo))} to {fmt(float(rhi))})"
        gap_iv = f" ({fmt(float(clo))} to {fmt(float(chi))})"
        if dlo <= 0 <= dhi:
            share_txt = (f", but the data cannot tell firmly which is larger (difference {fmt(red - gap)}, {lv} "
                         f"interval {fmt(dlo)} to {fmt(dhi)})")
    if red < gap:
        fit.verdict_kind = "gap-dominates"
        fit.verdict = (f"The transfer gap dominates{at}: at n = {fmt(n_max)} the error still removable by more data, "
                       f"D n^-alpha = {fmt(red)}{red_iv}, is below the gap C = {fmt(gap)}{gap_iv}{share_txt}. "
                       f"More data of this kind buys little (2x more lowers the error by {iv(g2)}, 10x by {iv(g10)}): "
                       "change the synthesis.")
    else:
        fit.verdict_kind = "more-data-pays"
        fit.verdict = (f"More data pays{at}: at n = {fmt(n_max)} the error still removable by more data, "
                       f"D n^-alpha = {fmt(red)}{red_iv}, exceeds the transfer gap C = {fmt(gap)}{gap_iv}{share_txt}. "
                       f"2x more synthetic data ({fmt(2 * n_max)}) is predicted to lower the error by {iv(g2)}, "
                       f"10x ({fmt(10 * n_max)}) by {iv(g10)}.")
