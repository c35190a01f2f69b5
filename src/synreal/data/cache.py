"""A disk cache of decoded images: decode once, then memory-map.

A folder of 100,000 PNGs takes seconds to decode and, as float32 in memory, more than a
worker should hold. Large sets are therefore decoded once into an ``.npy`` file in the
cache directory and memory-mapped from then on, by every process (the pages are shared
through the operating system's file cache). The file is named by a key that covers the
files (their names, sizes and modification times), the target shape, the conversion
policy and the decoder version, so a changed file, size or policy decodes again; it is
written under a temporary name and renamed when complete, so a crash or two processes
decoding at once never leave a half-written cache.

The cache directory is ``$SYNREAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/synreal``, else
``~/.cache/synreal``; loaders also take ``cache_dir``. Delete it at any time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from synreal.fileio import atomic_path

CACHE_MIN_BYTES = 256 << 20
"""Sets whose decoded float32 images exceed this are cached on disk unless told otherwise."""

# bump when decoding or conversion changes what a cached file holds
DECODER_VERSION = "1"


def cache_dir(override: str | Path | None = None) -> Path:
    """The cache directory: ``override``, ``$SYNREAL_CACHE_DIR``, ``$XDG_CACHE_HOME/synreal`` or ``~/.cache/synreal``.

    Example:
        >>> cache_dir("/tmp/c")
        PosixPath('/tmp/c')
    """
    if override is not None:
        return Path(override).expanduser()
    if os.environ.get("SYNREAL_CACHE_DIR"):
        return Path(os.environ["SYNREAL_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "synreal"


def files_key(paths: Sequence[Path], root: Path | None = None) -> str:
    """A cheap fingerprint of files: names (relative to ``root``), sizes, modification times.

    Example:
        >>> files_key([]) == files_key([])
        True
    """
    h = hashlib.sha256()
    for p in paths:
        st = os.stat(p)
        name = str(Path(p).relative_to(root)) if root is not None else str(Path(p).resolve())
        h.update(f"{name}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1e".encode())
    return h.hexdigest()


def cache_key(*parts: object) -> str:
    """A file-name-safe key (24 hex digits) over ``parts`` and the decoder version."""
    h = hashlib.sha256(DECODER_VERSION.encode())
    for p in parts:
        h.update(repr(p).encode() + b"\x1e")
    return h.hexdigest()[:24]


def use_cache(cache: bool | None, n: int, shape: Sequence[int]) -> bool:
    """Whether to cache: as told, else when float32 images would exceed ``CACHE_MIN_BYTES``."""
    if cache is not None:
        return cache
    return n * int(np.prod(shape)) * 4 > CACHE_MIN_BYTES


def open_cached(key: str, *, directory: str | Path | None = None) -> np.ndarray | None:
    """The cached array called ``key``, memory-mapped read-only, or None when there is none.

    Example:
        >>> import tempfile
        >>> open_cached("nothing-here", directory=tempfile.mkdtemp()) is None
        True
    """
    path = cache_dir(directory) / f"{key}.npy"
    if not path.is_file():
        return None
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None  # a foreign or damaged file under our name: the caller rebuilds it


def cached_array(
    key: str,
    shape: tuple[int, ...],
    dtype: np.dtype | type,
    fill: Callable[[np.ndarray], object],
    *,
    directory: str | Path | None = None,
) -> np.ndarray:
    """A read-only memory-mapped array from the cache, made by ``fill`` on first use.

    Args:
        key: the cache key (``cache_key``); the file is ``<directory>/<key>.npy``.
        shape, dtype: of the array; a cached file of another shape or dtype is rebuilt.
        fill: writes the array's values into the (writable, memory-mapped) array it is given.
        directory: the cache directory (default ``cache_dir()``).

    Returns:
        ``np.memmap`` opened read-only.

    Example:
        >>> import tempfile
        >>> a = cached_array("k", (2, 3), np.uint8, lambda out: out.fill(7), directory=tempfile.mkdtemp())
        >>> a.tolist()
        [[7, 7, 7], [7, 7, 7]]
    """
    arr = open_cached(key, directory=directory)
    if arr is not None and arr.shape == tuple(shape) and arr.dtype == np.dtype(dtype):
        return arr
    folder = cache_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / f"{key}.npy") as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.dtype(dtype), shape=tuple(shape))
        fill(out)
        out.flush()
        del out
    return np.load(folder / f"{key}.npy", mmap_mode="r", allow_pickle=False)


def progress_callback(total: int, description: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """(update(done), close()) of a rich progress bar on stderr, for long decodes."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(description, total=total)
    bar.start()
    return (lambda done: bar.update(task, completed=done)), bar.stop
