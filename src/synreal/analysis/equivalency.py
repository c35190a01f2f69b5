"""Equivalency: how many real samples is the synthetic data worth (Hernandez et al. 2021).

Fit the real-only learning curve ``e(n) = a n^-b + c`` (``a, b > 0``, ``0 <= c < 1``), then
invert it at the error ``e_p`` of each synthetic-pretrained model fine-tuned on ``n_r`` real
samples: the effective real data is ``n_eff = e^-1(e_p)`` and the effective data transferred
``D_T = n_eff - n_r``; the exchange rate ``n_syn / D_T`` says how many synthetic samples
replace one real sample. The inversion is trusted only inside the real sizes actually run;
outside them the answer is "not identifiable (beyond the measured real curve)".

Intervals resample seeds jointly for the real curve and the pretrained runs (a seed fixes the
real subset in both), refit the curve and invert again, all vectorised over resamples; as in
the scaling fit, few seeds call for a Student-t interval with the bootstrap standard error
(of ``log n_eff``) rather than raw percentiles (science.md, "Equivalency").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synreal.analysis import bootstrap as bs
from synreal.analysis.scaling import SPACES, Law, fit_curve_batch, point_fit, prepare_runs, response
from synreal.errors import UserInputError

NOT_IDENTIFIABLE = "not identifiable (beyond the measured real curve)"
REQUIRED = ("n_real", "seed", "error")


@dataclass
class LearningCurve:
    """A fitted real-only learning curve ``e(n) = a n^-b + c``.

    Attributes:
        a, b, c: the parameters.
        n_range: smallest and largest real size measured.
        error_range: fitted errors at the largest and smallest size (the range in which
            :meth:`invert` is defensible).
        rss: residual sum of squares; ``n_runs``: runs fitted.
    """

    a: float
    b: float
    c: float
    n_range: tuple[float, float]
    error_range: tuple[float, float]
    rss: float
    n_runs: int

    def predict(self, n: Any) -> np.ndarray:
        """Fitted error at real sizes ``n``."""
        return self.a * np.asarray(n, dtype=float) ** (-self.b) + self.c

    def invert(self, error: Any) -> np.ndarray:
        """Real size whose fitted error is ``error`` (``inf`` at or below the asymptote ``c``)."""
        return _invert(np.asarray(error, dtype=float), self.a, self.b, self.c)

    def inside(self, error: Any) -> np.ndarray:
        """True where ``error`` lies within the measured part of the curve."""
        e = np.asarray(error, dtype=float)
        lo, hi = self.error_range
        tol = 1e-9 * max(abs(hi), 1.0)
        return (e >= lo - tol) & (e <= hi + tol)


def _invert(e: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``n`` with ``a n^-b + c = e``; ``inf`` where ``e <= c``, vectorised with broadcasting."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = (e - c) / a
        n = np.where(ratio > 0, np.exp(-np.log(np.where(ratio > 0, ratio, 1.0)) / b), np.inf)
    return np.where(np.isnan(e), np.nan, n)


def _curve_law(y: np.ndarray) -> Law:
    """The single law with the learning curve's bounds: ``a > 0``, ``b > 0``, ``0 <= c < 1``."""
    top = float(np.max(y))
    c_hi = min(top, 1.0 - 1e-9) if top <= 1 else top
    return Law("single", {"D": (1e-9, 1e6), "alpha": (0.01, 3.0), "C": (0.0, max(c_hi, 1e-9))}, {})


def fit_learning_curve(
    n: Any, error: Any, *, seeds: Any = None, space: str = "linear", source: str | None = None
) -> LearningCurve:
    """Fit the real-only learning curve ``e(n) = a n^-b + c`` by bounded least squares.

    Args:
        n: real training sizes (positive), one per run.
        error: test error of each run.
        seeds: seed of each run (optional; runs at the same size without seeds are replicates).
        space: ``"linear"`` or ``"log"`` least squares.
        source: file name for messages.

    Returns:
        A :class:`LearningCurve`.

    Example:
        >>> n = np.array([100, 200, 400, 800, 1600.0])
        >>> curve = fit_learning_curve(n, 3 * n**-0.5 + 0.02)
        >>> round(curve.b, 3), round(float(curve.invert(3 * 500**-0.5 + 0.02)))
        (0.5, 500)
    """
    n = np.asarray(n, dtype=float).ravel()
    error = np.asarray(error, dtype=float).ravel()
    if n.shape != error.shape:
        raise UserInputError(f"n and error must have the same length; found {n.size} and {error.size}", file=source)
    table = pd.DataFrame({"n_real": n, "error": error})
    if seeds is None:
        # Runs at the same size without seeds are replicates: number them so that none collide.
        table["seed"] = table.groupby("n_real").cumcount()
    else:
        table["seed"] = np.asarray(seeds).ravel()
    curve, _, _ = _fit_curve(table, space, source)
    return curve


