"""The files under examples/retrieval stay valid: the spec snippet validates and runs, the pool script loads."""

from __future__ import annotations

import runpy
from pathlib import Path

import yaml

from synreal.retrieval import load_pool, retrieve, validate_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "retrieval"


def test_spec_snippet_validates_and_runs(default_pool, digit_splits):
    data = yaml.safe_load((EXAMPLES / "retrieval.yaml").read_text())
    train = digit_splits["train"]
    for i, entry in enumerate(data["retrieval"]["methods"]):
        cfg = validate_config(entry, key=f"retrieval.methods[{i}]")
        r = retrieve(default_pool, default_pool.classes, cfg, exemplars=train, test_set=digit_splits["test"])
        assert not r.empty_classes, cfg.method


def test_example_pool_script(tmp_path):
    ns = runpy.run_path(str(EXAMPLES / "make_example_pool.py"))
    ns["main"](str(tmp_path / "pool"))
    pool = load_pool(tmp_path / "pool")
    assert len(pool) == 400 and pool.meta["embedding"] == "pixels-8"
    assert sum(n is None for n in pool.label_names()) == 100
