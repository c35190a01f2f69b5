"""Rebuild a study's report from its stored results (``synreal report DIR``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synreal.report.html import ReportPaths, build_report
from synreal.study.samples import SAMPLES_FILE
from synreal.study.store import RunStore


def report_from_store(out_dir: Path) -> ReportPaths:
    """Build report.html, summary.json, results.csv and figures from ``out_dir/results.sqlite``.

    Args:
        out_dir: a study output directory.

    Returns:
        The report builder's paths object.

    Example:
        >>> report_from_store(Path("runs/demo"))  # doctest: +SKIP
    """
    out_dir = Path(out_dir)
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
    return build_report(results, meta, out_dir, samples=samples)
