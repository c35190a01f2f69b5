"""Artifacts: the checkpoints that artifact jobs write and runs read, verified and shared.

An artifact job (a pre-training checkpoint, the pool-trained generator) records its file's
name, size and SHA-256 in its row of the run store (``ArtifactRecord``). Before a study
uses an artifact it checks the file against that record; a missing, truncated or altered
file is recomputed (or restored from the cache) with a message saying so, never loaded.

The shared cache (``ArtifactCache``) keeps finished artifacts across studies, keyed by the
job's content hash (its key: config, package version and data fingerprint), under
``<cache root>/artifacts`` where the cache root is the one of the decoded-image cache
(``synreal.data.cache.cache_dir``: ``$SYNREAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/synreal``,
else ``~/.cache/synreal``). Another study that needs the same checkpoint copies it from
there, verified by SHA-256, instead of training it again. Entries are published by one
directory rename, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from synreal.data.cache import cache_dir
from synreal.fileio import atomic_write_bytes, write_text

ARTIFACTS_SUBDIR = "artifacts"
ENTRY_FILE = "entry.json"
SAMPLES_DIR = "samples"


def sha256_bytes(payload: bytes) -> str:
    """Hex SHA-256 of ``payload``.

    Example:
        >>> sha256_bytes(b"")[:12]
        'e3b0c44298fc'
    """
    return hashlib.sha256(payload).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ArtifactRecord:
    """What an artifact job wrote: the file's name (in the artifacts folder), size and SHA-256.

    Example:
        >>> r = ArtifactRecord.of_bytes("pretrain-ab.pt", b"weights")
        >>> r.size, ArtifactRecord.from_metrics(r.as_metrics()) == r
        (7, True)
    """

    name: str
    size: int
    sha256: str

    @classmethod
    def of_bytes(cls, name: str, payload: bytes) -> "ArtifactRecord":
        """The record of ``payload`` stored as ``name``."""
        return cls(name, len(payload), sha256_bytes(payload))

    @classmethod
    def of_file(cls, path: str | Path) -> "ArtifactRecord":
        """The record of an existing file."""
        p = Path(path)
        return cls(p.name, p.stat().st_size, sha256_file(p))

    @classmethod
    def from_metrics(cls, metrics: dict[str, Any] | None) -> "ArtifactRecord | None":
        """The record stored in an artifact job's row, or None (a run, or a row from before checksums)."""
        if not metrics or "artifact_sha256" not in metrics:
            return None
        return cls(str(metrics["artifact"]), int(metrics["artifact_size"]), str(metrics["artifact_sha256"]))

    def as_metrics(self) -> dict[str, Any]:
        """The fields an artifact job adds to its row."""
        return {"artifact": self.name, "artifact_size": self.size, "artifact_sha256": self.sha256}

    def problem(self, folder: str | Path) -> str | None:
        """Why the file in ``folder`` is not this artifact (None when it is).

        Example:
            >>> import tempfile
            >>> d = Path(tempfile.mkdtemp())
            >>> r = ArtifactRecord.of_bytes("a.pt", b"abc")
            >>> r.problem(d)
            'missing'
            >>> _ = (d / "a.pt").write_bytes(b"ab"); r.problem(d)
            'truncated or altered: 2 bytes, expected 3'
        """
        p = Path(folder) / self.name
        if not p.is_file():
            return "missing"
        size = p.stat().st_size
        if size != self.size:
            return f"truncated or altered: {size} bytes, expected {self.size}"
        if sha256_file(p) != self.sha256:
            return "altered: its SHA-256 differs from the one recorded when it was written"
        return None


def samples_name(key: str) -> str:
    """The sample-image file a job writes beside the artifacts (``samples/<key>.npz``)."""
    return f"{SAMPLES_DIR}/{key}.npz"


