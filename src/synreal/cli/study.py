"""``synreal demo | run | report | list``: the study commands."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)
out_console = Console()

DEMO_SPEC = "digits.yaml"


def demo_spec_path() -> Path:
    """The embedded default study spec (identical to examples/digits.yaml)."""
    return Path(str(resources.files("synreal.resources").joinpath(DEMO_SPEC)))


def _headlines(out_dir: Path, limit: int = 12) -> None:
    """Print the report's leading sentences (from summary.json)."""
    import json

    summary = Path(out_dir) / "summary.json"
    if not summary.is_file():
        return
    for h in json.loads(summary.read_text())["headlines"][:limit]:
        out_console.print(f"  - {h['text']}", highlight=False, soft_wrap=True)


def _summary(outcome, *, report: bool) -> None:  # noqa: ANN001 - StudyOutcome, imported lazily
    console.print(
        f"[green]done[/] in {outcome.wall_seconds:.1f} s: {outcome.executed} jobs executed, {outcome.reused} runs reused; "
        f"{outcome.cores_busy:.2f} cores busy on average"
    )
    if report:
        _headlines(outcome.out_dir)
        console.print(f"report: {outcome.out_dir / 'report.html'}")


def run(
    spec: Annotated[Path, typer.Argument(help="study spec (YAML)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory (results are reused from it)")] = Path("runs/study"),
    workers: Annotated[int | None, typer.Option(help="parallel workers (default: every core)")] = None,
    executor: Annotated[str | None, typer.Option(help="executor: local or inline")] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="skip building the report")] = False,
) -> None:
    """Run a study: execute the missing runs, store them, build the report."""
    from synreal.study.runner import run_study
    from synreal.study.spec import load_spec

    s = load_spec(spec)
    outcome = run_study(s, out, workers=workers, executor=executor, console=console)
    if not no_report:
        from synreal.report.build import report_from_store

        report_from_store(out)
    _summary(outcome, report=not no_report)


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")] = Path("runs/demo"),
    workers: Annotated[int | None, typer.Option(help="parallel workers (default: every core)")] = None,
) -> None:
    """Run the embedded default: real sklearn digits against rendered digits."""
    console.print(f"spec: {demo_spec_path()} (the same as examples/digits.yaml)")
    run(demo_spec_path(), out=out, workers=workers)


def report(out: Annotated[Path, typer.Argument(help="a study output directory")]) -> None:
    """Rebuild report.html, summary.json, results.csv and figures from stored results."""
    from synreal.report.build import report_from_store

    report_from_store(out)
    _headlines(out)
    console.print(f"report: {Path(out) / 'report.html'}")


def list_plugins() -> None:
    """List every registered plugin: tasks, datasets, sources, learners, conditions, executors, retrievers..."""
    from synreal.plugins import load_plugins
    from synreal.registry import REGISTRIES

    load_plugins()
    table = Table(title="synreal plugins")
    for col in ("kind", "name", "what it is"):
        table.add_column(col)
    for kind, reg in REGISTRIES.items():
        for name, doc in reg.describe().items():
            table.add_row(kind, name, doc)
    out_console.print(table)


def register(app: typer.Typer) -> None:
    """Add the study commands to ``app``."""
    app.command("demo")(demo)
    app.command("run")(run)
    app.command("report")(report)
    app.command("list")(list_plugins)