def _fit_curve(real: pd.DataFrame, space: str, source: str | None):
    """Validated data, law and point fit of a real-only table with columns n_real, seed, error."""
    data = prepare_runs(real, n="n_real", error="error", seed="seed", source=source)
    if space not in SPACES:
        raise UserInputError(f"space must be one of {', '.join(SPACES)}; found {space!r}", file=source, key="space")
    if space == "log" and (data.y <= 0).any():
        raise UserInputError("a log-space learning curve needs positive errors", file=source, key="error")
    law = _curve_law(data.y)
    P, _ = point_fit(law, data, space)
    a, b, c = (float(v) for v in P)
    n_lo, n_hi = float(data.n.min()), float(data.n.max())
    fitted = law.value(P, data.n, None)
    resid = response(data.y, space) - response(fitted, space)
    curve = LearningCurve(
        a=a, b=b, c=c, n_range=(n_lo, n_hi),
        error_range=(float(a * n_hi ** (-b) + c), float(a * n_lo ** (-b) + c)),
        rss=float(np.sum(resid**2)), n_runs=data.n_runs,
    )
    return curve, data, law


def _check_columns(table: pd.DataFrame, cols: Sequence[str], what: str, source: str | None) -> None:
    """Every column present, with no missing values."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(table).__name__}")
    for col in cols:
        if col not in table.columns:
            raise UserInputError(f"the {what} table has no column {col!r}; it has: {', '.join(map(str, table.columns))}",
                                 file=source, key=col)
        if table[col].isna().any():
            label = table.index[int(np.argmax(table[col].isna().to_numpy()))]
            raise UserInputError(f"the {what} table has a missing value in {col!r} at row {label!r}",
                                 file=source, key=col)
    if len(table) == 0:
        raise UserInputError(f"the {what} table has no rows", file=source)


def effective_data(
    real: pd.DataFrame,
    treated: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int = 0,
    space: str = "linear",
    source: str | None = None,
) -> pd.DataFrame:
    """Effective real data and data transferred by synthetic pre-training, with intervals.

    Args:
        real: real-only runs at several sizes: columns ``n_real, seed, error`` (one row per
            size and seed).
        treated: synthetic-pretrained runs: ``n_real, seed, error`` plus the ``by`` columns.
        by: columns that tell treatments apart (e.g. ``("source", "n_synthetic")``).
        n_boot: bootstrap resamples over seeds (0 for none).
        level: interval coverage.
        random_state: seed of the bootstrap.
        space: least squares of the real curve in ``"linear"`` or ``"log"`` space.
        source: file name for messages.

    Returns:
        One row per ``(*by, n_real)``: ``*by, n_real, error_mean, n_eff, n_eff_lo, n_eff_hi,
        d_t, d_t_lo, d_t_hi, exchange_rate, exchange_rate_lo, exchange_rate_hi,
        identifiable, note, beyond, n_seeds``. Outside the measured real curve the numbers
        are NaN, ``identifiable`` is False, ``note`` says so and ``beyond`` is ``"above"``
        (better than the largest real set measured) or ``"below"``. The exchange rate
        (``n_synthetic / d_t``) is given only when ``"n_synthetic"`` is in ``by`` and
        ``d_t > 0``; its upper bound is ``inf`` when ``d_t``'s interval reaches 0. The fitted
        real curve is in ``result.attrs["real_curve"]``.

    Example:
        >>> seeds, sizes = [0, 1, 2], [100, 200, 400, 800, 1600]
        >>> real = pd.DataFrame([{"n_real": n, "seed": k, "error": 3 * n**-0.5 + 0.02}
        ...                      for n in sizes for k in seeds])
        >>> treated = pd.DataFrame([{"n_real": 100, "seed": k, "n_synthetic": 5000,
        ...                          "error": 3 * 400**-0.5 + 0.02} for k in seeds])
        >>> out = effective_data(real, treated, by=["n_synthetic"], n_boot=0)
        >>> round(float(out.n_eff[0])), round(float(out.d_t[0])), round(float(out.exchange_rate[0]), 1)
        (400, 300, 16.7)
    """
    by = list(by)
    _check_columns(real, REQUIRED, "real-only", source)
    _check_columns(treated, list(REQUIRED) + by, "treated", source)
    if not 0 < float(level) < 1:
        raise UserInputError(f"level must lie in (0, 1); found {level}", file=source, key="level")
    if int(n_boot) < 0:
        raise UserInputError(f"n_boot must be 0 or more; found {n_boot}", file=source, key="n_boot")
    t_err = pd.to_numeric(treated["error"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(t_err).all():
        raise UserInputError("the treated table's 'error' must hold finite numbers", file=source, key="error")
    t_nr = pd.to_numeric(treated["n_real"], errors="coerce").to_numpy(dtype=float)
    if not (np.isfinite(t_nr).all() and (t_nr > 0).all()):
        raise UserInputError("the treated table's 'n_real' must hold positive numbers", file=source, key="n_real")
    real = real.reset_index(drop=True)
    curve, data, law = _fit_curve(real[list(REQUIRED)], space, source)

    # Seeds are shared between the two tables: one code space for both.
    all_seeds = pd.Index(pd.unique(pd.concat([real["seed"], treated["seed"]], ignore_index=True)))
    real_codes = all_seeds.get_indexer(real["seed"])
    treat_codes = all_seeds.get_indexer(treated["seed"])
    k = len(all_seeds)
    keys = [*by, "n_real"]
    gframe = treated[by].copy() if by else pd.DataFrame(index=treated.index)
    gframe["n_real"] = treated["n_real"].to_numpy()  # keep the user's type (int sizes stay int)
    group_codes, groups = pd.factorize(pd.MultiIndex.from_frame(gframe[keys]), sort=True)
    n_groups = len(groups)
    G = np.zeros((len(treated), n_groups))
    G[np.arange(len(treated)), group_codes] = 1.0
    counts = G.sum(axis=0)
    e_mean = (t_err @ G) / counts
    n_seeds = np.array([len(np.unique(treat_codes[group_codes == g])) for g in range(n_groups)])

    n_eff = curve.invert(e_mean)
    ident = curve.inside(e_mean)
    beyond = np.where(ident, "", np.where(e_mean < curve.error_range[0], "above", "below"))

    lo = hi = np.full(n_groups, np.nan)
    interval_rule = "none (fewer than 2 seeds or n_boot = 0)"
    if n_boot > 0 and k >= 2:
        rng = np.random.default_rng(random_state)
        mult = bs.seed_multiplicities(k, int(n_boot), rng).astype(float)
        wr = mult[:, real_codes]
        P_b = fit_curve_batch(law, data, wr, space=space).params  # NaN where a resample spans < 3 sizes
        wt = mult[:, treat_codes]
        Wg = wt @ G
        with np.errstate(invalid="ignore", divide="ignore"):
            e_b = np.where(Wg > 0, ((wt * t_err) @ G) / np.where(Wg > 0, Wg, 1.0), np.nan)
        n_b = _invert(e_b, P_b[:, :1], P_b[:, 1:2], P_b[:, 2:3])
        # Few seeds: a t interval with the bootstrap standard error of log n_eff (as in the scaling fit).
        with np.errstate(divide="ignore", invalid="ignore"):
            l_lo, l_hi = bs.se_interval(np.log(n_b), np.log(n_eff), float(level), df=k - 1, var_factor=k / (k - 1))
        lo, hi = np.exp(np.clip(l_lo, -700, 700)), np.exp(np.clip(l_hi, -700, 700))
        interval_rule = f"t interval on log n_eff with the seed-bootstrap standard error ({k} seeds, {k - 1} df)"

    nr = np.array([g[-1] for g in groups], dtype=float)
    nr_out = [g[-1] for g in groups]
    n_eff_out = np.where(ident, n_eff, np.nan)
    lo = np.where(ident, lo, np.nan)
    hi = np.where(ident, hi, np.nan)
    d_t, d_lo, d_hi = n_eff_out - nr, lo - nr, hi - nr
    rate = rate_lo = rate_hi = np.full(n_groups, np.nan)
    if "n_synthetic" in by:
        n_syn = np.array([g[by.index("n_synthetic")] for g in groups], dtype=float)
        pos = ident & (d_t > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(pos, n_syn / d_t, np.nan)
            rate_lo = np.where(pos & (d_hi > 0), n_syn / d_hi, np.nan)
            rate_hi = np.where(pos, np.where(d_lo > 0, n_syn / d_lo, np.inf), np.nan)
            rate_hi = np.where(pos & np.isnan(d_lo), np.nan, rate_hi)
    out = pd.DataFrame([dict(zip(keys, g if isinstance(g, tuple) else (g,))) for g in groups])
    out["n_real"] = nr_out
    out = out.assign(
        error_mean=e_mean, n_eff=n_eff_out, n_eff_lo=lo, n_eff_hi=hi, d_t=d_t, d_t_lo=d_lo, d_t_hi=d_hi,
        exchange_rate=rate, exchange_rate_lo=rate_lo, exchange_rate_hi=rate_hi,
        identifiable=ident, note=np.where(ident, "", NOT_IDENTIFIABLE), beyond=beyond, n_seeds=n_seeds,
    )
    out.attrs["real_curve"] = {
        "a": curve.a, "b": curve.b, "c": curve.c, "n_range": list(curve.n_range),
        "error_range": list(curve.error_range), "level": float(level), "n_boot": int(n_boot), "seeds": k,
        "interval": interval_rule, "space": space,
    }
    return out
