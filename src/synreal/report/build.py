"""Rebuild a study's report from its stored results (``synreal report DIR``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synreal.study.store import RunStore

SAMPLES_FILE = "samples.npz"


def report_from_store(out_dir: Path) -> Any:
    """Build report.html, summary.json, results.csv and figures from ``out_dir/results.sqlite``.

    Args:
        out_dir: a study output directory.

    Returns:
        The report builder's paths object.

    Example:
        >>> report_from_store(Path("runs/demo"))  # doctest: +SKIP
    """
    from synreal.report.html import build_report

    out_dir = Path(out_dir)
    store = RunStore(out_dir, create=False)
    try:
        results = store.tidy()
        meta = store.meta()
    finally:
        store.close()
    samples = out_dir / SAMPLES_FILE
    if samples.is_file():
        with np.load(samples) as z:
            meta["samples"] = {k: z[k] for k in z.files}
    return build_report(results, meta, out_dir, level=meta.get("level", 0.95))
