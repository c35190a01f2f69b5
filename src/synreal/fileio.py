"""Atomic file writing (a reader never sees half a file, a crash never leaves one behind) and
output folders checked before any work starts."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synreal.errors import UserInputError


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


# errors of the environment, not of the program: a read-only or full disk, missing permissions
ENVIRONMENT_ERRNOS = {errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                      errno.EPERM: "permission denied", errno.ENOSPC: "no space left on the device",
                      errno.EDQUOT: "disk quota exceeded", errno.ENOTDIR: "a part of the path is a file, not a folder"}


def environment_error(exc: OSError, *, key: str | None = None, action: str | None = None) -> UserInputError | None:
    """A ``UserInputError`` naming the file for an OSError that the user's environment caused, else None.

    Args:
        exc: the error.
        key: the option or key that named the file.
        action: what failed, put before the reason ("cannot write").

    Example:
        >>> environment_error(OSError(errno.EROFS, "Read-only file system", "/out/x"), action="cannot write").message
        '/out/x: cannot write: the file system is read-only'
        >>> environment_error(OSError(errno.EBADF, "Bad file descriptor")) is None
        True
    """
    why = ENVIRONMENT_ERRNOS.get(exc.errno or -1)
    if why is None:
        return None
    return UserInputError(f"{action}: {why}" if action else why, file=exc.filename, key=key)


def output_dir(path: str | Path, *, key: str = "--out") -> Path:
    """Create the output folder ``path`` (and its parents) and check that files can be written in it.

    Raises:
        UserInputError: ``path`` is a file, or cannot be created or written (read-only file
            system, permissions), naming the folder and the option that gave it.

    Example:
        >>> import tempfile
        >>> d = output_dir(Path(tempfile.mkdtemp()) / "a" / "b"); d.is_dir()
        True
        >>> output_dir(__file__)
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: ...fileio.py: --out: exists and is a file; expected a folder
    """
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise UserInputError("exists and is a file; expected a folder", file=p, key=key)
    try:
        p.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=p, prefix=".synreal-write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        err = environment_error(exc, key=key, action="cannot write")
        if err is None:
            raise
        raise UserInputError(err.problem, file=p, key=key) from None
    return p
