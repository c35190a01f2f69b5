"""The one exception type for bad user input.

A ``UserInputError`` means the user gave us something we cannot use (a malformed spec, a
missing file, a table without the needed column). The CLI prints it without a traceback and
exits with code 2. Anything else that goes wrong is a bug and raises normally.
"""

from __future__ import annotations

from pathlib import Path


class UserInputError(Exception):
    """Bad input from the user, reported with where it was found and what was expected.

    Args:
        problem: what is wrong, in words ("expected a positive integer, found -3").
        file: the file the problem is in, if any.
        key: the key path inside that file ("sources[1].fonts"), if any.
        line: the 1-based line number inside that file, if any.
        hint: an optional suggestion for fixing it.

    Example:
        >>> raise UserInputError("expected one of real, mix", file="s.yaml", key="conditions[0]")
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: s.yaml: conditions[0]: expected one of real, mix
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        key: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.key = key
        self.line = line
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line is not None else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.key:
            where.append(self.key)
        text = ": ".join(where + [self.problem])
        if self.hint:
            text += f" ({self.hint})"
        return text
