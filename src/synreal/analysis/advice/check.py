"""The laws' own check: cross-validation on the measured cells, and the region where advice is given.

Before a law prices anything, it must predict what was measured without having seen it.
Each measured cell (one ``(n, s)`` with all its seeds) is held out in turn, the law refitted
on the rest and its prediction compared with the cell's mean; for the joint law, the cells at
the largest synthetic size and those at the largest real size are also held out together
(can the law extrapolate to them?). The prediction error ``d = predicted - measured`` gets a
seed-bootstrap interval (the same resamples refit without the held-out cell, and the cell's
own mean resampled with them, so that a seed's shared luck cancels as it should), with the
project's small-sample rule (a Student-t interval with the bootstrap standard error).

- *coverage*: the share of checks whose measured value lies inside the prediction interval
  at the nominal level (about the level itself when the law is right);
- a cell *fails* when it lies outside its interval at the level adjusted for all the checks
  of the option (Bonferroni), so that a right law loses no cell by chance more often than
  ``1 - level`` of the time; a cell that cannot be held out (too few sizes would remain) is
  *untested*;
- the law as a whole is *rejected* when so few held-out values fall inside their nominal
  intervals that a right law would do as badly with probability under ``(1 - level) / 10``
  (binomial; only with 10 or more checks, since a handful of seeds gives crude intervals): a
  law that misses many cells a little is as untrustworthy as one that misses one cell by far,
  and its misses spread over the whole grid.

The *region* where advice is given: the convex hull (in ``log10 n, log10 s``) of the cells
that pass, less the points whose nearest measured cell did not pass; empty when the law is
rejected. Everything outside it
is extrapolation, which the advice names but never recommends.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from scipy import stats

from synreal.analysis import bootstrap as bs
from synreal.analysis.advice.options import FittedOption, seed_weights
from synreal.analysis.scaling import fit_curve_batch

HULL_TOL = 1e-6  # log10 units: measured cells lie inside their own hull
REJECT_DIVISOR = 10.0  # a law is rejected when a right one would do as badly with probability < (1 - level) / 10
REJECT_MIN_CHECKS = 10  # fewer checks tell too little about the law as a whole (each cell is still judged)


class CellStatus(str, Enum):
    """What cross-validation says about one measured cell."""

    PASS = "pass"  # predicted within its (adjusted) interval by the law fitted without it
    FAIL = "fail"  # outside it: the law misses this cell
    UNTESTED = "untested"  # cannot be held out: too few sizes would remain


@dataclass(frozen=True)
class Check:
    """One held-out prediction.

    Attributes:
        fold: ``"cell"`` (held out alone), ``"largest n"`` or ``"largest s"`` (held out with
            the other cells at that size).
        n, s: the cell.
        n_seeds: seeds measured there.
        measured: the cell's mean error.
        predicted: the refitted law's prediction (NaN when the fold could not be fitted).
        lo, hi: the prediction interval of the measured value at the nominal level.
        inside: the measured value lies in ``[lo, hi]`` (None when untested).
        passes: it lies in the interval at the adjusted level (None when untested).
    """

    fold: str
    n: float
    s: float
    n_seeds: int
    measured: float
    predicted: float
    lo: float
    hi: float
    inside: bool | None
    passes: bool | None


@dataclass(frozen=True)
class Region:
    """Where an option's law is trusted: hull of passing cells, less points nearest a cell that did not pass.

    Attributes:
        kind: ``"curve"`` (one synthetic size: an interval of real sizes) or ``"joint"``.
        cells: ``(m, 2)`` measured cells as ``log10 n, log10 s`` (``n`` is 1 for real-only).
        status: each cell's :class:`CellStatus`.
    """

    kind: str
    cells: np.ndarray
    status: tuple[CellStatus, ...]

    @property
    def passing(self) -> np.ndarray:
        """The passing cells (``log10 n, log10 s``)."""
        return self.cells[[st is CellStatus.PASS for st in self.status]]

    @property
    def empty(self) -> bool:
        """No cell passes: nothing is advised."""
        return len(self.passing) == 0

    def contains(self, n: np.ndarray, s: np.ndarray) -> np.ndarray:
        """True where ``(n, s)`` lies in the region (broadcast; ``n`` ignored by a curve).

        Example:
            >>> r = Region("curve", np.log10([[1, 50], [1, 100], [1, 200], [1, 400.0]]),
            ...            (CellStatus.PASS,) * 3 + (CellStatus.FAIL,))
            >>> r.contains(np.ones(3), np.array([70.0, 150.0, 350.0])).tolist()  # 350 is nearest the failing 400
            [True, True, False]
        """
        n, s = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(s, dtype=float))
        out = np.zeros(n.shape, dtype=bool)
        ok = np.isfinite(s) & (s > 0) & (np.isfinite(n) if self.kind == "joint" else True)
        if self.empty or not ok.any():
            return out
        ls = np.log10(np.where(ok, s, 1.0))
        if self.kind == "curve":
            q = ls[..., None]
            inside = (ls >= self.passing[:, 1].min() - HULL_TOL) & (ls <= self.passing[:, 1].max() + HULL_TOL)
            dist = np.abs(q - self.cells[:, 1])
        else:
            ln = np.log10(np.where(ok & (n > 0), n, 1.0))
            inside = _in_hull(self.passing, ln, ls)
            dist = np.hypot(ln[..., None] - self.cells[:, 0], ls[..., None] - self.cells[:, 1])
        nearest = np.argmin(dist, axis=-1)
        good = np.array([st is CellStatus.PASS for st in self.status])[nearest]
        return ok & inside & good


    def column(self, n: np.ndarray, points: int = 400) -> tuple[np.ndarray, np.ndarray]:
        """The smallest and largest real size inside the region at each synthetic size ``n``.

        The region's cross-section at one ``n`` is searched on a fine log grid of real sizes
        spanning the measured ones; NaN where the region does not reach that ``n``.

        Example:
            >>> r = Region("curve", np.log10([[1, 50], [1, 100], [1, 200.0]]), (CellStatus.PASS,) * 3)
            >>> [v.round(1).tolist() for v in r.column(np.array([1.0]))]
            [[50.0], [200.0]]
        """
        n = np.atleast_1d(np.asarray(n, dtype=float))
        nan = np.full(n.shape, np.nan)
        if self.empty:
            return nan, nan.copy()
        ls = self.cells[:, 1]
        grid = np.unique(np.concatenate([np.linspace(ls.min(), ls.max(), points), ls]))
        s = 10.0 ** grid
        inside = self.contains(n[:, None], s[None, :])  # (G, points)
        has = inside.any(axis=1)
        lo = np.where(has, s[np.argmax(inside, axis=1)], np.nan)
        hi = np.where(has, s[len(s) - 1 - np.argmax(inside[:, ::-1], axis=1)], np.nan)
        return lo, hi


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (monotone chain), counter-clockwise, without repeated points."""
    pts = np.unique(np.round(points, 12), axis=0)
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in pts[::-1]:
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def _in_hull(points: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points ``(x, y)`` inside the convex hull of ``points`` (a segment or a point when degenerate)."""
    h = _hull(points)
    if len(h) == 1:
        return np.hypot(x - h[0, 0], y - h[0, 1]) <= HULL_TOL
    if len(h) == 2:
        return _near_segment(h[0], h[1], x, y)
    inside = np.ones(x.shape, dtype=bool)
    for i in range(len(h)):
        p, q = h[i], h[(i + 1) % len(h)]
        d = q - p
        length = float(np.hypot(*d))
        inside &= d[0] * (y - p[1]) - d[1] * (x - p[0]) >= -HULL_TOL * length
    return inside


def _near_segment(p: np.ndarray, q: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points within ``HULL_TOL`` of the segment ``pq`` (collinear cells: their hull is a segment)."""
    d = q - p
    t = np.clip(((x - p[0]) * d[0] + (y - p[1]) * d[1]) / float(d @ d), 0.0, 1.0)
    return np.hypot(x - (p[0] + t * d[0]), y - (p[1] + t * d[1])) <= HULL_TOL


@dataclass(frozen=True)
class LawCheck:
    """Cross-validation of one option's law, and the region it leaves for advice.

    Attributes:
        checks: every held-out prediction.
        status: per measured cell (in the order of the option's cells), its verdict.
        region: where advice is given.
        level: the nominal level of the prediction intervals.
        adjusted_level: the level each check is judged at (Bonferroni over the checks).
        n_boot: seed resamples behind the intervals.
        p_value: probability that a right law puts this few held-out values inside their
            nominal intervals (binomial; 1 when nothing was tested).
        rejected: the law is rejected as a whole (``p_value < (1 - level) / 10`` with 10 or
            more checks).
    """

    checks: tuple[Check, ...]
    status: tuple[CellStatus, ...]
    region: Region
    level: float
    adjusted_level: float
    n_boot: int
    p_value: float = 1.0
    rejected: bool = False

    @property
    def tested(self) -> list[Check]:
        """The checks that could be made."""
        return [c for c in self.checks if c.inside is not None]

    @property
    def coverage(self) -> tuple[int, int]:
        """``(inside, tested)``: how many held-out values fell inside their nominal intervals."""
        t = self.tested
        return sum(bool(c.inside) for c in t), len(t)

    @property
    def failed(self) -> list[Check]:
        """The checks outside their adjusted interval."""
        return [c for c in self.checks if c.passes is False]


def _cell_index(fo: FittedOption) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells' ``n``, ``s`` and each run's cell index."""
    n, s = fo.option.cells()
    return n, s, fo.option.runs.point


def _folds(fo: FittedOption) -> list[tuple[str, np.ndarray]]:
    """``(fold name, held-out cell indices)``: each cell alone, and for the joint law the largest sizes together."""
    n, s, _ = _cell_index(fo)
    folds = [("cell", np.array([i])) for i in range(len(n))]
    if fo.option.kind == "joint":
        for name, axis in (("largest n", n), ("largest s", s)):
            group = np.flatnonzero(axis == axis.max())
            if len(group) >= 2:
                folds.append((name, group))
    return folds


def cross_validate(fo: FittedOption, multiplicities: np.ndarray, level: float) -> LawCheck:
    """Hold out each measured cell (and the largest sizes), refit, predict, judge.

    Args:
        fo: the fitted option.
        multiplicities: ``(B, seeds)`` seed resamples (the same for every option; ``B >= 2``
            for intervals, else every cell is untested).
        level: the nominal level of the prediction intervals.

    Returns:
        A :class:`LawCheck` with the region where advice may be given.

    Example:
        >>> import pandas as pd
        >>> from synreal.analysis.advice.options import build_options, fit_option
        >>> rng = np.random.default_rng(1)
        >>> rows = [{"condition": "real", "source": "none", "n_synthetic": 0, "n_real": s, "seed": k,
        ...          "error": 2 * s**-0.5 + 0.02 + rng.normal(0, 0.003)} for s in (50, 100, 200, 400, 800)
        ...         for k in range(4)]
        >>> opt = build_options(pd.DataFrame(rows))[0][0]
        >>> mult = bs.seed_multiplicities(4, 200, np.random.default_rng(1))
        >>> chk = cross_validate(fit_option(opt, mult), mult, 0.9)
        >>> [st.value for st in chk.status], chk.coverage, chk.region.contains(1, np.array([70, 1000])).tolist()
        (['pass', 'pass', 'pass', 'pass', 'pass'], (5, 5), [True, False])
    """
    opt = fo.option
    runs = opt.runs
    cn, cs, run_cell = _cell_index(fo)
    m = len(cn)
    folds = _folds(fo)
    B = multiplicities.shape[0]
    base = np.vstack([np.ones((1, runs.n_runs)), seed_weights(opt, multiplicities)])  # (1 + B, runs)
    k = len(np.unique(opt.seed_codes))
    held = [np.isin(run_cell, cells) for _, cells in folds]
    weights = np.concatenate([base * ~h[None] for h in held], axis=0)
    batch = fit_curve_batch(fo.law, runs, weights, space="linear")
    P = batch.params.reshape(len(folds), 1 + B, -1)

    # each cell's mean error under each resample (point row: plain mean); NaN when no seed of it is drawn
    M = runs.indicator()
    Wc = base @ M
    with np.errstate(invalid="ignore", divide="ignore"):
        ybar = np.where(Wc > 0, ((base * runs.y) @ M) / np.where(Wc > 0, Wc, 1.0), np.nan)  # (1 + B, m)
    n_seeds = np.array([len(np.unique(opt.seed_codes[run_cell == i])) for i in range(m)])

    n_checks = sum(len(c) for _, c in folds)
    adjusted = 1.0 - (1.0 - level) / max(n_checks, 1)
    checks: list[Check] = []
    verdict: list[list[bool | None]] = [[] for _ in range(m)]
    for f, (name, cells) in enumerate(folds):
        pred = fo.error(cn[cells], cs[cells], P[f])  # (1 + B, len(cells))
        for j, c in enumerate(cells):
            measured = float(ybar[0, c])
            point = float(pred[0, j])
            if not np.isfinite(point) or B < 2 or k < 2:
                checks.append(Check(name, float(cn[c]), float(cs[c]), int(n_seeds[c]), measured, float("nan"),
                                    float("nan"), float("nan"), None, None))
                verdict[c].append(None)
                continue
            d_b = pred[1:, j] - ybar[1:, c]
            d = point - measured
            lo, hi = bs.se_interval(d_b, d, level, df=k - 1, var_factor=k / (k - 1))
            alo, ahi = bs.se_interval(d_b, d, adjusted, df=k - 1, var_factor=k / (k - 1))
            if not (np.isfinite(lo) and np.isfinite(hi)):
                checks.append(Check(name, float(cn[c]), float(cs[c]), int(n_seeds[c]), measured, point,
                                    float("nan"), float("nan"), None, None))
                verdict[c].append(None)
                continue
            half_lo, half_hi = d - float(lo), float(hi) - d
            inside = bool(lo <= 0 <= hi)
            passes = bool(alo <= 0 <= ahi)
            checks.append(Check(name, float(cn[c]), float(cs[c]), int(n_seeds[c]), measured, point,
                                point - half_hi, point + half_lo, inside, passes))
            verdict[c].append(passes)
    status = []
    for v in verdict:
        judged = [x for x in v if x is not None]
        status.append(CellStatus.UNTESTED if not judged else CellStatus.PASS if all(judged) else CellStatus.FAIL)
    judged = [c for c in checks if c.inside is not None]
    p_value = 1.0
    if judged:
        p_value = float(stats.binom.cdf(sum(bool(c.inside) for c in judged), len(judged), level))
    rejected = len(judged) >= REJECT_MIN_CHECKS and p_value < (1.0 - level) / REJECT_DIVISOR
    ln = np.log10(np.where(cn > 0, cn, 1.0))
    kept = tuple(CellStatus.FAIL if rejected and st is CellStatus.PASS else st for st in status)
    region = Region(opt.kind, np.stack([ln, np.log10(cs)], axis=1), kept)
    return LawCheck(checks=tuple(checks), status=tuple(status), region=region, level=float(level),
                    adjusted_level=float(adjusted), n_boot=int(B), p_value=p_value, rejected=bool(rejected))
