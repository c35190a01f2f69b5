"""The scaling fit proper: validate a table, fit the law, bootstrap it, diagnose it, judge it.

Uncertainty. With seeds, the bootstrap resamples whole seeds (a seed's runs at all sizes
travel together); with one run per point it resamples residuals. Both are corrected for small
samples so that a 90% interval covers about 90% of the time even with a handful of sizes or
seeds: a seed bootstrap gives a Student-t interval with its standard error and ``k - 1``
degrees of freedom (see :func:`synreal.analysis.bootstrap.se_interval`), a residual bootstrap
its percentiles widened by the t/normal ratio for ``N - p`` degrees of freedom (see
:func:`synreal.analysis.bootstrap.small_sample_factor`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from synreal.analysis import bootstrap as bs
from synreal.analysis.scaling.diagnostics import diagnose
from synreal.analysis.scaling.findings import Diagnosis, Finding
from synreal.analysis.scaling.laws import LAWS, TINY, Law, from_coord, log_coord, make_law, to_coord
from synreal.analysis.scaling.results import Bootstrap, ScalingFit, interval_rule
from synreal.analysis.scaling.solver import aggregate, fit_curve_batch, point_fit, response
from synreal.analysis.scaling.tables import RunTable, prepare_runs, row_suffix, where_args
from synreal.analysis.scaling.verdict import judge
from synreal.errors import UserInputError

SPACES = ("linear", "log")
BOOTSTRAPS = ("auto", "seeds", "residuals")


def fit_scaling_law(
    table: pd.DataFrame,
    *,
    n: str = "n",
    error: str = "error",
    s: str | None = None,
    seed: str | None = None,
    pin: Mapping[str, float] | None = None,
    space: str = "linear",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    n_boot: int = 1000,
    level: float = 0.9,
    random_state: int = 0,
    source: str | None = None,
    metric: str | None = None,
    higher_is_better: bool | None = None,
    bootstrap: str = "auto",
) -> ScalingFit:
    """Fit Mikami's scaling law to a table of runs, with intervals, diagnostics and a verdict.

    Without ``s`` the law is ``L(n) = D n^-alpha + C`` (one fine-tuning size); with ``s`` it is
    the joint ``L(n, s) = delta (gamma + n^-alpha) s^-beta``, which conditions ``alpha`` much
    better. Least squares are bounded and global (variable projection plus scipy polishing
    from several starts). Intervals come from a bootstrap over seeds when a seed column has
    replicates, else from a residual bootstrap, both widened for small samples.

    Args:
        table: one row per run.
        n: column of synthetic pre-training sizes (positive).
        error: column of test errors (ignored when ``metric`` is given).
        s: column of fine-tuning sizes, for the joint law.
        seed: column that tells replicate runs apart.
        pin: parameters held fixed, e.g. ``{"D": 0.48}`` as in Mikami et al.'s released fit.
        space: ``"linear"`` (least squares on the error) or ``"log"`` (on its logarithm).
        bounds: search box per parameter, e.g. ``{"alpha": (0.1, 1.5), "C": (0, 1)}``.
        n_boot: bootstrap resamples (0 for none: no intervals).
        level: interval coverage.
        random_state: seed of the bootstrap.
        source: the file the table came from, named in error messages.
        metric: a score column to use instead of ``error``.
        higher_is_better: with ``metric``: True for accuracy-like scores (error = 1 - score,
            which must lie in [0, 1]), False for losses.
        bootstrap: ``"auto"``, ``"seeds"`` or ``"residuals"``.

    Returns:
        A :class:`ScalingFit`.

    Example:
        >>> n = np.repeat([1e3, 2e3, 4e3, 8e3, 16e3, 32e3, 64e3], 3)
        >>> rng = np.random.default_rng(0)
        >>> t = pd.DataFrame({"n": n, "seed": np.tile([0, 1, 2], 7),
        ...                   "error": 2.0 * n**-0.4 + 0.01 + rng.normal(0, 0.002, n.size)})
        >>> fit = fit_scaling_law(t, seed="seed", n_boot=200)
        >>> round(fit.params["alpha"], 1), fit.verdict_kind
        (0.4, 'more-data-pays')
    """
    if space not in SPACES:
        raise UserInputError(f"space must be one of {', '.join(SPACES)}; found {space!r}", file=source, key="space")
    if bootstrap not in BOOTSTRAPS:
        raise UserInputError(f"bootstrap must be one of {', '.join(BOOTSTRAPS)}; found {bootstrap!r}",
                             file=source, key="bootstrap")
    if not 0 < float(level) < 1:
        raise UserInputError(f"level must lie in (0, 1); found {level}", file=source, key="level")
    if int(n_boot) < 0:
        raise UserInputError(f"n_boot must be 0 or more; found {n_boot}", file=source, key="n_boot")
    data = prepare_runs(table, n=n, error=error, s=s, seed=seed, metric=metric, higher_is_better=higher_is_better,
                        source=source)
    if space == "log" and (data.y <= 0).any():
        i = int(np.argmax(data.y <= 0))
        label = data.labels[i]
        raise UserInputError(f"a log-space fit needs positive errors; found {data.y[i]:g}{row_suffix(source, label)}",
                             key=data.columns["error"] or data.columns["metric"], hint="use --space linear",
                             **where_args(source, label))
    kind = "joint" if s else "single"
    law = make_law(kind, data.y, bounds=bounds, pin=pin, source=source)
    return _fit(law, data, space=space, n_boot=int(n_boot), level=float(level), random_state=int(random_state),
                bootstrap=bootstrap, source=source)


def _fit(law: Law, data: RunTable, *, space: str, n_boot: int, level: float, random_state: int,
         bootstrap: str, source: str | None) -> ScalingFit:
    """The fit proper, on a validated table."""
    pts = data.pts
    z = response(data.y, space)
    P_hat, grid = point_fit(law, data, space)
    fitted_run = law.value(P_hat, data.n, data.s)
    resid = z - response(fitted_run, space)
    rss = float(np.sum(resid**2))
    p_free = len(law.free)
    df = data.n_runs - p_free

    # ---- bootstrap
    rng = np.random.default_rng(random_state)
    k_seeds = len(data.seeds)
    has_reps = data.seed is not None and k_seeds >= 2
    method = bootstrap
    if method == "auto":
        method = "seeds" if has_reps else "residuals"
    notes: list[Finding] = []
    boots: list[Bootstrap] = []
    noise = None
    if method == "seeds" and not has_reps:
        raise UserInputError("a seed bootstrap needs a seed column with at least 2 seeds", file=source, key="bootstrap")
    if df > 0:
        noise = (resid - resid.mean()) * math.sqrt(data.n_runs / df)
    if n_boot > 0 and method == "residuals" and df <= 0:
        notes.append(Finding(Diagnosis.NO_NOISE_ESTIMATE, values={"runs": data.n_runs, "free": p_free}))
    elif n_boot > 0:
        if method == "seeds":
            mult = bs.seed_multiplicities(k_seeds, n_boot, rng).astype(float)
            wr = mult[:, data.seed]
            boot = run_boot(law, data, space, wr, np.broadcast_to(z, wr.shape), "se", k_seeds - 1,
                             k_seeds / (k_seeds - 1))
            if len(boot.reps) < n_boot:
                notes.append(Finding(Diagnosis.RESAMPLES_SKIPPED, values={"skipped": n_boot - len(boot.reps),
                                                                          "n_boot": n_boot}))
            boots.append(boot)
        if method == "residuals" and df > 0:
            zr = response(fitted_run, space)[None] + bs.residual_draws(noise, n_boot, data.n_runs, rng)
            boots.append(run_boot(law, data, space, np.ones((n_boot, data.n_runs)), zr, "percentile", df, 1.0))
    n_ok = len(boots[0].reps) if boots else 0

    names = law.names
    params = {p: float(P_hat[i]) for i, p in enumerate(names)}
    intervals: dict[str, tuple[float, float]] = {}
    for i, p in enumerate(names):
        if p in law.pin:
            intervals[p] = (law.pin[p], law.pin[p])
        elif boots:
            # Intervals are made on the search coordinate (log for exponents), then clipped to the box.
            b = law.bounds[p]
            u_hat = to_coord(max(P_hat[i], TINY) if log_coord(b) else P_hat[i], b)
            lo = hi = None
            for bt in boots:
                u_b = to_coord(np.maximum(bt.reps[:, i], TINY) if log_coord(b) else bt.reps[:, i], b)
                l1, h1 = interval_rule(bt.kind, bt.df, bt.var, u_b, u_hat, level)
                lo, hi = (l1, h1) if lo is None else (np.fmin(lo, l1), np.fmax(hi, h1))
            lo, hi = (float(np.clip(from_coord(np.array(v), b), *b)) for v in (lo, hi))
            intervals[p] = (lo, hi)
        else:
            intervals[p] = (float("nan"), float("nan"))

    s_ref = float(np.max(pts.s)) if pts.s is not None else None
    procedure = {
        "law": LAWS[law.kind], "space": space, "pin": dict(law.pin), "bounds": {k: list(v) for k, v in law.bounds.items()},
        "n_boot": n_boot, "n_boot_used": n_ok, "bootstrap": method if n_boot > 0 else "none",
        "interval": _interval_words(boots, k_seeds, df),
        "level": level, "random_state": random_state, "source": source, "columns": data.columns,
        "seeds": len(data.seeds), "method": "variable projection (grid + zoom) polished by scipy.optimize.least_squares "
        "(trf, bounded) from several starts",
    }
    frame = {"n": data.n}
    if data.s is not None:
        frame["s"] = data.s
    if data.seed is not None:
        frame["seed"] = [data.seeds[c] for c in data.seed]
    frame.update(error=data.y, fitted=fitted_run, residual=resid)
    fit = ScalingFit(
        law=law.kind, params=params, intervals=intervals, identified={p: True for p in names}, pinned=dict(law.pin),
        residuals=resid, data=pd.DataFrame(frame), findings=(), suggestions=[],
        verdict="", verdict_kind="not-identifiable", gains={}, procedure=procedure, rss=rss, df=df, s_ref=s_ref,
        _law=law, _boots=boots, _noise=noise,
    )
    diagnose(fit, data, grid, notes, method)
    fit.gains = {f"{k}x": fit.gain(k) for k in (2, 10)}
    judge(fit, data)
    return fit


def run_boot(law: Law, data: RunTable, space: str, wr: np.ndarray, zr: np.ndarray, kind: str, df: float,
             var: float) -> Bootstrap:
    """Fit every resample given run weights ``wr`` and responses ``zr`` (both ``(B, runs)``)."""
    batch = fit_curve_batch(law, data, wr, space=space, responses=zr)
    ok = batch.fitted
    yr = zr if space == "linear" else np.exp(zr)
    return Bootstrap(kind=kind, df=float(df), var=float(var), reps=batch.params[ok], W=batch.weights[ok],
                     Y=aggregate(data.indicator(), wr[ok], yr[ok])[1])


def _interval_words(boots: list[Bootstrap], k_seeds: int, df: int) -> str:
    """How the intervals were made, for the record."""
    words = []
    for b in boots:
        if b.kind == "se":
            words.append(f"t interval with the seed-bootstrap standard error ({k_seeds} seeds: t with {k_seeds - 1} "
                         f"df, variance x {k_seeds}/{k_seeds - 1})")
        else:
            words.append(f"residual-bootstrap percentiles widened by the t/normal quantile ratio ({b.df:g} df)")
    return "; ".join(words) if words else "none"
