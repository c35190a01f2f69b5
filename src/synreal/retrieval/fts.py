"""Caption search with SQLite FTS5: per-class query rules, an index built once and stored.

Each class gets a ``QueryRule``: ``any`` (synonyms and phrases, one must appear), ``all``
(each must also appear), ``none`` (none may appear) and ``match`` (a raw FTS5 expression,
AND-ed with the rest). Every entry of ``any``/``all``/``none`` is searched as a phrase:
its words must appear next to each other, in order ("number seven" does not match "seven
numbers"). Matching is case-insensitive, ignores diacritics and punctuation, and stems
English words (Porter), so "sevens" matches "seven"; numerals are words ("7").

Scores are FTS5's BM25 relevance negated, so that higher is better (always > 0 for a match).

The index lives in one SQLite file ``<index_dir>/<captions fingerprint>.fts.sqlite``. It is
built into a temporary file in the same folder and renamed into place, so a crash never
leaves a half-built index under the final name, and concurrent builders do not clash.
A later call with the same captions opens it instead of rebuilding, and says so.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from synreal.errors import UserInputError

log = logging.getLogger(__name__)

FORMAT_VERSION = "1"
TOKENIZER = "porter unicode61 remove_diacritics 2"
_WORD = re.compile(r"\w", re.UNICODE)


class QueryRule(BaseModel):
    """Which captions count as showing one class.

    A caption matches when it contains at least one ``any`` phrase (if any are given), every
    ``all`` phrase, no ``none`` phrase, and satisfies ``match`` (if given).

    In a spec, a list is shorthand for ``any`` and a string for ``match``:
    ``{"7": ["7", "seven", "number seven"]}`` or ``{"7": '7 OR (digit AND seven)'}``.

    Example:
        >>> QueryRule.model_validate(["7", "number seven"]).expression()
        '("7" OR "number seven")'
        >>> QueryRule(any=["cat", "kitten"], none=["cat food"]).expression()
        '("cat" OR "kitten") NOT ("cat food")'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    any: list[str] = Field(default_factory=list, description="synonyms and phrases; at least one must appear")
    all: list[str] = Field(default_factory=list, description="phrases that must all appear as well")
    none: list[str] = Field(default_factory=list, description="phrases that exclude a caption")
    match: str | None = Field(None, description="a raw FTS5 expression (AND, OR, NOT, \"phrases\", prefix*), AND-ed with the rest")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"match": v}
        if isinstance(v, (list, tuple)):
            return {"any": list(v)}
        return v

    @field_validator("any", "all", "none")
    @classmethod
    def _phrases(cls, v: list[str]) -> list[str]:
        for t in v:
            if not _WORD.search(t):
                raise ValueError(f"phrase {t!r} has no letters or digits to search for")
        return v

    @model_validator(mode="after")
    def _something(self) -> "QueryRule":
        if not self.any and not self.all and not (self.match or "").strip():
            raise ValueError("a query rule needs at least one of: any, all, match")
        return self

    def expression(self) -> str:
        """The FTS5 MATCH expression this rule stands for."""
        parts = []
        if self.any:
            parts.append("(" + " OR ".join(_phrase(t) for t in self.any) + ")")
        parts += [_phrase(t) for t in self.all]
        if self.match and self.match.strip():
            parts.append("(" + self.match + ")")
        expr = " AND ".join(parts)
        if self.none:
            expr += " NOT (" + " OR ".join(_phrase(t) for t in self.none) + ")"
        return expr


