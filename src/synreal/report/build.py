"""Rebuild a study's report from its stored results (``synreal report DIR``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synreal.errors import UserInputError
from synreal.fileio import output_dir
from synreal.report.html import ReportPaths, build_report
from synreal.study.samples import SAMPLES_FILE
from synreal.study.store import RunStore


def report_from_store(out_dir: Path, report_dir: Path | None = None) -> ReportPaths:
    """Build report.html, summary.json, results.csv and figures from ``out_dir/results.sqlite``.

    The store is opened read-only, so a study on a read-only disk can be reported elsewhere.

    Args:
        out_dir: a study output directory.
        report_dir: where the report goes (default: ``out_dir``).

    Returns:
        The report builder's paths object.

    Example:
        >>> report_from_store(Path("runs/demo"))  # doctest: +SKIP
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise UserInputError("no such folder; expected a study output directory", file=out_dir)
    store = RunStore(out_dir, create=False)
    try:
        results = store.tidy()
        meta = store.meta()
    finally:
        store.close()
    samples: dict[str, np.ndarray] = {}
    if (out_dir / SAMPLES_FILE).is_file():
        with np.load(out_dir / SAMPLES_FILE) as z:
            samples = {k: z[k] for k in z.files}
    if report_dir is None:
        try:
            target = output_dir(out_dir, key="DIR")
        except UserInputError as exc:
            raise UserInputError(exc.problem, file=out_dir, hint="pass --to FOLDER to write the report elsewhere") from None
    else:
        target = output_dir(report_dir, key="--to")
    return build_report(results, meta, target, samples=samples)
