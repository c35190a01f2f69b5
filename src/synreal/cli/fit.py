"""``synreal fit``: Mikami's scaling law on any table of runs (CSV).

A thin layer over :func:`synreal.analysis.scaling.fit_scaling_law`: read the CSV, optionally
keep some rows (``--where``) and each setting's last evaluation (``--last``), fit, print the
parameters, diagnostics and verdict, and write a figure and a JSON into ``--out``.
"""

from __future__ import annotations

import difflib
import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from synreal.errors import UserInputError
from synreal.fileio import output_dir, write_text

_WHERE = re.compile(r"^\s*([^=!<>]+?)\s*(==|!=|>=|<=|=|>|<)\s*(.*?)\s*$")
_BOOT_WORDS = {"seeds": "seed", "residuals": "residual"}
_PARAM = re.compile(r"^\s*([A-Za-z_]+)\s*=\s*(.+?)\s*$")


def read_table(path: Path) -> pd.DataFrame:
    """A CSV as a DataFrame, or a UserInputError that names the file."""
    if not path.is_file():
        raise UserInputError("no such file", file=path)
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise UserInputError("the file is empty", file=path) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UserInputError(f"not a readable CSV table ({str(exc).strip().splitlines()[0]})", file=path) from None


def apply_where(table: pd.DataFrame, conditions: list[str], source: str) -> pd.DataFrame:
    """Rows that meet every ``COL<op>VALUE`` condition (ops: = == != > >= < <=).

    Numeric columns compare as numbers, others as text; a missing value meets no condition.

    Example:
        >>> apply_where(pd.DataFrame({"a": [1, 2, 3]}), ["a>1"], "t.csv")["a"].tolist()
        [2, 3]
    """
    for cond in conditions:
        m = _WHERE.match(cond)
        if not m or not m.group(3):
            raise UserInputError(f"cannot read the condition {cond!r}; expected COL=VALUE, COL!=VALUE, COL>VALUE, "
                                 "COL>=VALUE, COL<VALUE or COL<=VALUE", file=source, key="--where")
        col, op, raw = m.groups()
        if col not in table.columns:
            close = difflib.get_close_matches(col, [str(c) for c in table.columns], n=1)
            raise UserInputError(f"no column {col!r} in the table; it has: {', '.join(map(str, table.columns))}",
                                 file=source, key="--where", hint=f"did you mean {close[0]!r}?" if close else None)
        values = table[col]
        present = values.notna()
        if pd.api.types.is_numeric_dtype(values):
            try:
                v: Any = float(raw)
            except ValueError:
                raise UserInputError(f"column {col!r} holds numbers; cannot compare it with {raw!r}",
                                     file=source, key="--where") from None
            x = values
        else:
            if op in (">", ">=", "<", "<="):
                raise UserInputError(f"column {col!r} holds text; use = or != with it", file=source, key="--where")
            v, x = raw, values.astype(str)
        keep = {"=": x == v, "==": x == v, "!=": x != v, ">": x > v, ">=": x >= v, "<": x < v, "<=": x <= v}[op]
        kept = table[keep & present]
        if kept.empty:
            seen = sorted(map(str, values.dropna().unique()))
            shown = ", ".join(seen[:12]) + (", ..." if len(seen) > 12 else "")
            close = difflib.get_close_matches(raw, seen, n=1)
            raise UserInputError(f"no row meets {cond!r}; {col!r} holds: {shown}", file=source, key="--where",
                                 hint=f"did you mean {close[0]!r}?" if close else None)
        table = kept
    return table


def keep_last(table: pd.DataFrame, col: str, value_cols: list[str], source: str) -> pd.DataFrame:
    """Each setting's row with the largest ``col`` (a setting: equal values in every other column)."""
    if col not in table.columns:
        raise UserInputError(f"no column {col!r} for --last; the table has: {', '.join(map(str, table.columns))}",
                             file=source, key="--last")
    keys = [c for c in table.columns if c != col and c not in value_cols]
    if not keys:
        return table.loc[[table[col].idxmax()]]
    order = pd.to_numeric(table[col], errors="coerce")
    if order.isna().any():
        raise UserInputError(f"column {col!r} (for --last) must hold numbers", file=source, key="--last")
    idx = order.groupby([table[k] for k in keys], dropna=False).idxmax()
    return table.loc[sorted(idx.to_numpy())]