def _phrase(text: str) -> str:
    """``text`` as an FTS5 phrase literal (double quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'


def default_rule(class_name: str) -> QueryRule:
    """The rule used for a class without one: its name as a phrase (``tabby_cat`` -> "tabby cat")."""
    if not _WORD.search(class_name):
        raise UserInputError(f"class name {class_name!r} has no letters or digits; give it a query rule", key=f"rules.{class_name}")
    return QueryRule(any=[class_name])


class CaptionIndex:
    """An open FTS5 index over a pool's captions; row ids are pool indices.

    Use ``CaptionIndex.build`` / ``CaptionIndex.open`` / ``caption_index`` to get one.

    Example:
        >>> idx = CaptionIndex.build(["a handwritten 7", "seven sunflowers", "a temple"])
        >>> sorted(idx.search(QueryRule(any=["7", "seven"]))[0].tolist())
        [0, 1]
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None, n_rows: int) -> None:
        self.conn = conn
        self.path = path
        self.n_rows = n_rows

    @classmethod
    def build(cls, captions: Sequence[str], path: str | Path | None = None, *, fingerprint: str = "") -> "CaptionIndex":
        """Index ``captions``; in memory when ``path`` is None, else atomically into ``path``.

        Args:
            captions: one caption per pool image; caption i gets row id i.
            path: the SQLite file to create (replaced atomically if it exists).
            fingerprint: recorded in the index so that ``open`` can check it.

        Returns:
            The open index.
        """
        if path is None:
            conn = sqlite3.connect(":memory:")
            _fill(conn, captions, fingerprint)
            return cls(conn, None, len(captions))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            conn = sqlite3.connect(tmp)
            try:
                # the temp file is discarded on any failure, so durability during the build buys nothing
                conn.execute("PRAGMA journal_mode=OFF")
                conn.execute("PRAGMA synchronous=OFF")
                _fill(conn, captions, fingerprint)
            finally:
                conn.close()
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return cls.open(path)

    @classmethod
    def open(cls, path: str | Path) -> "CaptionIndex":
        """Open a stored index read-only."""
        path = Path(path)
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
        n = int(dict(conn.execute("SELECT key, value FROM synreal_meta").fetchall())["n_rows"])
        return cls(conn, path, n)

    def meta(self) -> dict[str, str]:
        """What the index records about itself (format, tokenizer, fingerprint, n_rows)."""
        return dict(self.conn.execute("SELECT key, value FROM synreal_meta").fetchall())

    def search(self, rule: QueryRule, *, class_name: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Captions matching ``rule``.

        Args:
            rule: the class's query rule.
            class_name: used in the message when the rule is not valid FTS5.

        Returns:
            (row ids int64, scores float64), best first (score = -BM25, higher is better).
        """
        expr = rule.expression()
        try:
            rows = self.conn.execute("SELECT rowid, bm25(captions) FROM captions WHERE captions MATCH ?", (expr,)).fetchall()
        except sqlite3.OperationalError as exc:
            # only a malformed user expression fails here; the table itself was checked on open
            raise UserInputError(
                f"query rule is not a valid FTS5 expression ({exc}): {expr}",
                key=f"rules.{class_name}" if class_name is not None else "rules",
                hint='use AND, OR, NOT, parentheses and "quoted phrases"',
            ) from None
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        arr = np.asarray(rows, dtype=np.float64)
        ids, scores = arr[:, 0].astype(np.int64), -arr[:, 1]
        order = np.lexsort((ids, -scores))  # best first; ties broken by pool index, for determinism
        return ids[order], scores[order]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> "CaptionIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_only_uri(path: Path) -> str:
    """A SQLite URI that opens ``path`` read-only (percent-encoded, so any file name works)."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def _fill(conn: sqlite3.Connection, captions: Iterable[str], fingerprint: str) -> None:
    """Create the FTS5 table and its metadata in ``conn`` and insert every caption."""
    # contentless: the captions live in the pool, the index needs only the tokens and doc sizes (for BM25)
    conn.execute(f"CREATE VIRTUAL TABLE captions USING fts5(caption, content='', tokenize='{TOKENIZER}')")
    conn.execute("CREATE TABLE synreal_meta (key TEXT PRIMARY KEY, value TEXT)")
    n = 0
    with conn:
        for n, _ in enumerate(_insert(conn, captions), start=1):
            pass
        conn.execute("INSERT INTO captions(captions) VALUES('optimize')")
        conn.executemany(
            "INSERT INTO synreal_meta VALUES (?, ?)",
            [("format", FORMAT_VERSION), ("tokenizer", TOKENIZER), ("fingerprint", fingerprint), ("n_rows", str(n))],
        )


def _insert(conn: sqlite3.Connection, captions: Iterable[str], batch: int = 50_000) -> Iterable[int]:
    """Insert captions in batches, yielding once per caption inserted."""
    buf: list[tuple[int, str]] = []
    for i, c in enumerate(captions):
        buf.append((i, c))
        if len(buf) == batch:
            conn.executemany("INSERT INTO captions(rowid, caption) VALUES (?, ?)", buf)
            yield from range(len(buf))
            buf = []
    if buf:
        conn.executemany("INSERT INTO captions(rowid, caption) VALUES (?, ?)", buf)
        yield from range(len(buf))


def index_path(index_dir: str | Path, captions_fingerprint: str) -> Path:
    """Where the index of captions with this fingerprint is stored."""
    return Path(index_dir) / f"{captions_fingerprint}.fts.sqlite"


def caption_index(captions: Sequence[str], fingerprint: str, index_dir: str | Path | None) -> tuple[CaptionIndex, dict[str, Any]]:
    """Open the stored index for these captions, or build (and store) it.

    Args:
        captions: the pool's captions.
        fingerprint: their content hash (``Pool.captions_fingerprint()``).
        index_dir: folder of stored indexes; None builds an in-memory index (not kept).

    Returns:
        (the open index, info: ``path``, ``reused`` (bool), ``build_seconds``, ``note``).

    Example:
        >>> idx, info = caption_index(pool.captions, pool.captions_fingerprint(), "cache")  # doctest: +SKIP
        >>> info["reused"]  # doctest: +SKIP
        True
    """
    if index_dir is None:
        t0 = time.perf_counter()
        idx = CaptionIndex.build(captions, None, fingerprint=fingerprint)
        return idx, {"path": None, "reused": False, "build_seconds": time.perf_counter() - t0, "note": "in-memory caption index (not stored)"}
    path = index_path(index_dir, fingerprint)
    if path.exists():
        problem = _stale(path, fingerprint, len(captions))
        if problem is None:
            note = f"reusing the caption index {path} (built earlier for the same captions)"
            log.info(note)
            return CaptionIndex.open(path), {"path": str(path), "reused": True, "build_seconds": 0.0, "note": note}
        log.warning("rebuilding the caption index %s: %s", path, problem)
    t0 = time.perf_counter()
    idx = CaptionIndex.build(captions, path, fingerprint=fingerprint)
    dt = time.perf_counter() - t0
    note = f"built the caption index {path} in {dt:.2f} s"
    log.info(note)
    return idx, {"path": str(path), "reused": False, "build_seconds": dt, "note": note}


def _stale(path: Path, fingerprint: str, n_rows: int) -> str | None:
    """Why the stored index cannot be reused, or None if it can."""
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            meta = dict(conn.execute("SELECT key, value FROM synreal_meta").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"unreadable ({exc})"
    want = {"format": FORMAT_VERSION, "tokenizer": TOKENIZER, "fingerprint": fingerprint, "n_rows": str(n_rows)}
    diff = [k for k, v in want.items() if meta.get(k) != v]
    return f"it records different {', '.join(diff)}" if diff else None
