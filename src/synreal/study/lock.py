"""One study run per output directory at a time: an exclusive lock on ``OUT/.synreal.lock``.

The lock is a POSIX record lock (``fcntl.lockf``) on a small file that also says who holds
it (process id, host, start time, command). The kernel releases such a lock when its
process ends, however it ends, so a crash or ``kill -9`` leaves no stale lock: the next run
takes it over and says so. Record locks belong to a process and are not inherited by the
worker processes it forks, so a worker that outlives its parent does not keep the lock.
Two runs in one process are refused as well (record locks do not exclude them).
"""

from __future__ import annotations

import errno
import json
import os
import platform
import sys
import time
from pathlib import Path
from types import TracebackType

from synreal.errors import UserInputError

LOCK_NAME = ".synreal.lock"
_HELD: set[str] = set()  # lock files this process holds


class StudyLocked(UserInputError):
    """Another run holds the output directory."""


def _alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StudyLock:
    """An exclusive lock on a study's output directory.

    Args:
        out_dir: the study's output directory (must exist).

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> with StudyLock(d) as lock:
        ...     StudyLock(d).acquire()
        Traceback (most recent call last):
        ...
        synreal.study.lock.StudyLocked: ...: this output directory is in use by another run of this process ...
    """

    def __init__(self, out_dir: str | Path) -> None:
        self.path = Path(out_dir) / LOCK_NAME
        self._fd: int | None = None
        self.recovered: str | None = None  # what a stale lock file said, when one was taken over

    def _holder(self, fd: int) -> dict:
        """What the lock file says about its holder, read through ``fd``.

        Never through a second open of the file: closing any descriptor of a file releases
        every record lock this process holds on it.
        """
        try:
            return json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def acquire(self, wait: float = 0.0) -> "StudyLock":
        """Take the lock, waiting up to ``wait`` seconds for another run to finish.

        Raises:
            StudyLocked: another run holds it (the message names its process and host).
        """
        key = str(self.path.resolve())
        if key in _HELD:
            raise StudyLocked("this output directory is in use by another run of this process",
                              file=self.path.parent, hint="wait for it to finish")
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as before
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EAGAIN):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    h = self._holder(fd)
                    os.close(fd)
                    who = (f"process {h.get('pid', '?')} on {h.get('host', '?')}, running since "
                           f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(h['started']))}"
                           if "started" in h else "another process")
                    raise StudyLocked(f"another run is using this output directory ({who}: {h.get('command', '')})",
                                      file=self.path.parent,
                                      hint="wait for it to finish, pass --wait SECONDS, or choose another --out") from None
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        old = self._holder(fd)
        if old.get("pid") and old.get("host") == platform.node() and old["pid"] != os.getpid() and not _alive(old["pid"]):
            self.recovered = f"process {old['pid']} (no longer running)"
        info = {"pid": os.getpid(), "host": platform.node(), "started": time.time(),
                "command": " ".join(sys.argv[:4])}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        _HELD.add(key)
        return self

    def release(self) -> None:
        """Give the lock back (the file stays; an unlocked file is not a lock)."""
        if self._fd is None:
            return
        _HELD.discard(str(self.path.resolve()))
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            pass  # a read-only remount after the run started: the lock itself still goes away below
        os.close(self._fd)  # closing releases the record lock
        self._fd = None

    def __enter__(self) -> "StudyLock":
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
