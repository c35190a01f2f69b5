"""Tables of runs for a scaling fit: validation at the edge, and the validated form the solver reads.

:func:`prepare_runs` checks a DataFrame (columns present, finite numbers, positive sizes,
one run per size and seed, at least 3 sizes) and returns a :class:`RunTable`: one entry per
run plus the distinct design points they fall on. Every problem is a
:class:`~synreal.errors.UserInputError` naming the file, column and CSV line; an error column
with values outside [0, 1] is suspicious but not impossible (a loss passed as ``error``), so
it gives an :class:`ErrorRangeWarning` instead.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synreal.errors import UserInputError


@dataclass
class Points:
    """The distinct design points of a fit: sizes ``n`` and, for the joint law, ``s``."""

    n: np.ndarray  # (m,)
    s: np.ndarray | None  # (m,)


@dataclass
class RunTable:
    """A validated table: one entry per run, and the distinct points they fall on.

    Attributes:
        n, s: synthetic size and fine-tuning size (``None`` for the single law) of each run.
        seed: integer code of each run's seed (``None`` without a seed column); ``seeds`` the
            seed values in code order.
        y: the error of each run.
        labels: the table's index label of each run, for messages.
        point: index of each run's design point in ``pts``.
        pts: the distinct design points.
        columns: which column played which role (``n``, ``error``, ``s``, ``seed``, ``metric``).
    """

    n: np.ndarray
    s: np.ndarray | None
    seed: np.ndarray | None  # integer codes
    seeds: list
    y: np.ndarray  # error
    labels: np.ndarray  # index labels, for messages
    point: np.ndarray  # run -> point index
    pts: Points
    columns: dict[str, str | None]

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return len(self.y)

    def indicator(self) -> np.ndarray:
        """``(runs, points)`` membership matrix."""
        M = np.zeros((self.n_runs, len(self.pts.n)))
        M[np.arange(self.n_runs), self.point] = 1.0
        return M


class ErrorRangeWarning(UserWarning):
    """An error column holds values outside [0, 1]: a percentage, or a loss passed as an error.

    Attributes:
        file, key, line: where the first such value is (``line`` is the CSV line).
        count: how many runs lie outside [0, 1].
    """

    def __init__(self, problem: str, *, file: str | None, key: str, line: int | None, hint: str,
                 count: int) -> None:
        self.file, self.key, self.line, self.count = file, key, line, count
        super().__init__(UserInputError(problem, file=file, key=key, line=line, hint=hint).message)


def where_args(source: str | None, label: Any) -> dict[str, Any]:
    """Location arguments for a UserInputError about one row (CSV line when read from a file)."""
    if source is not None and isinstance(label, (int, np.integer)):
        return {"file": source, "line": int(label) + 2}  # header is line 1
    return {"file": source}


def row_suffix(source: str | None, label: Any) -> str:
    """' at row X' for tables that did not come from a file."""
    return "" if source is not None and isinstance(label, (int, np.integer)) else f" at row {label!r}"


def _numeric(table: pd.DataFrame, col: str, source: str | None, *, what: str, positive: bool) -> np.ndarray:
    """A finite numeric column, or a UserInputError naming the first bad row."""
    if col not in table.columns:
        raise UserInputError(
            f"no column {col!r} (for {what}); the table has: {', '.join(map(str, table.columns))}",
            file=source, key=col,
        )
    raw = table[col]
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals)
    if bad.any():
        i = int(np.argmax(bad))
        label = table.index[i]
        found = raw.iloc[i]
        kind = "a missing value" if pd.isna(found) else f"{found!r}"
        raise UserInputError(
            f"column {col!r} ({what}) must hold finite numbers; found {kind}{row_suffix(source, label)}",
            key=col, **where_args(source, label),
        )
    if positive and (vals <= 0).any():
        i = int(np.argmax(vals <= 0))
        label = table.index[i]
        raise UserInputError(
            f"column {col!r} ({what}) must be positive; found {vals[i]:g}{row_suffix(source, label)}",
            key=col, hint=f"keep only positive sizes, e.g. --where '{col}>0'", **where_args(source, label),
        )
    return vals


def error_from_metric(
    table: pd.DataFrame, metric: str, *, higher_is_better: bool, source: str | None = None
) -> np.ndarray:
    """The error that a scaling law models, from a score column.

    Args:
        table: the runs.
        metric: the score column.
        higher_is_better: True for accuracy-like scores (error = 1 - score, which must lie in
            [0, 1]); False for losses and error rates (error = score).
        source: the file the table came from, for messages.

    Returns:
        The error of each row.

    Example:
        >>> error_from_metric(pd.DataFrame({"acc": [0.9, 0.75]}), "acc", higher_is_better=True).tolist()
        [0.09999999999999998, 0.25]
    """
    v = _numeric(table, metric, source, what="the metric", positive=False)
    if higher_is_better:
        out = (v < 0) | (v > 1)
        if out.any():
            i = int(np.argmax(out))
            label = table.index[i]
            raise UserInputError(
                f"column {metric!r} is an accuracy-like score (higher is better), so it must lie in [0, 1]; "
                f"found {v[i]:g}{row_suffix(source, label)}",
                key=metric, hint="if it is a percentage, divide it by 100", **where_args(source, label),
            )
        return 1.0 - v
    return v


def _duplicate_error(table: pd.DataFrame, keys: pd.DataFrame, dup: np.ndarray, named: dict[str, str | None],
                     source: str | None) -> None:
    """Raise a UserInputError about two runs at the same point, naming the columns that differ."""
    first = np.flatnonzero(dup)
    a = first[0]
    b = next(j for j in first[1:] if (keys.iloc[j] == keys.iloc[a]).all())
    la, lb = table.index[a], table.index[b]
    ra, rb = table.iloc[a], table.iloc[b]

    def show(v: Any) -> str:
        return repr(v.item() if isinstance(v, np.generic) else v)

    what = ", ".join(f"{col}={ra[col]!r}" if role == "seed" else f"{col}={float(ra[col]):g}"
                     for role, col in named.items() if col is not None and role in ("n", "s", "seed"))
    where = (f"lines {la + 2} and {lb + 2}" if source is not None and isinstance(la, (int, np.integer))
             else f"rows {la!r} and {lb!r}")
    values = {named["error"], named["metric"]}
    differ = [c for c in table.columns if c not in values and not (pd.isna(ra[c]) and pd.isna(rb[c])) and ra[c] != rb[c]]
    if not differ:
        hint = ("name the column that tells replicate runs apart (--seed)" if named["seed"] is None
                else "the table repeats a run; remove the duplicate")
    elif len(differ) == 1 and named["seed"] is None:
        c = differ[0]
        how = (f"--last {c} if it counts evaluations, --seed {c} if it names replicate runs, or --where {c}=VALUE"
               if pd.api.types.is_numeric_dtype(table[c]) else
               f"--where {c}=VALUE to keep one, or --seed {c} if it names replicate runs")
        hint = f"they differ only in {c!r} ({show(ra[c])} vs {show(rb[c])}): use {how}"
    else:
        differ.sort(key=lambda c: pd.api.types.is_numeric_dtype(table[c]))  # settings are usually named in text
        shown = ", ".join(f"{c} ({show(ra[c])} vs {show(rb[c])})" for c in differ[:4])
        hint = f"they differ in {shown}: keep one setting with --where, e.g. --where {differ[0]}={ra[differ[0]]}"
    raise UserInputError(
        f"{where} both hold a run at {what}; expected one run per size" + (" and seed" if named["seed"] else ""),
        file=source, key=named["n"], hint=hint,
    )


def prepare_runs(
    table: pd.DataFrame, *, n: str = "n", error: str | None = "error", s: str | None = None,
    seed: str | None = None, metric: str | None = None, higher_is_better: bool | None = None,
    source: str | None = None,
) -> RunTable:
    """Validate a table of runs and index its design points.

    Args:
        table: one row per run.
        n: column of synthetic pre-training sizes (positive).
        error: column of errors (ignored when ``metric`` is given).
        s: column of fine-tuning sizes, for the joint law.
        seed: column that tells replicate runs apart.
        metric: a score column to use instead of ``error``.
        higher_is_better: with ``metric``: True for accuracy-like scores (error = 1 - score,
            which must lie in [0, 1]), False for losses (error = score).
        source: the file the table came from, named in messages.

    Returns:
        A :class:`RunTable`. Raises :class:`~synreal.errors.UserInputError` for a table that
        cannot be fitted; warns with :class:`ErrorRangeWarning` when an ``error`` column
        holds values outside [0, 1].

    Example:
        >>> runs = prepare_runs(pd.DataFrame({"n": [1e3, 2e3, 4e3, 4e3], "seed": [0, 0, 0, 1],
        ...                                   "error": [0.3, 0.25, 0.2, 0.22]}), seed="seed")
        >>> runs.n_runs, runs.pts.n.tolist(), runs.seeds
        (4, [1000.0, 2000.0, 4000.0], [0, 1])
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(table).__name__}")
    if len(table) == 0:
        raise UserInputError("the table has no rows", file=source)
    if metric is not None and higher_is_better is None:
        raise UserInputError(
            f"say whether {metric!r} is higher-is-better (accuracy: error = 1 - metric) or lower-is-better",
            file=source, key="higher_is_better",
        )
    named = {"n": n, "error": None if metric else (error or "error"), "metric": metric, "s": s, "seed": seed}
    for role, col in named.items():
        if col is not None and col not in table.columns:
            close = difflib.get_close_matches(str(col), [str(c) for c in table.columns], n=1)
            raise UserInputError(
                f"no column {col!r} (for {role}); the table has: {', '.join(map(str, table.columns))}",
                file=source, key=col, hint=f"did you mean {close[0]!r}?" if close else None,
            )
    nv = _numeric(table, n, source, what="the synthetic pre-training size", positive=True)
    if metric is not None:
        y = error_from_metric(table, metric, higher_is_better=higher_is_better, source=source)
    else:
        y = _numeric(table, error or "error", source, what="the error", positive=False)
        _warn_out_of_range(table, error or "error", y, source)
    sv = _numeric(table, s, source, what="the fine-tuning size", positive=True) if s else None
    codes, seeds = None, []
    if seed:
        if seed not in table.columns:
            raise UserInputError(
                f"no column {seed!r} (for the seed); the table has: {', '.join(map(str, table.columns))}",
                file=source, key=seed,
            )
        col = table[seed]
        if col.isna().any():
            label = table.index[int(np.argmax(col.isna().to_numpy()))]
            raise UserInputError(f"column {seed!r} (the seed) has a missing value{row_suffix(source, label)}",
                                 key=seed, **where_args(source, label))
        codes, uniq = pd.factorize(col, sort=True)
        seeds = list(uniq)
    keys = pd.DataFrame({"n": nv, "s": sv if sv is not None else 0.0, "seed": codes if codes is not None else 0})
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        _duplicate_error(table, keys, dup, named, source)
    n_sizes = len(np.unique(nv))
    if n_sizes < 3:
        raise UserInputError(
            f"a scaling fit needs at least 3 distinct sizes in {n!r}; found {n_sizes} "
            f"({', '.join(f'{v:g}' for v in np.unique(nv))})",
            file=source, key=n,
        )
    if sv is not None and len(np.unique(sv)) < 2:
        raise UserInputError(
            f"the joint fit over fine-tuning sizes needs at least 2 distinct values in {s!r}; found 1",
            file=source, key=s, hint="leave out --s to fit L(n) at this one fine-tuning size",
        )
    pkeys = pd.DataFrame({"n": nv, "s": sv if sv is not None else 0.0})
    point, uniq_pts = pd.factorize(pd.MultiIndex.from_frame(pkeys), sort=True)
    pn = np.array([p[0] for p in uniq_pts], dtype=float)
    ps = np.array([p[1] for p in uniq_pts], dtype=float) if sv is not None else None
    return RunTable(
        n=nv, s=sv, seed=codes, seeds=seeds, y=y, labels=table.index.to_numpy(), point=point,
        pts=Points(pn, ps), columns={"n": n, "error": None if metric else (error or "error"), "s": s,
                                      "seed": seed, "metric": metric},
    )


def _warn_out_of_range(table: pd.DataFrame, col: str, y: np.ndarray, source: str | None) -> None:
    """Warn once when an error column leaves [0, 1], naming the first such row."""
    out = (y < 0) | (y > 1)
    if not out.any():
        return
    i = int(np.argmax(out))
    label = table.index[i]
    loc = where_args(source, label)
    more = f" (and {int(out.sum()) - 1} more value(s) outside [0, 1])" if out.sum() > 1 else ""
    warnings.warn(ErrorRangeWarning(
        f"column {col!r} is the error, and an error rate lies in [0, 1]; found {y[i]:g}{row_suffix(source, label)}"
        f"{more}; fitting the values as given",
        file=loc.get("file"), key=col, line=loc.get("line"), count=int(out.sum()),
        hint=f"if it is a percentage, divide it by 100; if it is a loss, pass it as --metric {col} --lower-is-better",
    ), stacklevel=3)


@contextmanager
def derived_errors() -> Iterator[None]:
    """Silence :class:`ErrorRangeWarning` for errors a study derived from its metric itself.

    The warning is meant for a user's error column; ``1 - MOTA`` legitimately exceeds 1 when
    MOTA is negative, and a loss used as the error may too.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ErrorRangeWarning)
        yield
