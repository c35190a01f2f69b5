"""``synreal cache list | clear``: the shared cache of trained artifacts (and decoded images)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from synreal.cli import stdout_console

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="The shared cache: checkpoints reused across studies, decoded image sets.")

DirOption = Annotated[Path | None, typer.Option("--cache-dir", help="cache root (default: $SYNREAL_CACHE_DIR, else "
                                                "$XDG_CACHE_HOME/synreal, else ~/.cache/synreal)")]


def _size(n: float) -> str:
    """Bytes for people."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


@app.command("list")
def list_cache(cache_dir: DirOption = None) -> None:
    """List the cached artifacts (key, kind, size, the study that trained it, when) and decoded image sets."""
    from synreal.data.cache import cache_dir as root_of
    from synreal.study.artifacts import ArtifactCache

    cache = ArtifactCache(cache_dir)
    entries = cache.entries()
    con = stdout_console()
    table = Table(title=f"artifacts in {cache.dir}")
    for col in ("key", "kind", "file", "size", "trained by", "cached", "synreal"):
        table.add_column(col, justify="right" if col == "size" else "left")
    for e in entries:
        table.add_row(e.key, e.kind, e.artifact.name, _size(e.size), e.study,
                      time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created)), e.version)
    con.print(table)
    decoded = sorted(root_of(cache_dir).glob("*.npy"))
    con.print(f"{len(entries)} artifacts, {_size(sum(e.size for e in entries))}; "
              f"{len(decoded)} decoded image sets, {_size(sum(p.stat().st_size for p in decoded))} in {root_of(cache_dir)}")


@app.command("clear")
def clear_cache(
    cache_dir: DirOption = None,
    data: Annotated[bool, typer.Option("--data", help="also delete the decoded image sets (*.npy)")] = False,
) -> None:
    """Delete the cached artifacts (studies keep their own copies; later studies train them again)."""
    from synreal.data.cache import cache_dir as root_of
    from synreal.study.artifacts import ArtifactCache

    cache = ArtifactCache(cache_dir)
    n, freed = cache.clear()
    msg = f"removed {n} artifacts ({_size(freed)}) from {cache.dir}"
    if data:
        decoded = list(root_of(cache_dir).glob("*.npy"))
        size = sum(p.stat().st_size for p in decoded)
        for p in decoded:
            p.unlink()
        msg += f" and {len(decoded)} decoded image sets ({_size(size)})"
    stdout_console().print(msg)
