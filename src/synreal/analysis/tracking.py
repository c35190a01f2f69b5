"""What a tracking study adds to the common analysis: secondary metrics, realism against results, the seed paper's claims.

- secondary metrics: substitution curves in AssA, DetA, IDF1 and MOTA beside HOTA (a motion
  model shows in association: AssA);
- realism: each scene set's motion-statistics distance to the real training sequences
  (computed before any training) beside its downstream result, and whether the cheap
  distance ranks the scene sets as the expensive study does (Spearman's rank correlation);
- the seed paper's findings, each as a verdict of the study's own rule: pre-training helps
  at low real fractions; multi-group beats single-group; dance-only hurts pedestrians (the
  last two when the study runs scene sets with those names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from synreal.analysis.ranking import AVERAGE
from synreal.analysis.substitution import substitution_curves

SECONDARY = ("AssA", "DetA", "IDF1", "MOTA")


@dataclass(frozen=True)
class Claim:
    """One of the seed paper's findings, tested here.

    Attributes:
        finding: the paper's finding in words.
        decision: ``holds`` (shown), ``contradicted`` (shown the other way), ``undecided``,
            or ``not tested`` (the study lacks what it needs).
        detail: the numbers behind it, in words.
    """

    finding: str
    decision: str
    detail: str


@dataclass
class TrackingAnalysis:
    """The tracking-specific tables and claims of a study.

    Attributes:
        secondary: metric -> substitution curves (as ``substitution_curves``).
        realism: one row per scene set: ``source, distance`` (overall, 0..1), ``downstream``
            (mean primary metric of its pretrain runs over the averaged fractions) and their ranks.
        rank_correlation: Spearman's rho between distance and downstream (negative when the
            closer scene sets do better), its p-value and the number of scene sets.
        claims: the seed paper's findings, tested.
    """

    secondary: dict[str, pd.DataFrame] = field(default_factory=dict)
    realism: pd.DataFrame = field(default_factory=pd.DataFrame)
    rank_correlation: tuple[float, float, int] | None = None
    claims: list[Claim] = field(default_factory=list)


def _gain(gains: pd.DataFrame, source: str, baseline: str, fraction: float) -> pd.Series | None:
    g = gains[(gains["condition"] == "pretrain") & (gains["source"] == source) & (gains["baseline"] == baseline)
              & np.isclose(gains["real_fraction"], fraction)]
    return g.iloc[0] if len(g) else None


def _words(decision: str) -> str:
    return {"above": "holds", "below": "contradicted", "undecided": "undecided"}.get(decision, "not tested")


def analyse_tracking(results: pd.DataFrame, analysis: Any, realism: dict[str, dict[str, float | None]]) -> TrackingAnalysis:
    """The tracking additions, from the tidy table, the common analysis and the scene sets' realism.

    Args:
        results: the tidy table.
        analysis: the study's ``StudyAnalysis`` (its gains, ranking and settings are reused).
        realism: scene set -> distances (``StudyMeta.realism``).

    Returns:
        A ``TrackingAnalysis``.
    """
    s = analysis.settings
    out = TrackingAnalysis()
    present = set(results["metric"].unique())
    for m in SECONDARY:
        if m in present:
            out.secondary[m] = substitution_curves(results, metric=m, level=s.level)
    gains = analysis.gains
    fractions = sorted(gains["real_fraction"].unique()) if len(gains) else []
    smallest = fractions[0] if fractions else None
    # realism beside the downstream result
    rk = analysis.ranking
    rows = []
    for source, dist in realism.items():
        down = np.nan
        if rk is not None and len(rk.overall):
            o = rk.overall[(rk.overall["condition"] == "pretrain") & (rk.overall["source"] == source)]
            if len(o):
                down = float(o["mean"].max())
        rows.append({"source": source, "distance": dist.get("overall"), "downstream": down})
    table = pd.DataFrame(rows, columns=["source", "distance", "downstream"])
    ok = table.dropna()
    if len(ok) >= 3:
        rho, p = sps.spearmanr(ok["distance"].astype(float), ok["downstream"].astype(float))
        out.rank_correlation = (float(rho), float(p), len(ok))
    if len(table):
        table["distance_rank"] = table["distance"].rank(method="min")
        table["downstream_rank"] = table["downstream"].rank(ascending=not s.higher_is_better, method="min")
    out.realism = table
    # the seed paper's findings
    sources = sorted(gains.loc[gains["condition"] == "pretrain", "source"].unique()) if len(gains) else []
    if smallest is not None:
        for src in sources:
            g = _gain(gains, src, "real", smallest)
            if g is not None:
                out.claims.append(Claim(
                    f"pre-training on {src} helps at low real fractions",
                    _words(g["decision"]),
                    f"{g['gain']:+.3f} {s.metric} over real-only at {round(100 * smallest, 1):g}% real "
                    f"(bounds {g['lower']:+.3f} to {g['upper']:+.3f}, {int(g['n_seeds'])} seeds)"))
    if rk is not None and len(rk.pairs):
        avg = rk.pairs[rk.pairs["scope"] == AVERAGE]
        multi = [c for c in rk.overall["config"] if "pretrain multi-group" in c]
        single = [c for c in rk.overall["config"] if "pretrain single-group" in c]
        if multi and single:
            p = avg[((avg["better"] == multi[0]) & (avg["worse"] == single[0]))
                    | ((avg["better"] == single[0]) & (avg["worse"] == multi[0]))]
            if len(p):
                r = p.iloc[0]
                dec = ("holds" if r["significant"] and r["better"] == multi[0] else
                       "contradicted" if r["significant"] else "undecided")
                out.claims.append(Claim("multi-group scene sets beat single-group ones", dec,
                                        f"{r['better']} ahead of {r['worse']} by {r['diff']:+.3f} {s.metric} on average "
                                        f"(adjusted bounds {r['lower']:+.3f} to {r['upper']:+.3f})"))
    if smallest is not None and "dance-only" in sources:
        g = _gain(gains, "dance-only", "real", smallest)
        if g is not None:
            dec = {"below": "holds", "above": "contradicted", "undecided": "undecided"}.get(g["decision"], "not tested")
            out.claims.append(Claim("pre-training on dance-only hurts (the seed paper saw it on pedestrians)", dec,
                                    f"{g['gain']:+.3f} {s.metric} against real-only at {round(100 * smallest, 1):g}% real "
                                    f"(bounds {g['lower']:+.3f} to {g['upper']:+.3f})"))
    return out
