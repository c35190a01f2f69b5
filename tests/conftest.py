"""Shared fixtures: the path to the shared real data and tiny study specs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip when this checkout has none."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def noisy_digits_npz(tmp_path: Path) -> Path:
    """A user-style synthetic .npz: real digits with heavy pixel noise, 0..16 scale."""
    from sklearn.datasets import load_digits

    d = load_digits()
    rng = np.random.default_rng(0)
    img = np.clip(d.images + rng.normal(0, 4, d.images.shape), 0, 16)
    path = tmp_path / "noisy.npz"
    np.savez(path, images=img, labels=d.target, max_value=16)
    return path


def tiny_spec(npz: Path, **over: object) -> dict:
    """A study small enough to train in seconds."""
    spec = {
        "name": "tiny",
        "seeds": [0, 1],
        "real_fractions": [0.2, 1.0],
        "sources": [{"name": "noisy", "kind": "npz", "path": str(npz)}],
        "conditions": ["real", "real+aug", {"condition": "pretrain", "n_synthetic": [300]},
                       {"condition": "synthetic-only", "n_synthetic": [300]}],
        "training": {
            "train": {"epochs": 1, "min_steps": 8, "batch_size": 32},
            "mix": {"epochs": 1, "min_steps": 8, "batch_size": 32},
            "pretrain": {"epochs": 1, "min_steps": 8, "batch_size": 32},
            "finetune": {"epochs": 1, "min_steps": 8, "batch_size": 32},
        },
        "learner": {"params": {"width": 4}},
        "executor": {"kind": "inline"},
    }
    spec.update(over)
    return spec


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path_factory, monkeypatch):
    """Each test gets its own cache root: artifacts shared by other tests must not change what a test runs."""
    monkeypatch.setenv("SYNREAL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def ray_local(tmp_path_factory):
    """One local Ray instance (2 CPUs) for the whole session; its workers keep artifacts in their own folder."""
    ray = pytest.importorskip("ray")
    import os

    # set before the instance starts, so that its worker processes inherit it: the workers' artifacts
    # folder is not the study's, as on a cluster without a shared file system
    os.environ["SYNREAL_RAY_ARTIFACTS"] = str(tmp_path_factory.mktemp("ray-node"))
    if not ray.is_initialized():
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
