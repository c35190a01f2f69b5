"""Simulated study tables with planted effects, for testing analysis and report.

The real-only learning curve is ``acc(f) = 1 - (C + A * f**-B)``. A synthetic configuration
is planted by one of two shapes:

- ``match=m``: it reaches exactly the reference (real at 100%) at real fraction ``m`` and
  behaves below ``m`` like real-only training on ``f / m`` of the data, above ``m`` it climbs
  by ``slope`` per unit fraction (``margin`` is added everywhere);
- ``offset=d``: the real curve shifted by ``d``.

Every row is ``truth + seed effect + noise``: the seed effect is shared by all cells of a
seed (what pairing by seed removes), the noise is independent per run.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

A, B, C = 0.06, 0.5, 0.03
FRACTIONS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.7, 1.0)
N_TRAIN_REAL = 1257


def real_curve(f: np.ndarray | float) -> np.ndarray | float:
    """Accuracy of real-only training on fraction ``f`` of the real data."""
    return 1 - (C + A * np.asarray(f, dtype=float) ** -B)


def planted(f: float, *, match: float | None = None, offset: float | None = None, slope: float = 0.01,
            margin: float = 0.0) -> float:
    """The true accuracy of a planted configuration at real fraction ``f``."""
    if match is not None:
        if f <= match:
            return float(real_curve(f / match)) + margin
        return float(real_curve(1.0)) + slope * (f - match) + margin
    return float(real_curve(f)) + (offset or 0.0)


DEFAULT_CONFIGS = (
    {"condition": "pretrain", "source": "fonts-all", "n_synthetic": 20000, "match": 0.3, "margin": 0.004},
    {"condition": "mix", "source": "fonts-all", "n_synthetic": 20000, "match": 0.7, "margin": 0.004},
    {"condition": "pretrain", "source": "fonts-2-thin", "n_synthetic": 20000, "offset": -0.03},
)
SYNTHETIC_ONLY = ({"source": "fonts-all", "n_synthetic": 20000, "accuracy": 0.62},
                  {"source": "fonts-2-thin", "n_synthetic": 20000, "accuracy": 0.41})


def simulate_study(
    *,
    seeds: tuple[int, ...] = (0, 1, 2),
    fractions: tuple[float, ...] = FRACTIONS,
    configs: tuple[dict, ...] = DEFAULT_CONFIGS,
    synthetic_only: tuple[dict, ...] = SYNTHETIC_ONLY,
    aug_gain: float = 0.01,
    noise: float = 0.002,
    seed_effect: float = 0.01,
    rng_seed: int = 0,
    extra_metrics: bool = True,
) -> pd.DataFrame:
    """A tidy table (run_id, condition, source, n_synthetic, real_fraction, n_real, seed, metric, value)."""
    rng = np.random.default_rng(rng_seed)
    shift = {s: rng.normal(0, seed_effect) for s in seeds}
    cells: list[tuple[str, str, int, float, float]] = []
    for f in fractions:
        cells.append(("real", "none", 0, f, float(real_curve(f))))
        cells.append(("real+aug", "none", 0, f, float(real_curve(f)) + aug_gain))
        for c in configs:
            kw = {k: c[k] for k in ("match", "offset", "slope", "margin") if k in c}
            cells.append((c["condition"], c["source"], c["n_synthetic"], f, planted(f, **kw)))
    for c in synthetic_only:
        cells.append(("synthetic-only", c["source"], c["n_synthetic"], 0.0, c["accuracy"]))
    rows = []
    for cond, src, n, f, truth in cells:
        for s in seeds:
            acc = truth + shift[s] + rng.normal(0, noise)
            run_id = hashlib.sha256(f"{cond}|{src}|{n}|{f}|{s}".encode()).hexdigest()[:16]
            base = (run_id, cond, src, n, f, int(round(f * N_TRAIN_REAL)), s)
            rows.append((*base, "accuracy", acc))
            if extra_metrics:
                rows.append((*base, "test_loss", float(-np.log(max(acc, 1e-6)))))
                rows.append((*base, "train_seconds", float(2 + 10 * f + n / 5000 + rng.uniform(0, 0.5))))
    return pd.DataFrame(rows, columns=["run_id", "condition", "source", "n_synthetic", "real_fraction", "n_real",
                                       "seed", "metric", "value"])


def simulate_meta(table: pd.DataFrame, **over: object) -> dict:
    """Study metadata matching a simulated table."""
    meta = {
        "name": "simulated-digits",
        "metric": "accuracy",
        "higher_is_better": True,
        "seeds": sorted(table["seed"].unique().tolist()),
        "real_fractions": sorted(f for f in table["real_fraction"].unique().tolist() if f > 0),
        "n_train_real": N_TRAIN_REAL,
        "version": "0.1.0",
        "data_fingerprint": "0123456789abcdef",
        "tolerance": 0.01,
        "spec": {"name": "simulated-digits", "report": {"level": 0.95, "tolerance": 0.01}},
    }
    meta.update(over)
    return meta
