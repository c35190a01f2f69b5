"""What making every commit durable in ``results.sqlite`` itself costs.

Times ``RunStore.put`` (one transaction per finished job, as a study does) under four
settings: the rollback journal the store uses (``journal_mode=DELETE``, ``synchronous=FULL``),
``TRUNCATE`` with FULL, a write-ahead log with a checkpoint after each commit, and the
write-ahead log alone (what earlier versions did: fast, but finished jobs lived in the
``-wal`` file until the process ended). A study job takes seconds, so a few milliseconds per
commit are noise.

    .venv/bin/python benchmarks/bench_store.py [--jobs N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from synreal.study.store import SCHEMA

SETTINGS = {
    "DELETE + FULL (used)": ("DELETE", "FULL", False),
    "TRUNCATE + FULL": ("TRUNCATE", "FULL", False),
    "WAL + FULL + checkpoint per commit": ("WAL", "FULL", True),
    "WAL + FULL, no checkpoint (before)": ("WAL", "FULL", False),
}


def time_commits(folder: Path, journal: str, sync: str, checkpoint: bool, jobs: int) -> list[float]:
    """Seconds of each of ``jobs`` one-row transactions."""
    path = folder / f"{journal}-{sync}-{checkpoint}.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA journal_mode={journal}")
    con.execute(f"PRAGMA synchronous={sync}")
    con.executescript(SCHEMA)
    metrics = json.dumps({"accuracy": 0.9, "loss": 0.3, "train_seconds": 1.2, "run_seconds": 1.5})
    out = []
    for i in range(jobs):
        t = time.perf_counter()
        with con:
            con.execute("INSERT OR REPLACE INTO jobs VALUES (?,?,?,?,?,?,?,?,?)",
                        (f"{i:016x}", "run", "{" + "x" * 600 + "}", i % 10, "0.1.0", "fp", metrics, time.time(), "h"))
        if checkpoint:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out.append(time.perf_counter() - t)
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobs", type=int, default=300)
    ap.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure (default: a temp dir)")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="synreal-store-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{args.jobs} one-row commits in {folder}")
    for name, (journal, sync, ckpt) in SETTINGS.items():
        t = time_commits(folder, journal, sync, ckpt, args.jobs)
        print(f"  {name:38s} median {1000 * statistics.median(t):6.2f} ms, p95 "
              f"{1000 * sorted(t)[int(0.95 * len(t))]:6.2f} ms per finished job")


if __name__ == "__main__":
    main()
