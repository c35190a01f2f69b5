"""Flexibility: which synthetic configuration helps most, with intervals and paired tests.

A configuration is one (condition, source, n_synthetic) of ``pretrain``, ``mix`` or
``synthetic-only``. Configurations are ranked by the metric at each real fraction and by
their per-seed average over the real fractions that all pretrain/mix configurations share.
Every pair is compared by its paired-by-seed difference with the verdict rule of
``synreal.analysis.verdicts``; the pairs of one scope (one fraction, or the average) share
the error budget (Bonferroni), and the bounds shown are the adjusted ones, so a pair is
called significant exactly when its shown interval excludes zero.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from synreal.analysis.stats import paired_t_test, select_metric, t_interval
from synreal.analysis.substitution import CONFIG, config_label
from synreal.analysis.verdicts import Decision, Looks, sequential_verdict

RANKED_CONDITIONS = ("pretrain", "mix", "synthetic-only")
AVERAGE = "average"


@dataclass
class Ranking:
    """Rankings of synthetic configurations and their pairwise comparisons.

    Attributes:
        by_fraction: ``condition, source, n_synthetic, config, real_fraction, mean, lo, hi,
            n_seeds, rank`` (rank 1 is best within a real fraction; synthetic-only sits at 0).
        overall: ``condition, source, n_synthetic, config, mean, lo, hi, n_seeds, rank``: the
            per-seed average over ``fractions`` (pretrain and mix only).
        pairs: ``PAIR_COLUMNS``: ``scope`` is ``"average"`` or ``"f=<fraction>"``; ``better``
            is the configuration with the better mean; ``diff`` (better - worse, sign-flipped
            when lower is better) is positive; ``lower``/``upper`` are one-sided bounds at
            ``bound_level``, adjusted for the ``family`` of pairs in the scope (Bonferroni);
            ``significant`` (decision ``above``) means the adjusted lower bound is above 0;
            ``p`` is the unadjusted paired t-test p-value, for reference.
        fractions: real fractions averaged over in ``overall`` (those every pretrain/mix
            configuration was run at).
        level: confidence level used.
    """

    by_fraction: pd.DataFrame
    overall: pd.DataFrame
    pairs: pd.DataFrame
    fractions: list[float] = field(default_factory=list)
    level: float = 0.95


def _rank(means: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Competition ranks, 1 = best (ties share the better rank)."""
    return rankdata(-means if higher_is_better else means, method="min").astype(int)


def _rank_block(m: pd.DataFrame, higher_is_better: bool, level: float) -> pd.DataFrame:
    """Means, t intervals and ranks of the rows (configs) of a config x seed matrix."""
    iv = t_interval(m.to_numpy(), level=level)
    out = m.index.to_frame(index=False)
    out["config"] = [config_label(*k) for k in m.index]
    out["mean"], out["lo"], out["hi"], out["n_seeds"] = iv.estimate, iv.lo, iv.hi, iv.n
    out["rank"] = _rank(np.asarray(iv.estimate), higher_is_better)
    return out


PAIR_COLUMNS = ["scope", "real_fraction", "better", "worse", "diff", "lower", "upper", "bound_level", "n_seeds",
                "family", "p", "decision", "significant"]