@dataclass(frozen=True)
class CacheEntry:
    """One artifact in the shared cache.

    Attributes:
        key: the artifact job's key (its content hash).
        kind: ``pretrain`` or ``generator``.
        artifact: the checkpoint's record.
        samples: the record of its sample images (None when the job stored none).
        metrics: the row the job stored (timings, counts), reused as it is.
        created: when it was published (seconds since the epoch).
        study: the study that trained it.
        version: the synreal version that trained it.
    """

    key: str
    kind: str
    artifact: ArtifactRecord
    samples: ArtifactRecord | None
    metrics: dict[str, Any]
    created: float
    study: str
    version: str

    def to_json(self) -> str:
        """The entry's ``entry.json``."""
        return json.dumps(asdict(self), sort_keys=True, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "CacheEntry":
        """Parse an ``entry.json`` (raises ``ValueError``/``KeyError``/``TypeError`` when it is not one)."""
        d = json.loads(text)
        samples = ArtifactRecord(**d["samples"]) if d.get("samples") else None
        return cls(d["key"], d["kind"], ArtifactRecord(**d["artifact"]), samples, dict(d["metrics"]),
                   float(d["created"]), str(d["study"]), str(d["version"]))

    @property
    def size(self) -> int:
        """Bytes on disk (checkpoint and samples)."""
        return self.artifact.size + (self.samples.size if self.samples is not None else 0)


def artifact_cache_dir(override: str | Path | None = None) -> Path:
    """The shared artifact cache: ``<cache root>/artifacts`` (``override`` replaces the root).

    Example:
        >>> artifact_cache_dir("/tmp/c")
        PosixPath('/tmp/c/artifacts')
    """
    return cache_dir(override) / ARTIFACTS_SUBDIR


class ArtifactCache:
    """Finished artifacts shared between studies, keyed by content hash and verified by SHA-256.

    Args:
        root: the cache root (default: ``synreal.data.cache.cache_dir()``); entries live in
            ``root/artifacts/<key>/``.

    Example:
        >>> import tempfile
        >>> cache = ArtifactCache(tempfile.mkdtemp())
        >>> cache.entries(), cache.get("0123456789abcdef")
        ([], None)
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.dir = artifact_cache_dir(root)

    def _entry_dir(self, key: str) -> Path:
        return self.dir / key

    def get(self, key: str) -> CacheEntry | None:
        """The entry of ``key``, or None (absent, or an unreadable ``entry.json``)."""
        f = self._entry_dir(key) / ENTRY_FILE
        if not f.is_file():
            return None
        try:
            return CacheEntry.from_json(f.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None

    def restore(self, key: str, artifacts: Path) -> tuple[CacheEntry | None, str | None]:
        """Copy the cached artifact ``key`` (and its samples) into ``artifacts``, verified.

        Returns:
            (the entry, None) when restored; (None, why) when the cache holds no usable
            copy (why is None when it holds none at all, else what was wrong: a damaged
            entry is removed so that the next study publishes a good one).
        """
        entry = self.get(key)
        if entry is None:
            return None, ("its cache entry is unreadable" if self._entry_dir(key).exists() else None)
        src = self._entry_dir(key)
        copies: list[tuple[ArtifactRecord, str]] = [(entry.artifact, entry.artifact.name)]
        if entry.samples is not None:
            copies.append((entry.samples, samples_name(key)))
        payloads = []
        for record, target in copies:
            try:
                payload = (src / record.name).read_bytes()
            except OSError:
                payload = b""
            if len(payload) != record.size or sha256_bytes(payload) != record.sha256:
                self.remove(key)
                return None, f"the cached copy of {record.name} is damaged (SHA-256 differs); removed it"
            payloads.append((target, payload))
        for target, payload in payloads:
            atomic_write_bytes(Path(artifacts) / target, payload)
        return entry, None

    def publish(self, key: str, kind: str, artifacts: Path, metrics: dict[str, Any], study: str,
                version: str) -> CacheEntry | None:
        """Copy a finished artifact from ``artifacts`` into the cache (no-op when already there).

        Returns:
            The new entry, or None when it was cached already or the file does not match
            ``metrics``' record (nothing damaged is ever published).
        """
        record = ArtifactRecord.from_metrics(metrics)
        if record is None or record.problem(artifacts) is not None or self.get(key) is not None:
            return None
        samples_file = Path(artifacts) / samples_name(key)
        samples = ArtifactRecord.of_file(samples_file) if samples_file.is_file() else None
        entry = CacheEntry(key, kind, record, samples, dict(metrics), time.time(), study, version)
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.dir, prefix=f".{key}.", suffix=".tmp"))
        try:
            shutil.copyfile(Path(artifacts) / record.name, tmp / record.name)
            if samples is not None:
                shutil.copyfile(samples_file, tmp / samples.name)
            write_text(tmp / ENTRY_FILE, entry.to_json())
            os.rename(tmp, self._entry_dir(key))  # one rename: readers see all of it or nothing
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if self.get(key) is not None:
                return None  # another study published the same content first
            raise
        return entry

    def remove(self, key: str) -> None:
        """Delete one entry."""
        shutil.rmtree(self._entry_dir(key), ignore_errors=True)

    def entries(self) -> list[CacheEntry]:
        """Every readable entry, oldest first."""
        if not self.dir.is_dir():
            return []
        found = [self.get(p.name) for p in self.dir.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return sorted((e for e in found if e is not None), key=lambda e: e.created)

    def clear(self) -> tuple[int, int]:
        """Delete every entry (and leftovers of interrupted publications).

        Returns:
            (entries removed, bytes freed).
        """
        entries = self.entries()
        freed = sum(e.size for e in entries)
        if self.dir.is_dir():
            for p in self.dir.iterdir():
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
        return len(entries), freed
