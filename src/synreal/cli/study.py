"""``synreal demo|run|report|list``: the study commands."""

import typer


def register(app: typer.Typer) -> None:
    """Add the study commands to ``app``."""
