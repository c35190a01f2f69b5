"""``synreal fit``: scaling-law fits on outside tables (placeholder until the scaling core lands)."""

import typer


def register(app: typer.Typer) -> None:
    """Add the ``fit`` command to ``app``."""
