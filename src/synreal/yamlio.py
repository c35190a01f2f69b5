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


def _lines(node: yaml.Node, prefix: tuple[Any, ...], table: dict[tuple[Any, ...], int], file: Path) -> None:
    """Fill ``table`` with the line of every key path below ``node``; a key written twice is an error."""
    table[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for k, v in node.value:
            line = k.start_mark.line + 1
            if k.value in seen and isinstance(k, yaml.ScalarNode):
                # YAML would keep the last one silently: a setting the user wrote would be ignored
                raise UserInputError(f"duplicate key {k.value!r} (first written at line {seen[k.value]}); "
                                     "remove one of them", file=file, key=loc_to_path((*prefix, k.value)), line=line)
            seen[k.value] = line
            key = (*prefix, k.value)
            table[key] = line
            _lines(v, key, table, file)
            table[key] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _lines(v, (*prefix, i), table, file)


def read_yaml(path: str | Path) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    r"""Parse a YAML mapping; return it and a table key-path -> line number.

    Raises:
        UserInputError: the file is missing, is not UTF-8 text or not YAML, is not a
            mapping, or writes a key twice in one mapping.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "s.yaml"
        >>> _ = p.write_text("name: a\nseeds: [0]\nname: b\n")
        >>> read_yaml(p)
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: ...s.yaml:3: name: duplicate key 'name' (first written at line 1); remove one of them
    """
    p = Path(path)
    if not p.is_file():
        raise UserInputError("no such file" if not p.is_dir() else "is a folder; expected a YAML file", file=p)
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserInputError(f"not a text file (UTF-8): byte 0x{raw[exc.start]:02x} at offset {exc.start} cannot "
                             "be decoded; expected a YAML file", file=p, line=line) from None
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
        _lines(node, (), table, p)
    return data, table


def line_for(table: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest known prefix of ``loc``."""
    for k in range(len(loc), -1, -1):
        if tuple(loc[:k]) in table:
            return table[tuple(loc[:k])]
    return None
