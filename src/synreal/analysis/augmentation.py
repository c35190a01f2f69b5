"""The augmentation baseline beside every synthetic gain.

Synthetic data is augmentation that samples new instances (science.md), so a synthetic
gain only counts if plain augmentation would not have given it. For every pretrain/mix
cell this module computes the gain over ``real`` and over the task's baseline (``real+aug``
for classification, the ``kalman`` tracker for tracking) at the same real fraction, paired
by seed, and the gain of that baseline over ``real`` itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synreal.analysis.stats import paired_differences, paired_t_test, select_metric
from synreal.analysis.substitution import CELL, config_label
from synreal.analysis.verdicts import Decision, Looks, sequential_verdict

SYNTHETIC = ("pretrain", "mix")
DEFAULT_BASELINE = "real+aug"
GAIN_COLUMNS = CELL + ["config", "baseline", "gain", "lower", "upper", "bound_level", "n_seeds", "p", "decision",
                       "verdict"]
VERDICT_WORDS = {Decision.ABOVE: "better", Decision.BELOW: "worse", Decision.UNDECIDED: "cannot tell apart",
                 Decision.TOO_FEW: "too few seeds"}


def augmentation_gains(
    results: pd.DataFrame,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    level: float = 0.95,
    looks: Looks | None = None,
    baseline: str = DEFAULT_BASELINE,
) -> pd.DataFrame:
    """Gains of every synthetic cell over ``real`` and over ``baseline`` (``real+aug``), paired by seed.

    A gain is ``metric(cell) - metric(baseline)`` at the same real fraction and seed,
    averaged over the seeds both have, sign-flipped when lower is better (so positive is
    always better), judged by the verdict rule of ``synreal.analysis.verdicts`` at threshold
    0: ``better`` only when the lower one-sided bound is above 0, ``worse`` when the upper is
    below 0, otherwise ``cannot tell apart``. Rows with
    condition ``baseline`` and baseline ``real`` give the gain of the baseline alone.
    A baseline that was not run at a fraction gives no row; ``missing_baselines`` lists them.

    Args:
        results: the tidy results table.
        metric: the metric compared.
        higher_is_better: direction of the metric.
        level: one-sided level of each bound.
        looks: the seed schedule of adaptive seeds (default: one look).
        baseline: the condition a synthetic gain must also beat (``real+aug``, ``kalman``).

    Returns:
        Columns ``GAIN_COLUMNS``: the gain and its bounds at the look that decided,
        ``decision`` (above / below / undecided / too few seeds), ``verdict`` in words
        (better / worse / cannot tell apart / too few seeds) and the unadjusted paired
        t-test ``p`` for reference.

    Example:
        >>> rows = [(c, s, n, 0.1, seed, acc + 0.01 * seed) for seed in range(3) for c, s, n, acc in
        ...         [("real", "none", 0, 0.70), ("real+aug", "none", 0, 0.75), ("mix", "fonts", 500, 0.80)]]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> t["metric"] = "accuracy"
        >>> g = augmentation_gains(t)
        >>> g[["config", "baseline", "gain"]].round(2).values.tolist()
        [['mix fonts (500)', 'real', 0.1], ['mix fonts (500)', 'real+aug', 0.05], ['real+aug', 'real', 0.05]]
    """
    sign = 1.0 if higher_is_better else -1.0
    baselines = ("real", baseline)
    t = select_metric(results, metric, conditions=SYNTHETIC + baselines)
    base = {(c, round(float(f), 12)): g.set_index("seed")["value"]
            for (c, f), g in t[t["condition"].isin(baselines)].groupby(["condition", "real_fraction"])}
    rows = []
    cells = t[t["condition"].isin(SYNTHETIC + (baseline,))]
    for key, cell in cells.groupby(CELL, sort=True):
        cond, _, _, f = key
        values = cell.set_index("seed")["value"]
        for against in baselines:
            if against == cond or (cond == baseline and against != "real"):
                continue
            ref = base.get((against, round(float(f), 12)))
            if ref is None:
                continue
            d = sign * paired_differences(values, ref)
            v = sequential_verdict(d, 0.0, looks or Looks.fixed(len(d), level))
            p = paired_t_test(d.to_numpy()[: v.n_seeds]) if v.n_seeds >= 2 else np.nan
            rows.append((*key, config_label(*key[:3]), against, v.estimate, v.bounds.lower, v.bounds.upper,
                         v.bounds.bound_level, v.n_seeds, p, v.decision.value, VERDICT_WORDS[v.decision]))
    out = pd.DataFrame(rows, columns=GAIN_COLUMNS)
    # synthetic cells first, then augmentation's own gains, each by fraction
    out["_aug"] = out["condition"] == baseline
    return out.sort_values(["_aug", "condition", "source", "n_synthetic", "real_fraction", "baseline"],
                           ignore_index=True).drop(columns="_aug")


def missing_baselines(results: pd.DataFrame, *, metric: str = "accuracy", baseline: str = DEFAULT_BASELINE
                      ) -> pd.DataFrame:
    """Synthetic cells whose ``real`` or ``baseline`` run is missing at their fraction.

    Args:
        results: the tidy results table.
        metric: the metric looked at.

    Returns:
        Columns ``condition, source, n_synthetic, real_fraction, config, baseline``.

    Example:
        >>> t = pd.DataFrame({"condition": ["real", "mix"], "source": ["none", "fonts"], "n_synthetic": [0, 500],
        ...                   "real_fraction": [0.1, 0.1], "seed": [0, 0], "metric": "accuracy", "value": [0.7, 0.8]})
        >>> missing_baselines(t)["baseline"].tolist()
        ['real+aug']
    """
    baselines = ("real", baseline)
    t = select_metric(results, metric, conditions=SYNTHETIC + baselines)
    have = {(c, round(float(f), 12)) for c, f in t[t["condition"].isin(baselines)][["condition", "real_fraction"]]
            .itertuples(index=False)}
    rows = []
    for key, _ in t[t["condition"].isin(SYNTHETIC)].groupby(CELL, sort=True):
        for against in baselines:
            if (against, round(float(key[3]), 12)) not in have:
                rows.append((*key, config_label(*key[:3]), against))
    return pd.DataFrame(rows, columns=CELL + ["config", "baseline"])
