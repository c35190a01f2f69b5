"""Adapters: a study's tidy results, or a user's table of runs, as the frame :func:`advise` reads.

- :func:`runs_from_results`: the primary metric's rows of every condition trained on real
  data (``n_real > 0``), with each run's hours from its measured ``run_seconds`` (plus
  ``pretrain_seconds`` when the table carries the pre-training time of the run's checkpoint);
- :func:`advice_analysis`: the advice a study's spec asks for (``meta.spec["advice"]``);
- :func:`runs_from_table`: a CSV of ``(n, s, error)`` runs from outside the project; rows with
  ``n = 0`` are real data alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from synreal.analysis.advice.buy import advise
from synreal.analysis.advice.results import Advice
from synreal.analysis.advice.spec import AdviceSpec, parse_advice
from synreal.analysis.meta import StudyMeta
from synreal.analysis.scaling import error_from_metric
from synreal.analysis.scaling.tables import _numeric, row_suffix, where_args
from synreal.errors import UserInputError

TIME_METRICS = ("run_seconds", "pretrain_seconds")  # summed per run when present
SECONDS_PER_HOUR = 3600.0


def runs_from_results(results: pd.DataFrame, metric: str, higher_is_better: bool) -> pd.DataFrame:
    """The runs of a study's tidy table that advice can price, one row per run.

    Args:
        results: the tidy table (``run_id, condition, source, n_synthetic, real_fraction,
            n_real, seed, metric, value``).
        metric: the primary metric.
        higher_is_better: its direction (error = 1 - metric when True).

    Returns:
        ``condition, source, n_synthetic, n_real, seed, error, hours`` (``hours`` NaN when the
        runs carry no time).

    Example:
        >>> t = pd.DataFrame({"run_id": ["a", "a"], "condition": "real", "source": "none", "n_synthetic": 0,
        ...                   "real_fraction": 0.5, "n_real": 100, "seed": 0, "metric": ["accuracy", "run_seconds"],
        ...                   "value": [0.9, 36.0]})
        >>> runs_from_results(t, "accuracy", True)[["error", "hours"]].round(3).values.tolist()
        [[0.1, 0.01]]
    """
    t = results[(results["metric"] == metric) & (results["n_real"].astype(float) > 0)].copy()
    values = t["value"].astype(float)
    t["error"] = 1.0 - values if higher_is_better else values
    times = results[results["metric"].isin(TIME_METRICS)]
    if "run_id" in results.columns and not times.empty:
        per_run = times.groupby("run_id")["value"].sum() / SECONDS_PER_HOUR
        t["hours"] = t["run_id"].map(per_run).astype(float)
    else:
        t["hours"] = np.nan
    cols = ["condition", "source", "n_synthetic", "n_real", "seed", "error", "hours"]
    return t[cols].reset_index(drop=True)


def advice_analysis(results: pd.DataFrame, meta: StudyMeta, *, level: float | None = None,
                    n_boot: int = 1000, spec: AdviceSpec | None = None) -> Advice | None:
    """The advice a study asks for, from its tidy table and metadata.

    Args:
        results: the tidy table.
        meta: the study's metadata (``metric``, ``higher_is_better``, ``n_train_real``,
            ``level``, ``spec``); the advice section is ``meta.spec["advice"]``.
        level: interval coverage (default: the study's ``level``, else 0.95).
        n_boot: seed resamples.
        spec: an advice spec that replaces the study's own (the command line's costs and goal).

    Returns:
        An :class:`~synreal.analysis.advice.Advice`, or None when the study asks for no advice
        and none is given.

    Raises:
        UserInputError: a malformed advice section, a target outside the metric's range, or a
            study without a real-only learning curve.

    Example:
        >>> advice_analysis(pd.DataFrame(), StudyMeta(spec={"name": "x"})) is None
        True
    """
    if spec is None:
        raw = (meta.spec or {}).get("advice")
        if raw is None:
            return None
        spec = parse_advice(raw)
    metric, hib = meta.metric, meta.higher_is_better
    frame = runs_from_results(results, metric, hib)
    return advise(frame, spec, metric=metric, higher_is_better=hib,
                  level=float(level if level is not None else meta.level), n_boot=n_boot,
                  n_train_real=float(meta.n_train_real) if meta.n_train_real else None)


def runs_from_table(
    table: pd.DataFrame,
    *,
    n: str,
    s: str,
    error: str | None = None,
    metric: str | None = None,
    higher_is_better: bool | None = None,
    seed: str | None = None,
    by: Sequence[str] = (),
    hours: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """A user's table of runs as the frame :func:`advise` reads.

    Args:
        table: one row per run.
        n: column of synthetic samples (0 for real data alone: those rows are the reference).
        s: column of real samples (positive).
        error: column of errors (or ``metric`` with ``higher_is_better``).
        metric: a score column instead of ``error``.
        higher_is_better: with ``metric``: error = 1 - metric (True) or the metric itself.
        seed: column that tells replicate runs apart (without one, replicates at the same
            ``(n, s)`` are numbered in order).
        by: columns that tell synthetic configurations apart (their values name the option).
        hours: column of each run's training hours (optional).
        source: the file, for messages.

    Returns:
        ``condition, source, n_synthetic, n_real, seed, error, hours``.

    Example:
        >>> t = pd.DataFrame({"n": [0, 0, 1000], "s": [100, 200, 100], "acc": [0.8, 0.85, 0.88]})
        >>> runs_from_table(t, n="n", s="s", metric="acc", higher_is_better=True)["condition"].tolist()
        ['real', 'real', 'synthetic']
    """
    if metric is not None and error is not None:
        raise UserInputError("give either an error column or a metric column, not both", file=source, key=metric)
    for col in [n, s, *by] + ([seed] if seed else []) + ([hours] if hours else []):
        if col not in table.columns:
            raise UserInputError(f"no column {col!r}; the table has: {', '.join(map(str, table.columns))}",
                                 file=source, key=col)
    if len(table) == 0:
        raise UserInputError("the table has no rows", file=source)
    nv = _numeric(table, n, source, what="the synthetic samples", positive=False)
    if (nv < 0).any():
        i = int(np.argmax(nv < 0))
        raise UserInputError(f"column {n!r} (the synthetic samples) cannot be negative; found {nv[i]:g}"
                             f"{row_suffix(source, table.index[i])}", key=n, **where_args(source, table.index[i]))
    sv = _numeric(table, s, source, what="the real samples", positive=True)
    if metric is not None:
        if higher_is_better is None:
            raise UserInputError(f"say whether {metric!r} is higher-is-better (error = 1 - metric) or "
                                 "lower-is-better", file=source, key="--higher-is-better/--lower-is-better")
        y = error_from_metric(table, metric, higher_is_better=higher_is_better, source=source)
    else:
        y = _numeric(table, error or "error", source, what="the error", positive=False)
    hv = _numeric(table, hours, source, what="the hours", positive=False) if hours else np.full(len(table), np.nan)
    if seed:
        if table[seed].isna().any():
            i = int(np.argmax(table[seed].isna().to_numpy()))
            raise UserInputError(f"column {seed!r} (the seed) has a missing value{row_suffix(source, table.index[i])}",
                                 key=seed, **where_args(source, table.index[i]))
        seeds = table[seed].to_numpy()
    else:
        seeds = pd.DataFrame({"n": nv, "s": sv}).groupby(["n", "s"]).cumcount().to_numpy()
    synthetic = nv > 0
    names = (table[list(by)].astype(str).agg("/".join, axis=1).to_numpy() if by else np.full(len(table), "all"))
    return pd.DataFrame({
        "condition": np.where(synthetic, "synthetic", "real"), "source": np.where(synthetic, names, "none"),
        "n_synthetic": nv, "n_real": sv, "seed": seeds, "error": y, "hours": hv,
    })
