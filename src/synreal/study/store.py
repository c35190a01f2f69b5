"""The run store: one SQLite database per output directory.

Every finished job is one row, committed in its own transaction the moment it finishes, so
Ctrl-C or kill -9 loses no finished run and an unfinished one is never read as finished.
The database uses a rollback journal (``journal_mode=DELETE``, ``synchronous=FULL``), not a
write-ahead log: each commit lands in ``results.sqlite`` itself before ``put`` returns, so
that file alone is always complete (a copy taken mid-run, a lost side file), it works on
network file systems, and a read-only study can be read. An artifact job's row also records
its file's size and SHA-256 (``synreal.study.artifacts.ArtifactRecord``).
The study's plan (which jobs the current spec asks for, with their factor labels) is stored
too, so ``synreal report DIR`` rebuilds the report without the spec or the data.
"""

from __future__ import annotations

import json
import platform
import sqlite3
import time
from pathlib import Path
from typing import Any

import pandas as pd

from synreal.analysis.meta import StudyMeta
from synreal.errors import UserInputError
from synreal.study.artifacts import ArtifactRecord
from synreal.study.jobs import Job, canonical

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    seed INTEGER,
    version TEXT NOT NULL,
    data_fingerprint TEXT NOT NULL,
    metrics TEXT NOT NULL,
    finished_at REAL NOT NULL,
    host TEXT
);
CREATE TABLE IF NOT EXISTS plan (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    labels TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
DB_NAME = "results.sqlite"
META_KEY = "study"  # the one row of the meta table: the StudyMeta as JSON


class RunStore:
    """Results of finished jobs, keyed by job key.

    Args:
        out_dir: the study's output directory (created if missing).

    Example:
        >>> store = RunStore(Path("runs/demo"))  # doctest: +SKIP
        >>> store.done_keys()  # doctest: +SKIP
    """

    def __init__(self, out_dir: Path, *, create: bool = True) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / DB_NAME
        if not create:
            self._con = self._open_read_only()
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            # a store written by an older version may still be in WAL mode: this folds the log back in
            self._con.execute("PRAGMA journal_mode=DELETE")
            self._con.execute("PRAGMA synchronous=FULL")
            self._con.executescript(SCHEMA)
        except sqlite3.OperationalError as exc:
            self._con.close()
            if "locked" not in str(exc):
                raise
            raise UserInputError("another process holds this database open (database is locked)", file=self.path,
                                 hint="wait for it to finish") from None
        except sqlite3.DatabaseError as exc:
            self._con.close()
            raise UserInputError(f"not a synreal results database ({exc}); move it away or choose another --out",
                                 file=self.path) from None

    def _open_read_only(self) -> sqlite3.Connection:
        """Open an existing store for reading only (works on read-only folders and file systems)."""
        if not self.path.is_file():
            raise UserInputError(f"no study results here (expected {DB_NAME}); run 'synreal run SPEC --out {self.out_dir}' "
                                 "first", file=self.out_dir)
        uri = self.path.resolve().as_uri()
        last: Exception | None = None
        # immutable=1 as a fallback: a WAL-mode store in a read-only folder cannot create its -shm file
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                con = sqlite3.connect(uri + query, uri=True, timeout=30, isolation_level=None)
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            except sqlite3.DatabaseError as exc:
                last = exc
                continue
            if not {"jobs", "plan", "meta"} <= tables:
                con.close()
                raise UserInputError("holds no synreal study results (no jobs, plan and meta tables)", file=self.path)
            return con
        raise UserInputError(f"not a synreal results database ({last})", file=self.path)

    def close(self) -> None:
        """Close the database."""
        self._con.close()

    def done_keys(self) -> set[str]:
        """Keys of every finished job."""
        return {r[0] for r in self._con.execute("SELECT key FROM jobs")}

    def put(self, job: Job, data_fingerprint: str, version: str, metrics: dict[str, Any]) -> None:
        """Record a finished job with its config (canonical JSON) and metrics, in one transaction."""
        with self._con:
            self._con.execute(
                "INSERT OR REPLACE INTO jobs VALUES (?,?,?,?,?,?,?,?,?)",
                (job.key, job.kind, canonical(job.config), job.seed, version, data_fingerprint,
                 json.dumps(metrics, sort_keys=True), time.time(), platform.node()),
            )

    def get(self, key: str) -> dict[str, Any] | None:
        """Metrics of a finished job, or None."""
        row = self._con.execute("SELECT metrics FROM jobs WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def artifact(self, key: str) -> ArtifactRecord | None:
        """The file record of a finished artifact job (None: not finished, or stored without a checksum)."""
        return ArtifactRecord.from_metrics(self.get(key))

    def set_plan(self, jobs: list[Job], meta: StudyMeta) -> None:
        """Replace the stored plan and study metadata (one transaction)."""
        with self._con:
            self._con.execute("DELETE FROM plan")
            self._con.executemany(
                "INSERT OR REPLACE INTO plan VALUES (?,?,?,?)",
                [(j.key, j.kind, j.labels.model_dump_json(exclude_none=True) if j.labels is not None else "{}", i)
                 for i, j in enumerate(jobs)],
            )
            self._con.execute("DELETE FROM meta")
            self._con.execute("INSERT INTO meta VALUES (?,?)", (META_KEY, meta.model_dump_json()))

    def meta(self) -> StudyMeta:
        """Stored study metadata."""
        row = self._con.execute("SELECT value FROM meta WHERE name=?", (META_KEY,)).fetchone()
        if row is None:
            raise UserInputError(f"{self.path} holds no study metadata: the study was never planned here",
                                 file=self.path)
        return StudyMeta.model_validate_json(row[0])

    def job_rows(self) -> pd.DataFrame:
        """Every stored job (key, kind, config, version, data_fingerprint, metrics, finished_at)."""
        return pd.read_sql_query("SELECT * FROM jobs", self._con)

    def tidy(self) -> pd.DataFrame:
        """The tidy results table of the current plan: one row per run and metric.

        Columns: run_id, condition, source, n_synthetic, real_fraction, n_real, seed,
        metric, value (+ factor columns a condition adds, such as gamma). Planned runs that
        have not finished are absent.
        """
        rows = []
        q = "SELECT p.key, p.labels, j.metrics FROM plan p JOIN jobs j ON p.key = j.key WHERE p.kind='run' ORDER BY p.position"
        for key, labels, metrics in self._con.execute(q):
            lab = json.loads(labels)
            for name, value in json.loads(metrics).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    rows.append({"run_id": key, **lab, "metric": name, "value": float(value)})
        cols = ["run_id", "condition", "source", "n_synthetic", "real_fraction", "n_real", "seed", "metric", "value"]
        df = pd.DataFrame(rows)
        if df.empty:
            return pd.DataFrame(columns=cols)
        extra = [c for c in df.columns if c not in cols]
        return df[cols[:-2] + extra + cols[-2:]]

    def plan_counts(self) -> tuple[int, int]:
        """(planned runs, finished planned runs)."""
        total = self._con.execute("SELECT COUNT(*) FROM plan WHERE kind='run'").fetchone()[0]
        done = self._con.execute("SELECT COUNT(*) FROM plan p JOIN jobs j ON p.key=j.key WHERE p.kind='run'").fetchone()[0]
        return total, done