def _pairs_block(m: pd.DataFrame, scope: str, fraction: float, sign: float, looks: Looks | None,
                 level: float) -> pd.DataFrame:
    """All pairwise paired-by-seed comparisons of the configs (rows) of one scope.

    Each pair gets the verdict rule of ``synreal.analysis.verdicts`` at threshold 0 with the
    error budget shared by the ``m`` pairs of the scope (Bonferroni), so the bounds shown are
    the adjusted ones and a pair is ``significant`` exactly when they exclude zero.
    """
    if len(m) < 2:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    x = sign * m.to_numpy()
    labels = [config_label(*k) for k in m.index]
    pairs = list(itertools.combinations(range(len(m)), 2))
    family = len(pairs)
    rows = []
    for i, j in pairs:
        d = pd.Series(x[i] - x[j], index=m.columns).dropna()
        lk = looks or Looks.fixed(len(d), level)
        v = sequential_verdict(d, 0.0, lk, family=family)
        est, lo, hi = v.estimate, v.bounds.lower, v.bounds.upper
        dec = v.decision
        a, b = labels[i], labels[j]
        # orient the pair so that 'better' has the better mean at the deciding look
        if est < 0 or dec is Decision.BELOW:
            a, b, est, lo, hi = b, a, -est, -hi, -lo
            dec = Decision.ABOVE if dec is Decision.BELOW else dec
        p = float(paired_t_test(d.to_numpy()[: v.n_seeds])) if v.n_seeds >= 2 else np.nan
        rows.append((scope, fraction, a, b, est, lo, hi, v.bounds.bound_level, v.n_seeds, family, p, dec.value,
                     dec is Decision.ABOVE))
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def rank_configurations(
    results: pd.DataFrame,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    level: float = 0.95,
    looks: Looks | None = None,
) -> Ranking:
    """Rank synthetic configurations per real fraction and on average, with paired tests.

    Intervals of the means are two-sided t intervals over seeds. Pairs are compared on the
    seeds both configurations ran; the family for the adjustment is one scope (the pairs at
    one real fraction, or the pairs of the average), so that adding fractions does not dilute
    the answer at each of them.

    Args:
        results: the tidy results table.
        metric: the metric ranked.
        higher_is_better: direction of the metric.
        level: confidence level; each pair's bounds are one-sided at ``1 - (1 - level) / m``.
        looks: the seed schedule of adaptive seeds (default: one look).

    Returns:
        A ``Ranking``; its tables are empty when no synthetic configuration was run.

    Example:
        >>> rows = [(c, s, 100, 0.5, seed, acc + 0.01 * seed) for seed in range(3)
        ...         for c, s, acc in [("pretrain", "a", 0.90), ("pretrain", "b", 0.80)]]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> t["metric"] = "accuracy"
        >>> r = rank_configurations(t)
        >>> r.overall["config"].tolist(), bool(r.pairs["significant"].iloc[0])
        (['pretrain a (100)', 'pretrain b (100)'], True)
    """
    sign = 1.0 if higher_is_better else -1.0
    t = select_metric(results, metric, conditions=RANKED_CONDITIONS)
    if t.empty:
        empty = pd.DataFrame(columns=CONFIG + ["config", "mean", "lo", "hi", "n_seeds", "rank"])
        by_empty = pd.DataFrame(columns=CONFIG + ["real_fraction", "config", "mean", "lo", "hi", "n_seeds", "rank"])
        return Ranking(by_empty, empty, _pairs_block(pd.DataFrame(), AVERAGE, np.nan, sign, looks, level), [], level)
    by, pairs = [], []
    for f, g in t.groupby("real_fraction", sort=True):
        m = g.pivot_table(index=CONFIG, columns="seed", values="value", aggfunc="first")
        block = _rank_block(m, higher_is_better, level)
        block.insert(3, "real_fraction", float(f))
        by.append(block)
        pairs.append(_pairs_block(m, f"f={float(f):g}", float(f), sign, looks, level))
    by_fraction = pd.concat(by, ignore_index=True).sort_values(["real_fraction", "rank", "config"], ignore_index=True)

    # the average only over fractions every pretrain/mix configuration has, so that no
    # configuration is flattered by missing its hardest fractions
    sub = t[t["condition"] != "synthetic-only"]
    fractions: list[float] = []
    overall = pd.DataFrame(columns=CONFIG + ["config", "mean", "lo", "hi", "n_seeds", "rank"])
    if not sub.empty:
        per_config = sub.groupby(CONFIG)["real_fraction"].apply(lambda s: frozenset(s.round(12)))
        fractions = sorted(frozenset.intersection(*per_config.tolist()))
        if fractions:
            s2 = sub[sub["real_fraction"].round(12).isin(fractions)]
            m = s2.pivot_table(index=CONFIG + ["seed"], columns="real_fraction", values="value", aggfunc="first")
            # a seed counts towards the average only if it ran at every shared fraction
            avg = m.dropna().mean(axis=1).unstack("seed")
            overall = _rank_block(avg, higher_is_better, level).sort_values(["rank", "config"], ignore_index=True)
            pairs.insert(0, _pairs_block(avg, AVERAGE, float("nan"), sign, looks, level))
    pairs = [p for p in pairs if not p.empty] or [pairs[0]]
    return Ranking(by_fraction, overall, pd.concat(pairs, ignore_index=True), fractions, level)
