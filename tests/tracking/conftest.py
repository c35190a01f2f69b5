"""Fixtures of the tracking tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture
def mot17() -> tuple[Path, Path]:
    """(MOT17 train ground truth, the tracker folder beside it), or skip when absent."""
    gt, tr = SHARED / "mot17-train", SHARED / "mot17-train-trackers"
    if not (gt.is_dir() and tr.is_dir()):
        pytest.skip("../shared/data/mot17-train is not present")
    return gt, tr
