"""``synreal advise``: what to buy to reach a target, on a finished study or a table of runs.

A thin layer over :func:`synreal.analysis.advice.advise`: read the study's stored results
(``OUT_DIR/results.sqlite``) or a CSV of runs, take the prices and the goal from the command
line (or from the study's ``advice:`` section), and print the advice in the same words as the
report; ``--out DIR`` writes ``advice.json``, the figures and the frontier of each option.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from synreal.cli.fit import apply_where, keep_last, read_table
from synreal.errors import UserInputError

COST_KEYS = {"real": "real_sample", "real_sample": "real_sample", "synthetic": "synthetic_sample",
             "synthetic_sample": "synthetic_sample", "compute_hour": "compute_hour", "compute": "compute_hour"}
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_.+-]+)\s*=\s*(.+?)\s*$")


def parse_costs(items: list[str]) -> dict[str, float]:
    """``["real=0.40", "synthetic=0.002"]`` -> ``{"real_sample": 0.4, "synthetic_sample": 0.002}``.

    Example:
        >>> parse_costs(["real=0.4", "compute_hour=2"])
        {'real_sample': 0.4, 'compute_hour': 2.0}
    """
    out: dict[str, float] = {}
    for item in items:
        m = _ASSIGN.match(item)
        if not m:
            raise UserInputError(f"cannot read {item!r}; expected NAME=PRICE, e.g. real=0.40", key="--cost")
        name, raw = m.groups()
        if name not in COST_KEYS:
            raise UserInputError(f"unknown cost {name!r}; expected real, synthetic or compute_hour", key="--cost")
        try:
            out[COST_KEYS[name]] = float(raw)
        except ValueError:
            raise UserInputError(f"the price of {name!r} must be a number; found {raw!r}", key="--cost") from None
    return out


def parse_target(text: str) -> dict[str, Any]:
    """``"accuracy=0.97"`` -> ``{"metric": "accuracy", "value": 0.97}``.

    Example:
        >>> parse_target("HOTA=0.6")
        {'metric': 'HOTA', 'value': 0.6}
    """
    m = _ASSIGN.match(text)
    if not m:
        raise UserInputError(f"cannot read the target {text!r}; expected METRIC=VALUE, e.g. accuracy=0.97",
                             key="--target")
    try:
        return {"metric": m.group(1), "value": float(m.group(2))}
    except ValueError:
        raise UserInputError(f"the target value must be a number; found {m.group(2)!r}", key="--target") from None


def merged_spec(base: dict[str, Any] | None, costs: dict[str, float], target: str | None, budget: float | None,
                source: str | None) -> Any:
    """The advice spec: the study's own (if any), with the command line's prices and goal on top."""
    from synreal.analysis.advice import parse_advice

    data: dict[str, Any] = {"costs": dict((base or {}).get("costs") or {})}
    data["costs"].update(costs)
    if target is not None or budget is not None:
        if target is not None:
            data["target"] = parse_target(target)
        if budget is not None:
            data["budget"] = budget
    elif base:
        for k in ("target", "budget"):
            if base.get(k) is not None:
                data[k] = base[k]
    if "real_sample" not in data["costs"]:
        raise UserInputError("give the price of a real sample: --cost real=PRICE", file=source, key="--cost")
    if "target" not in data and "budget" not in data:
        raise UserInputError("give a goal: --target METRIC=VALUE or --budget AMOUNT", file=source, key="--target")
    return parse_advice(data, file=source, key="advice")


def print_advice(adv: Any, console: Console) -> None:
    """The advice for people: the lead, a table of options, each option's sentence and its law's check."""
    from synreal.analysis.advice.words import (
        check_sentence,
        count,
        headline,
        money,
        option_sentence,
        pct,
    )

    lv = f"{100 * adv.level:g}%"
    console.print(f"[bold]{headline(adv)}[/]", highlight=False)
    g = adv.goal
    table = Table(show_header=True, header_style="bold", title=f"what each option buys ({lv} intervals)")
    for col in ("option", "status", "synthetic", "real", "cost" if g.mode == "target" else g.metric,
                "saving" if g.mode == "target" else "gain", "verdict"):
        table.add_column(col)
    for o in adv.options:
        p = o.point
        if p is None:
            table.add_row(o.label, o.status.value, "", "", "", "", o.recommendation.value)
            continue
        amount = money(p.cost[0]) if g.mode == "target" else f"{p.metric[0]:.3f}"
        cmp = ""
        if o.comparison is not None:
            cmp = pct(o.comparison[0]) if g.mode == "target" else f"{o.comparison[0]:+.3f}"
        table.add_row(o.label, o.status.value, count(p.n_synthetic[0]), count(p.n_real[0]), amount, cmp,
                      o.recommendation.value)
    console.print(table)
    for o in adv.options:
        console.print(f"- {option_sentence(o, adv)}", highlight=False)
        console.print(f"  law check: {check_sentence(o.check)}", highlight=False, style="dim")
    for label, why in adv.skipped:
        console.print(f"- not priced: {label} ({why})", highlight=False, style="dim")


def write_outputs(adv: Any, out: Path, console: Console) -> None:
    """advice.json, the figures and each option's frontier (CSV) into ``out``."""
    from synreal.report.advice_figures import joint_keys, plot_advice, plot_costs
    from synreal.report.html import json_safe

    out.mkdir(parents=True, exist_ok=True)
    path = out / "advice.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(json_safe(adv.to_dict()), indent=2, allow_nan=False) + "\n")
    tmp.replace(path)
    written = [path, plot_costs(adv, out / "advice_costs.png")]
    for key in joint_keys(adv):
        slug = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)
        written.append(plot_advice(adv, key, out / f"advice_{slug}.png"))
    for o in adv.options:
        slug = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in o.key)
        o.frontier.to_csv(out / f"frontier_{slug}.csv", index=False)
    console.print(f"wrote {', '.join(str(p) for p in written)} and the frontiers (frontier_*.csv)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``advise`` command to ``app``."""

    @app.command("advise")
    def advise_command(
        path: Path = typer.Argument(..., help="A study's output folder (results.sqlite), or a CSV of runs."),
        target: str = typer.Option(None, "--target", help="Metric to reach, e.g. accuracy=0.97 or HOTA=0.6."),
        budget: float = typer.Option(None, "--budget", help="Money to spend: the best metric it buys, per option."),
        cost: list[str] = typer.Option([], "--cost", help="A price: real=0.40, synthetic=0.002, compute_hour=2 "
                                       "(repeatable)."),
        n: str = typer.Option("n", "--n", help="CSV: column of synthetic samples (0 for real data alone)."),
        s: str = typer.Option("s", "--s", help="CSV: column of real samples."),
        error: str = typer.Option(None, "--error", help="CSV: column of errors (lower is better)."),
        metric: str = typer.Option(None, "--metric", help="CSV: score column (default: the target's metric)."),
        higher_is_better: bool = typer.Option(None, "--higher-is-better/--lower-is-better",
                                              help="CSV: the metric's direction."),
        seed: str = typer.Option(None, "--seed", help="CSV: column that tells replicate runs apart."),
        by: list[str] = typer.Option([], "--by", help="CSV: column(s) naming synthetic configurations."),
        hours: str = typer.Option(None, "--hours", help="CSV: column of each run's training hours."),
        where: list[str] = typer.Option([], "--where", help="CSV: keep rows meeting COL<op>VALUE (repeatable)."),
        last: str = typer.Option(None, "--last", help="CSV: keep each setting's row with the largest value of this "
                                 "column."),
        level: float = typer.Option(None, "--level", help="Coverage of the intervals (default: the study's, or 0.95)."),
        n_boot: int = typer.Option(1000, "--n-boot", help="Seed resamples."),
        random_state: int = typer.Option(0, "--random-state", help="Seed of the resamples."),
        out: Path = typer.Option(None, "--out", help="Folder for advice.json, the figures and the frontiers."),
    ) -> None:
        """What to buy: the cheapest mix of real and synthetic data that reaches a target (or the best a budget buys)."""
        from synreal.analysis.advice import advise
        from synreal.analysis.advice.study import runs_from_results, runs_from_table

        source = str(path)
        costs = parse_costs(list(cost))
        if level is not None and not 0.5 < level < 1:
            raise UserInputError(f"--level must lie in (0.5, 1); found {level:g}", key="--level")
        if n_boot < 2:
            raise UserInputError(f"--n-boot must be at least 2 (intervals come from seed resamples); found {n_boot}",
                                 key="--n-boot")
        if path.is_dir():
            from synreal.study.store import RunStore

            store = RunStore(path, create=False)
            try:
                results, meta = store.tidy(), store.meta()
            finally:
                store.close()
            if results.empty:
                raise UserInputError("the study has no finished runs", file=source)
            spec = merged_spec((meta.spec or {}).get("advice"), costs, target, budget, source)
            name, hib = meta.metric, meta.higher_is_better
            frame = runs_from_results(results, name, hib)
            n_train = float(meta.n_train_real) if meta.n_train_real else None
            lv = float(level if level is not None else meta.level)
            units = {"item": meta.item, "real_item": meta.real_item}
        else:
            spec = merged_spec(None, costs, target, budget, source)
            data = apply_where(read_table(path), list(where), source)
            name = error or metric or (spec.target.metric if spec.target is not None else None)
            if name is None:
                raise UserInputError("with a budget, name the table's score with --metric (or its error with --error)",
                                     file=source, key="--metric")
            if error is None and name not in data.columns:
                raise UserInputError(f"no column {name!r} for the metric; the table has: "
                                     f"{', '.join(map(str, data.columns))}", file=source, key="--metric")
            if last is not None:
                data = keep_last(data, last, [name], source)
            hib = False if error is not None else higher_is_better
            if hib is None:
                raise UserInputError(f"say whether {name!r} is higher-is-better (error = 1 - {name}) or "
                                     "lower-is-better", file=source, key="--higher-is-better/--lower-is-better")
            frame = runs_from_table(data, n=n, s=s, error=error, metric=None if error else name,
                                    higher_is_better=None if error else hib, seed=seed, by=list(by), hours=hours,
                                    source=source)
            n_train = None
            lv = float(level if level is not None else 0.95)
            units = {}
        adv = advise(frame, spec, metric=name, higher_is_better=hib, level=lv, n_boot=n_boot,
                     random_state=random_state, n_train_real=n_train, source=source, **units)
        console = Console(width=120)
        print_advice(adv, console)
        if out is not None:
            write_outputs(adv, out, console)
