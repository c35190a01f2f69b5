"""``synreal demo | run | report | list``: the study commands."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from synreal.cli import stdout_console

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
    workers: Annotated[int | None, typer.Option(min=1, help="parallel workers (default: every core)")] = None,
    executor: Annotated[str | None, typer.Option(help="executor: local, inline or ray (default: the spec's)")] = None,
    address: Annotated[str | None, typer.Option(help="ray executor: 'auto', HOST:PORT or ray://HOST:10001 "
                                                     "(default: the spec's; none starts a local Ray instance)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the plan and a time estimate; train nothing")] = False,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="root of the shared artifact cache "
                                                   "(default: the spec's cache.dir, else $SYNREAL_CACHE_DIR, "
                                                   "else ~/.cache/synreal)")] = None,
    share: Annotated[bool | None, typer.Option("--share-artifacts/--no-share-artifacts",
                                               help="reuse checkpoints other studies trained, and share this "
                                                    "one's (default: the spec's cache.artifacts)")] = None,
    wait: Annotated[float, typer.Option(min=0, help="seconds to wait for another run on the same --out")] = 0.0,
    no_report: Annotated[bool, typer.Option("--no-report", help="skip building the report")] = False,
) -> None:
    """Run a study: execute the missing runs, store them, build the report."""
    from synreal.study.runner import run_study
    from synreal.study.spec import load_spec

    s = load_spec(spec)
    if dry_run:
        _dry_run(s, out, workers, executor, address, cache_dir, share)
        return
    outcome = run_study(s, out, workers=workers, executor=executor, address=address, console=console,
                        cache_dir=cache_dir, share_artifacts=share, wait=wait)
    if not no_report:
        from synreal.report.build import report_from_store

        report_from_store(out)
    _summary(outcome, report=not no_report)


def _duration(seconds: float) -> str:
    """'45 s', '12 min', '3.4 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _dry_run(spec, out: Path, workers: int | None, executor: str | None, address: str | None,  # noqa: ANN001
             cache_dir: Path | None, share: bool | None) -> None:
    """Print what ``run`` would do and how long it would take."""
    from synreal.study.estimate import dry_run
    from synreal.study.executor import available_cores
    from synreal.study.runner import artifact_cache, resolve_executor

    choice = resolve_executor(spec, workers, executor, address)
    n = choice.workers or (1 if choice.kind == "inline" else available_cores())
    cache = artifact_cache(spec, cache_dir, share)
    d = dry_run(spec, out, workers=n, cache=cache)
    out_console = stdout_console()
    out_console.print(f"[bold]{spec.name}[/]: the plan against {out} (dry run: nothing is trained)", soft_wrap=True)
    table = Table()
    for col in ("kind", "condition", "planned", "reused", "from cache", "to execute", "est. CPU time"):
        table.add_column(col, justify="left" if col in ("kind", "condition") else "right", no_wrap=col == "condition")
    for r in d.rows:
        table.add_row(r.kind, r.condition, str(r.planned), str(r.reused), str(r.from_cache), str(r.execute),
                      _duration(r.seconds) if r.execute else "-")
    out_console.print(table)
    steps = ", ".join(f"batch {b}: {1000 * t:.1f} ms" for b, t in d.step_seconds.items())
    out_console.print(f"calibration ({spec.learner.name}, one thread, this machine): one training step takes {steps}",
                      highlight=False, soft_wrap=True)
    where = f"{d.workers} {choice.kind} worker{'s' if d.workers != 1 else ''}"
    line = f"estimate: about {_duration(d.first_round)} on {where}"
    if d.worst_case is not None:
        line += (f" for the first round of adaptive seeds; at most {_duration(d.worst_case)} if every cell needs "
                 f"all {spec.adaptive.max} seeds")
    out_console.print(line + f" (longest chain {_duration(d.critical_path)})", highlight=False, soft_wrap=True)
    if cache is not None:
        out_console.print(f"shared artifact cache: {cache.dir}", highlight=False, soft_wrap=True)
    for note in d.notes:
        out_console.print(f"  - {note}", highlight=False, soft_wrap=True)


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")] = Path("runs/demo"),
    workers: Annotated[int | None, typer.Option(help="parallel workers (default: every core)")] = None,
) -> None:
    """Run the embedded default: real sklearn digits against rendered digits."""
    console.print(f"spec: {demo_spec_path()} (the same as examples/digits.yaml)")
    run(demo_spec_path(), out=out, workers=workers)


def report(
    out: Annotated[Path, typer.Argument(help="a study output directory")],
    to: Annotated[Path | None, typer.Option("--to", help="write the report here instead (e.g. for a read-only study)")] = None,
) -> None:
    """Rebuild report.html, summary.json, results.csv and figures from stored results."""
    from synreal.report.build import report_from_store

    paths = report_from_store(out, to)
    _headlines(paths.html.parent)
    console.print(f"report: {paths.html}")


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
