"""The retrieval baseline's verdicts: retrieved pool images against generated ones (science.md).

A generator trained on an upstream pool must beat simply retrieving task-relevant images
from that pool at equal counts. For each (retrieved, generated) pair of configurations and
each size, the paired-by-seed gap ``retrieved - generated`` (oriented so positive favours
retrieval) is judged twice with the verdict rule of ``synreal.analysis.verdicts``:

- against ``-tolerance`` (non-inferiority): retrieval *matches or beats* the generator only
  when the lower bound lies above ``-tolerance``;
- against 0: retrieval *beats* the generator when the lower bound lies above 0, the
  generator beats retrieval when the upper bound lies below 0.

Anything else is "cannot tell apart", with the interval. The SDEdit probe (``perturbed``)
is judged against its retrieved images at threshold 0 the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from synreal.analysis.stats import select_metric, t_interval
from synreal.analysis.verdicts import Decision, Looks, sequential_verdict

CONDITIONS = ("retrieved", "generated", "perturbed")
GAP_COLUMNS = ["a", "b", "n", "gap", "lower", "upper", "bound_level", "n_seeds", "beats", "matches"]


def retrieval_cells(results: pd.DataFrame, *, metric: str = "accuracy", level: float = 0.95) -> pd.DataFrame:
    """Mean and two-sided t interval over seeds per (condition, source, size).

    Example:
        >>> t = pd.DataFrame({"condition": "retrieved", "source": "retrieved:fts", "n_synthetic": 50,
        ...                   "real_fraction": 0.0, "seed": [0, 1], "metric": "accuracy", "value": [0.8, 0.9]})
        >>> retrieval_cells(t)[["source", "n", "mean"]].round(3).values.tolist()
        [['retrieved:fts', 50, 0.85]]
    """
    t = select_metric(results, metric, conditions=CONDITIONS)
    rows = []
    for (cond, src, n), g in t.groupby(["condition", "source", "n_synthetic"], sort=True):
        iv = t_interval(g["value"].to_numpy(), level=level)
        rows.append({"condition": cond, "source": src, "n": int(n), "mean": float(iv.estimate), "lo": float(iv.lo),
                     "hi": float(iv.hi), "n_seeds": int(iv.n)})
    return pd.DataFrame(rows, columns=["condition", "source", "n", "mean", "lo", "hi", "n_seeds"])


def paired_gaps(
    results: pd.DataFrame,
    a: str,
    b: str,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    tolerance: float = 0.0,
    level: float = 0.95,
    looks: Looks | None = None,
) -> pd.DataFrame:
    """Per size, the paired gap ``a - b`` between two sources and its two verdicts.

    Args:
        results: the tidy results table.
        a: source label of the first configuration (e.g. ``"retrieved:fts"``).
        b: source label of the second (e.g. ``"pool-diffusion"``).
        metric: the metric compared.
        higher_is_better: direction (the gap is oriented so positive favours ``a``).
        tolerance: the non-inferiority margin of ``matches``.
        level: one-sided level of each bound.
        looks: the seed schedule of adaptive seeds (default: one look).

    Returns:
        Columns ``GAP_COLUMNS``: ``beats`` is the decision at threshold 0 (above: ``a``
        beats ``b``; below: ``b`` beats ``a``), ``matches`` the decision at ``-tolerance``.

    Example:
        >>> rows = [(c, s, 50, seed, v + 0.01 * seed) for seed in range(3)
        ...         for c, s, v in [("retrieved", "r", 0.90), ("generated", "g", 0.80)]]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "seed", "value"])
        >>> t = t.assign(real_fraction=0.0, metric="accuracy")
        >>> paired_gaps(t, "r", "g")[["n", "beats"]].values.tolist()
        [[50, 'above']]
    """
    sign = 1.0 if higher_is_better else -1.0
    t = select_metric(results, metric, conditions=CONDITIONS)
    pa = t[t["source"] == a].pivot_table(index="seed", columns="n_synthetic", values="value", aggfunc="first")
    pb = t[t["source"] == b].pivot_table(index="seed", columns="n_synthetic", values="value", aggfunc="first")
    rows = []
    for n in sorted(set(pa.columns) & set(pb.columns)):
        d = (sign * (pa[n] - pb[n])).dropna()
        lk = looks or Looks.fixed(len(d), level)
        beats = sequential_verdict(d, 0.0, lk)
        matches = sequential_verdict(d, -tolerance, lk)
        rows.append((a, b, int(n), beats.estimate, beats.bounds.lower, beats.bounds.upper, beats.bounds.bound_level,
                     beats.n_seeds, beats.decision.value, matches.decision.value))
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


@dataclass(frozen=True)
class RetrievalVerdict:
    """The verdict on one (retrieved, generated) pair over all sizes.

    Attributes:
        retrieved: source label of the retrieved configuration.
        generated: source label of the generated configuration.
        claim: ``"retrieval beats"`` (every size shown above 0), ``"retrieval matches or beats"``
            (every size shown above ``-tolerance``), ``"generator beats"`` (some size shown
            below 0: the generator adds value there), ``"cannot tell apart"`` or
            ``"too few seeds"``.
        gaps: the per-size table of ``paired_gaps``.
        generator_sizes: sizes where the generator is shown better.
        undecided_sizes: sizes where neither claim is shown.
    """

    retrieved: str
    generated: str
    claim: str
    gaps: pd.DataFrame
    generator_sizes: tuple[int, ...]
    undecided_sizes: tuple[int, ...]


def retrieval_verdicts(
    results: pd.DataFrame,
    *,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    tolerance: float = 0.0,
    level: float = 0.95,
    looks: Looks | None = None,
) -> list[RetrievalVerdict]:
    """One verdict per (retrieved, generated) pair of configurations in the results.

    Example:
        >>> rows = [(c, s, n, seed, v + 0.01 * seed) for seed in range(3) for n in (50, 100)
        ...         for c, s, v in [("retrieved", "r", 0.90), ("generated", "g", 0.80)]]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "seed", "value"])
        >>> t = t.assign(real_fraction=0.0, metric="accuracy")
        >>> retrieval_verdicts(t)[0].claim
        'retrieval beats'
    """
    t = select_metric(results, metric, conditions=CONDITIONS)
    retrieved = sorted(t.loc[t["condition"] == "retrieved", "source"].unique())
    generated = sorted(t.loc[t["condition"] == "generated", "source"].unique())
    out = []
    for r in retrieved:
        for g in generated:
            gaps = paired_gaps(results, r, g, metric=metric, higher_is_better=higher_is_better, tolerance=tolerance,
                               level=level, looks=looks)
            if gaps.empty:
                continue
            gen_sizes = tuple(int(n) for n in gaps.loc[gaps["beats"] == Decision.BELOW.value, "n"])
            undecided = tuple(int(n) for n in gaps.loc[(gaps["matches"] != Decision.ABOVE.value)
                                                        & (gaps["beats"] != Decision.BELOW.value), "n"])
            if (gaps["n_seeds"] < 2).all():
                claim = "too few seeds"
            elif gen_sizes:
                claim = "generator beats"
            elif (gaps["beats"] == Decision.ABOVE.value).all():
                claim = "retrieval beats"
            elif (gaps["matches"] == Decision.ABOVE.value).all():
                claim = "retrieval matches or beats"
            else:
                claim = "cannot tell apart"
            out.append(RetrievalVerdict(r, g, claim, gaps, gen_sizes, undecided))
    return out


def probe_gaps(results: pd.DataFrame, *, metric: str = "accuracy", higher_is_better: bool = True,
               level: float = 0.95, looks: Looks | None = None) -> pd.DataFrame:
    """The SDEdit probe: every ``perturbed`` source against every ``retrieved`` one, per size.

    Returns:
        ``paired_gaps`` rows (``a`` the perturbed source) for every pair.

    Example:
        >>> rows = [(c, s, 50, seed, v + 0.01 * seed) for seed in range(3)
        ...         for c, s, v in [("retrieved", "r", 0.90), ("perturbed", "p", 0.90)]]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "seed", "value"])
        >>> probe_gaps(t.assign(real_fraction=0.0, metric="accuracy"))["beats"].tolist()
        ['undecided']
    """
    t = select_metric(results, metric, conditions=CONDITIONS)
    frames = [paired_gaps(results, p, r, metric=metric, higher_is_better=higher_is_better, level=level, looks=looks)
              for r in sorted(t.loc[t["condition"] == "retrieved", "source"].unique())
              for p in sorted(t.loc[t["condition"] == "perturbed", "source"].unique())]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=GAP_COLUMNS)
