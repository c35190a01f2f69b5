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


@pytest.fixture(params=["numpy", "numba"])
def jit(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Run a test once on the numpy path and once on the compiled loops (skipped without numba)."""
    from synreal.tracking import kernels

    if request.param == "numba" and not kernels.available():
        pytest.skip("numba is not installed")
    kernels.use_jit(request.param == "numba")
    yield request.param
    kernels.use_jit(None)
