"""``synreal mot``: tracking data commands (placeholder until the tracking package lands)."""

import typer

app = typer.Typer(no_args_is_help=True)
