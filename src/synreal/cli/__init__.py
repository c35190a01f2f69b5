"""The ``synreal`` command line (a thin layer over the library)."""

from __future__ import annotations

from rich.console import Console


def stdout_console() -> Console:
    """A console on the current stdout (made per call so captured output works).

    Piped output gets a wide console: tables must not be truncated to 80 columns.
    """
    con = Console(highlight=False)
    if not con.is_terminal:
        con = Console(highlight=False, width=max(con.width, 200))
    return con