def parse_assignments(items: list[str], what: str, source: str | None) -> dict[str, str]:
    """``["D=0.48", ...]`` -> ``{"D": "0.48"}``."""
    out = {}
    for item in items:
        m = _PARAM.match(item)
        if not m:
            raise UserInputError(f"cannot read {item!r}; expected PARAM=VALUE", file=source, key=what)
        out[m.group(1)] = m.group(2)
    return out


def _numbers(items: dict[str, str], what: str, source: str | None) -> dict[str, Any]:
    """Values of ``--pin`` (a number) or ``--bounds`` (LOW:HIGH) parsed."""
    out: dict[str, Any] = {}
    for k, v in items.items():
        try:
            if what == "--bounds":
                lo, hi = v.split(":")
                out[k] = (float(lo), float(hi))
            else:
                out[k] = float(v)
        except ValueError:
            expected = "LOW:HIGH (e.g. alpha=0.1:1.5)" if what == "--bounds" else "a number (e.g. D=0.48)"
            raise UserInputError(f"cannot read {k}={v}; expected {expected}", file=source, key=what) from None
    return out


def _fmt(x: float) -> str:
    """A number for the terminal."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def print_fit(fit: Any, console: Console, title: str) -> None:
    """Parameters, predictions, diagnostics and verdict of a ScalingFit, for people."""
    pct = f"{100 * fit.level:g}%"
    d = fit.data
    sizes = sorted(d["n"].unique())
    proc = fit.procedure
    console.print(f"[bold]{title}[/]")
    line = (f"{len(d)} runs at {len(sizes)} sizes ({_fmt(sizes[0])} to {_fmt(sizes[-1])})"
            + (f" and {d['s'].nunique()} fine-tuning sizes" if fit.law == "joint" else "")
            + (f", {proc['seeds']} seeds" if proc["seeds"] else "")
            + f"; {proc['space']}-space least squares"
            + "".join(f"; {k} pinned at {v:g}" for k, v in fit.pinned.items())
            + (f"; {pct} intervals from a {_BOOT_WORDS.get(proc['bootstrap'], proc['bootstrap'])} bootstrap "
               f"({proc['n_boot_used']} resamples)"
               if proc["bootstrap"] != "none" else "; no bootstrap"))
    console.print(f"law: {proc['law']}", highlight=False)
    console.print(line, highlight=False)
    table = Table(show_header=True, header_style="bold")
    for c in ("parameter", "estimate", f"{pct} interval", "note"):
        table.add_column(c)
    for _, r in fit.table().iterrows():
        if r["pinned"]:
            table.add_row(r["param"], _fmt(r["estimate"]), "", "pinned")
        elif not r["identified"]:
            table.add_row(r["param"], "not identified", f"{_fmt(r['lo'])} to {_fmt(r['hi'])}", "see diagnostics")
        else:
            table.add_row(r["param"], _fmt(r["estimate"]), f"{_fmt(r['lo'])} to {_fmt(r['hi'])}", "")
    console.print(table)
    if not fit.ill_conditioned:
        pred = Table(show_header=True, header_style="bold", title="predicted error" +
                     (f" at s = {_fmt(fit.s_ref)}" if fit.law == "joint" else ""))
        for c in ("n", "error", f"{pct} prediction interval"):
            pred.add_column(c)
        p = fit.predict([fit.n_max, 2 * fit.n_max, 10 * fit.n_max], s=fit.s_ref if fit.law == "joint" else None)
        for _, r in p.iterrows():
            pred.add_row(_fmt(r["n"]), _fmt(r["error"]), f"{_fmt(r['lo'])} to {_fmt(r['hi'])}")
        console.print(pred)
    if fit.diagnostics:
        console.print("[bold]diagnostics[/]")
        for s in fit.diagnostics:
            console.print(f"  - {s}", highlight=False)
    if fit.suggestions:
        console.print("[bold]what would resolve it[/]")
        for s in fit.suggestions:
            console.print(f"  - {s}", highlight=False)
    console.print(f"[bold]verdict ({fit.verdict_kind}):[/] {fit.verdict}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``fit`` command to ``app``."""

    @app.command("fit")
    def fit_command(
        table: Path = typer.Argument(..., help="CSV of runs, one row per run (or per evaluation, with --last)."),
        n: str = typer.Option("n", "--n", help="Column of synthetic pre-training sizes."),
        error: str = typer.Option(None, "--error", help="Column of test errors (default 'error')."),
        s: str = typer.Option(None, "--s", help="Column of fine-tuning sizes: fit the joint law L(n, s)."),
        seed: str = typer.Option(None, "--seed", help="Column that tells replicate runs apart."),
        metric: str = typer.Option(None, "--metric", help="Score column to use instead of --error."),
        higher_is_better: bool = typer.Option(
            None, "--higher-is-better/--lower-is-better",
            help="With --metric: accuracy-like (error = 1 - metric, in [0, 1]) or a loss (error = metric)."),
        pin: list[str] = typer.Option([], "--pin", help="Hold a parameter fixed, e.g. D=0.48 (repeatable)."),
        bounds: list[str] = typer.Option([], "--bounds", help="Search box of a parameter, e.g. alpha=0.1:1.5."),
        space: str = typer.Option("linear", "--space", help="Least squares on the error (linear) or its log."),
        where: list[str] = typer.Option([], "--where", help="Keep rows meeting COL<op>VALUE, op in = != > >= < <= "
                                        "(repeatable)."),
        last: str = typer.Option(None, "--last", help="Keep each setting's row with the largest value of this "
                                 "column (e.g. the last evaluation)."),
        n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap resamples (0: no intervals)."),
        level: float = typer.Option(0.9, "--level", help="Coverage of the intervals."),
        bootstrap: str = typer.Option("auto", "--bootstrap", help="auto, seeds or residuals."),
        random_state: int = typer.Option(0, "--random-state", help="Seed of the bootstrap."),
        out: Path = typer.Option(None, "--out", help="Folder for scaling_fit.json, scaling_fit.png and the data used."),
    ) -> None:
        """Fit Mikami's scaling law L(n) = D n^-alpha + C (or L(n, s) with --s) to a table of runs."""
        from synreal.analysis.scaling import ErrorRangeWarning, fit_scaling_law
        from synreal.report.scaling_figures import plot_scaling

        source = str(table)
        if out is not None:
            output_dir(out)
        if metric is not None and error is not None:
            raise UserInputError("give either --error or --metric, not both", file=source, key="--metric")
        if metric is None and higher_is_better is not None:
            raise UserInputError("--higher-is-better/--lower-is-better go with --metric", file=source, key="--metric")
        data = read_table(table)
        data = apply_where(data, list(where), source)
        value_col = metric or error or "error"
        if last is not None:
            data = keep_last(data, last, [value_col], source)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ErrorRangeWarning)
            fit = fit_scaling_law(
                data, n=n, error=error or "error", s=s, seed=seed,
                pin=_numbers(parse_assignments(list(pin), "--pin", source), "--pin", source),
                bounds=_numbers(parse_assignments(list(bounds), "--bounds", source), "--bounds", source),
                space=space, n_boot=n_boot, level=level, random_state=random_state, source=source,
                metric=metric, higher_is_better=higher_is_better, bootstrap=bootstrap,
            )
        for w in caught:  # anything else is not ours to swallow
            if issubclass(w.category, ErrorRangeWarning):
                Console(stderr=True).print(f"[bold yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        console = Console(width=120)
        print_fit(fit, console, f"Scaling fit of {source}")
        if out is not None:
            summary = fit.to_dict()
            sref = fit.s_ref if fit.law == "joint" else None
            summary["predictions"] = []
            if not fit.ill_conditioned:  # as on screen: no predictions from a law the data cannot pin down
                pred = fit.predict([fit.n_max, 2 * fit.n_max, 10 * fit.n_max], s=sref)
                summary["predictions"] = [{k: (float(v) if np.isfinite(v) else None) for k, v in row.items()}
                                          for row in pred.to_dict(orient="records")]
            summary["input"] = {"table": source, "where": list(where), "last": last, "n": n, "error": error,
                                "metric": metric, "higher_is_better": higher_is_better, "s": s, "seed": seed}
            json_path = out / "scaling_fit.json"
            write_text(json_path, json.dumps(summary, indent=2))
            fig = plot_scaling(fit, out / "scaling_fit.png")
            fit.data.to_csv(out / "scaling_data.csv", index=False)
            console.print(f"wrote {json_path}, {fig} and {out / 'scaling_data.csv'}", highlight=False)
