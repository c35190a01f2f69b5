"""Atomic file writing: a reader never sees half a file, a crash never leaves one behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto ``path`` when the block succeeds.

    The caller writes the temporary file however it likes (``np.save``, a memory map,
    ``open``); on success it is flushed to disk and moved into place in one rename, on any
    exception it is deleted and ``path`` is left as it was.

    Args:
        path: the final file.

    Yields:
        The temporary path, in the same folder (so the rename is atomic).

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "x.txt"
        >>> with atomic_path(target) as tmp:
        ...     _ = tmp.write_text("done")
        >>> target.read_text()
        'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    # mkstemp makes the file private (0600); give it the permissions a plain open would
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's file-creation mask (read without changing it for longer than a call)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "b.bin"
        >>> atomic_write_bytes(p, b"ab"); p.read_bytes()
        b'ab'
    """
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)


def write_text(path: str | Path, text: str) -> None:
    r"""Write UTF-8 ``text`` to ``path`` atomically (no newline translation).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "t.txt"
        >>> write_text(p, "é\n"); p.read_text(encoding="utf-8")
        'é\n'
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
