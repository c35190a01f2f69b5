"""What a worker process needs to execute jobs: real data, sources, artifacts (cached per process)."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from synreal.data.base import ImageSet
from synreal.data.datasets import DATASETS
from synreal.data.splits import Split, make_split, nested_fractions
from synreal.study.jobs import loads_config


@lru_cache(maxsize=4)
def real_data(data_cfg_json: str) -> tuple[ImageSet, Split]:
    """The real dataset and its fixed split, loaded once per process."""
    cfg = loads_config(data_cfg_json)
    loader = DATASETS.get(cfg["dataset"])
    path = Path(cfg["path"]) if cfg.get("path") else None
    data = loader(path, image_size=cfg.get("image_size"), channels=cfg.get("channels"), key="real.path")
    split = make_split(data.labels, test_fraction=cfg["test_fraction"], pool_fraction=cfg["pool_fraction"], seed=cfg["split_seed"])
    return data, split


def real_train_subset(data_cfg_json: str, fraction: float, seed: int) -> ImageSet:
    """The nested real-fraction subset of the training split for ``seed``."""
    data, split = real_data(data_cfg_json)
    train = data.subset(split.train)
    idx = nested_fractions(train.labels, [fraction], seed)[fraction]
    return train.subset(idx)


def real_test(data_cfg_json: str) -> ImageSet:
    """The real test split."""
    data, split = real_data(data_cfg_json)
    return data.subset(split.test)


def real_pool(data_cfg_json: str) -> ImageSet:
    """The real images held apart as the upstream pool."""
    data, split = real_data(data_cfg_json)
    return data.subset(split.pool)


@lru_cache(maxsize=3)
def synthetic(source_json: str, n: int, seed: int, classes: tuple[str, ...]) -> ImageSet:
    """``n`` synthetic images of a source for ``seed`` (cached: pretrain and mix share them)."""
    from synreal.plugins import load_builtin_plugins
    from synreal.synth.base import SOURCES

    load_builtin_plugins()
    cfg = loads_config(source_json)
    cls = SOURCES.get(cfg["kind"])
    config = cls.Config.model_validate(cfg["knobs"])
    src = cls(config, Path(cfg["path"])) if getattr(cls, "needs_path", False) else cls(config)
    return src.generate(n, seed, list(classes))


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write via a temp file in the same folder and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def as_json_safe(d: dict[str, Any]) -> dict[str, Any]:
    """Numbers as plain floats/ints for JSON."""
    out = {}
    for k, v in d.items():
        if isinstance(v, (np.floating, np.integer)):
            v = v.item()
        out[k] = v
    return out
