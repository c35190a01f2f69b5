"""Jobs: the unit of work the executor runs, keyed by the hash of its resolved config.

A job's key is the SHA-256 of its config (canonical JSON), the package version and the data
fingerprint, so a stored result is reused only when all three match (science.md: "a run is
identified by the content hash of its full configuration").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from synreal import __version__


def canonical(obj: Any) -> str:
    """Canonical JSON (sorted keys, no spaces) of a config."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def job_key(config: dict[str, Any], data_fingerprint: str, version: str = __version__) -> str:
    """16 hex digits identifying a job's result."""
    h = hashlib.sha256()
    h.update(canonical(config).encode())
    h.update(b"\x1e" + version.encode() + b"\x1e" + data_fingerprint.encode())
    return h.hexdigest()[:16]


@dataclass
class Job:
    """A unit of work.

    Attributes:
        kind: "run" (train and evaluate; gives tidy rows) or an artifact kind such as
            "pretrain" (a checkpoint that runs depend on).
        config: everything that determines the result (hashed into ``key``).
        key: content hash of config, version and data fingerprint.
        deps: keys of jobs that must finish first.
        labels: the factor columns of the tidy table (condition, source, n_synthetic,
            real_fraction, n_real, seed), not hashed, so renaming a source reuses its runs.
    """

    kind: str
    config: dict[str, Any]
    key: str
    deps: list[str] = field(default_factory=list)
    labels: dict[str, Any] = field(default_factory=dict)


def loads_config(text: str) -> Any:
    """Inverse of ``canonical``: configs cross process boundaries as canonical JSON."""
    return json.loads(text)
