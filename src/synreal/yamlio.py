"""YAML reading that remembers where every key came from, for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from synreal.errors import UserInputError


def loc_to_path(loc: tuple[Any, ...]) -> str:
    """('sources', 1, 'knobs', 'fonts') -> 'sources[1].knobs.fonts'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _lines(node: yaml.Node, prefix: tuple[Any, ...], table: dict[tuple[Any, ...], int]) -> None:
    table[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = (*prefix, k.value)
            table[key] = k.start_mark.line + 1
            _lines(v, key, table)
            table[key] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _lines(v, (*prefix, i), table)


def read_yaml(path: str | Path) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """Parse a YAML mapping; return it and a table key-path -> line number.

    Raises:
        UserInputError: the file is missing, is not YAML, or is not a mapping.
    """
    p = Path(path)
    if not p.is_file():
        raise UserInputError("no such file", file=p)
    text = p.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise UserInputError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=p, line=line) from None
    if not isinstance(data, dict):
        raise UserInputError(f"expected a mapping of keys at the top level, found {type(data).__name__}", file=p)
    table: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _lines(node, (), table)
    return data, table


def line_for(table: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest known prefix of ``loc``."""
    for k in range(len(loc), -1, -1):
        if tuple(loc[:k]) in table:
            return table[tuple(loc[:k])]
    return None
