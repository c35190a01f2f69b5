"""The ``synreal`` command line: a thin layer over the function API.

User errors (``UserInputError``, malformed CLI arguments, and OS errors the environment
causes: a read-only or full disk, missing permissions) print one clear message and exit with
code 2; anything else is a bug and raises with its traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from synreal.errors import UserInputError
from synreal.fileio import environment_error

app = typer.Typer(
    name="synreal",
    help="What is my synthetic data worth against real data?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from synreal import __version__

        typer.echo(f"synreal {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """What is my synthetic data worth against real data?"""


def _register_subcommands() -> None:
    """Each concern adds its own commands; the CLI imports the library, never the reverse."""
    from synreal.cli import advise, cache, fit, mot, study

    study.register(app)
    fit.register(app)
    advise.register(app)
    app.add_typer(mot.app, name="mot", help="Tracking data: generate, read, show and evaluate MOTChallenge sequences.")
    app.add_typer(cache.app, name="cache", help="The shared cache: checkpoints reused across studies, decoded image sets.")


_register_subcommands()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``synreal`` script; returns the exit code."""
    try:
        result = app(args=argv, standalone_mode=False)
    except UserInputError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        return 2
    except OSError as exc:
        # a read-only or full disk, missing permissions: the user's environment, not a bug
        err = environment_error(exc)
        if err is None:
            raise
        err_console.print(f"[bold red]error:[/] {err.message}", highlight=False, soft_wrap=True)
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("[yellow]interrupted; finished runs are kept, rerun to resume[/]")
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument
        exc.show()  # type: ignore[attr-defined]
        return 2
    return result if isinstance(result, int) else 0


def entry() -> None:
    """Console-script wrapper."""
    sys.exit(main())
