"""Write a small example pool folder (captions.jsonl + PNGs + embeddings.npy) to look at.

The pool is the embedded default built from 300 real digits, so nothing is downloaded and
no binary data lives in the repository:

    python examples/retrieval/make_example_pool.py /tmp/example_pool
    python -c "from synreal.retrieval import load_pool; print(len(load_pool('/tmp/example_pool')))"
"""

from __future__ import annotations

import sys

import numpy as np

from synreal.data.datasets import load_digits_set
from synreal.retrieval import digits_pool, save_pool


def main(target: str) -> None:
    """Build the pool from the first 300 digits and save it as a folder."""
    digits = load_digits_set()
    pool = digits_pool(digits.subset(np.arange(300)), seed=0, n_distractors=100)
    path = save_pool(pool, target)
    print(f"wrote {len(pool)} images with captions to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "example_pool")
