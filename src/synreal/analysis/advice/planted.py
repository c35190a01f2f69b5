"""Planted laws: studies simulated from known laws, to measure how often the advice is right.

Used by the tests and ``benchmarks/bench_advice.py``: runs are drawn from a known real-only
curve ``a s^-b + c`` and a known joint law ``delta (gamma + n^-alpha) s^-beta``, with a seed
effect shared by all of a seed's runs plus run noise; :func:`true_cheapest` gives the cheapest
purchase of the truth by a closed form, independently of the advice code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PlantedLaws:
    """The truth of a simulated study.

    Attributes:
        real: ``(a, b, c)`` of the real-only curve.
        joint: ``(delta, gamma, alpha, beta)`` of the synthetic source's law.
        real_sizes: real sizes run (every condition).
        synthetic_sizes: synthetic sizes of the grid.
        seed_sd, run_sd: standard deviation of the seed effect and of the run noise (error units).
        wrong_from: synthetic size from which the planted data leave the law (None: never).
        wrong_beta: the real-size exponent the data follow from ``wrong_from`` on (the law has
            one ``beta`` for every ``n``; the two agree at ``wrong_pivot`` real samples).
        wrong_pivot: the real size where the departure is continuous.
    """

    real: tuple[float, float, float] = (1.0, 0.5, 0.005)
    joint: tuple[float, float, float, float] = (6.0, 0.05, 0.5, 0.5)
    real_sizes: tuple[float, ...] = (50, 100, 200, 400, 800)
    synthetic_sizes: tuple[float, ...] = (300, 1000, 3000, 10000)
    seed_sd: float = 0.002
    run_sd: float = 0.003
    wrong_from: float | None = None
    wrong_beta: float = 0.2
    wrong_pivot: float = 100.0

    def joint_error(self, n: np.ndarray, s: np.ndarray) -> np.ndarray:
        """The error the planted data follow at ``(n, s)`` (the law, or its planted departure)."""
        delta, gamma, alpha, beta = self.joint
        n, s = np.asarray(n, dtype=float), np.asarray(s, dtype=float)
        law = delta * (gamma + n ** (-alpha)) * s ** (-beta)
        if self.wrong_from is None:
            return law
        # from wrong_from on, real data pay at another rate: no single beta describes the grid
        p = self.wrong_pivot
        other = delta * (gamma + n ** (-alpha)) * p ** (-beta) * (s / p) ** (-self.wrong_beta)
        return np.where(n >= self.wrong_from, other, law)


def planted_runs(laws: PlantedLaws, n_seeds: int, seed: int) -> pd.DataFrame:
    """One simulated study: ``real`` at every real size, ``pretrain`` over the grid, ``n_seeds`` seeds.

    Example:
        >>> t = planted_runs(PlantedLaws(), 3, 0)
        >>> len(t), sorted(t["condition"].unique())
        (75, ['pretrain', 'real'])
    """
    rng = np.random.default_rng(seed)
    a, b, c = laws.real
    offset = rng.normal(0, laws.seed_sd, n_seeds)
    rows = []
    for k in range(n_seeds):
        for s in laws.real_sizes:
            rows.append(("real", "none", 0.0, s, k, a * s ** (-b) + c + offset[k] + rng.normal(0, laws.run_sd)))
            for n in laws.synthetic_sizes:
                e = float(laws.joint_error(np.array(n), np.array(s)))
                rows.append(("pretrain", "planted", float(n), s, k, e + offset[k] + rng.normal(0, laws.run_sd)))
    return pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "n_real", "seed", "error"])


def true_cheapest(laws: PlantedLaws, error: float, real_cost: float, synthetic_cost: float) -> dict[str, float]:
    """The truth's cheapest purchase reaching ``error`` within the measured box, by closed form.

    Real data alone needs ``s = ((error - c) / a)^(-1/b)``; with ``n`` synthetic samples the
    joint law needs ``s(n) = (delta (gamma + n^-alpha) / error)^(1/beta)``, and the cost
    ``n c_syn + s c_real`` is minimised over a fine grid of ``n`` in the measured range, with
    ``s = max(s(n), smallest real size)`` (more real data reaches the target too) no larger
    than the largest real size measured.

    Returns:
        ``real_s, real_cost, n, s, cost, saving``.

    Example:
        >>> t = true_cheapest(PlantedLaws(), 0.05, 0.4, 0.002)
        >>> round(t["real_s"]), round(t["n"], -2), round(t["saving"], 2)
        (494, 3300.0, 0.83)
    """
    a, b, c = laws.real
    delta, gamma, alpha, beta = laws.joint
    real_s = ((error - c) / a) ** (-1 / b)
    n = np.geomspace(min(laws.synthetic_sizes), max(laws.synthetic_sizes), 20001)
    s = np.maximum((delta * (gamma + n ** (-alpha)) / error) ** (1 / beta), min(laws.real_sizes))
    ok = s <= max(laws.real_sizes)
    cost = np.where(ok, synthetic_cost * n + real_cost * s, np.inf)
    j = int(np.argmin(cost))
    return {"real_s": float(real_s), "real_cost": float(real_cost * real_s), "n": float(n[j]), "s": float(s[j]),
            "cost": float(cost[j]), "saving": float(1 - cost[j] / (real_cost * real_s))}


@dataclass(frozen=True)
class Coverage:
    """How often the advice's intervals held the truth over repeated planted studies.

    Attributes:
        sims: studies simulated.
        level: nominal coverage.
        n, s, cost, saving, real_s, real_cost: share of studies whose interval of that quantity
            contained the truth (among those where the option was advised).
        advised: share of studies where both options were advised.
        recommended: share where the synthetic option was recommended.
        all_cells_pass: share where cross-validation passed every cell of both laws.
        full_region: the same shares of intervals holding the truth, among the studies where
            every cell passed (the region is then the whole grid, the truth's own domain; when
            a cell near the optimum fails, the advice keeps away from it and its cheapest
            point is dearer than the truth's by design).
    """

    sims: int
    level: float
    n: float
    s: float
    cost: float
    saving: float
    real_s: float
    real_cost: float
    advised: float
    recommended: float
    all_cells_pass: float
    full_region: dict[str, float]


def coverage(laws: PlantedLaws, *, sims: int, n_seeds: int, level: float, target: float, real_cost: float,
             synthetic_cost: float, n_boot: int = 200, cv_boot: int = 100, seed: int = 0) -> Coverage:
    """Simulate ``sims`` studies from ``laws``, advise on each, and count intervals that hold the truth.

    Example:
        >>> c = coverage(PlantedLaws(), sims=2, n_seeds=3, level=0.9, target=0.95, real_cost=0.4,
        ...              synthetic_cost=0.002, n_boot=50, cv_boot=20)
        >>> c.sims, 0 <= c.cost <= 1
        (2, True)
    """
    from synreal.analysis.advice.buy import advise
    from synreal.analysis.advice.results import Recommendation, Status
    from synreal.analysis.advice.spec import AdviceSpec

    spec = AdviceSpec.model_validate({"costs": {"real_sample": real_cost, "synthetic_sample": synthetic_cost},
                                      "target": {"metric": "accuracy", "value": target}})
    truth = true_cheapest(laws, 1 - target, real_cost, synthetic_cost)
    hits = {k: [] for k in ("n", "s", "cost", "saving", "real_s", "real_cost")}
    full = {k: [] for k in hits}
    advised = recommended = all_pass = 0
    for i in range(sims):
        adv = advise(planted_runs(laws, n_seeds, seed * 100_003 + i), spec, metric="accuracy",
                     higher_is_better=True, level=level, n_boot=n_boot, cv_boot=cv_boot, random_state=i)
        ref, syn = adv.options[0], adv.options[1]
        whole = all(st.value == "pass" for o in adv.options for st in o.check.status)
        all_pass += whole
        before = {k: len(v) for k, v in hits.items()}

        def inside(t: tuple[float, float, float], v: float) -> bool:
            return bool(t[1] <= v <= t[2])

        if ref.status is Status.ADVISED:
            hits["real_s"].append(inside(ref.point.n_real, truth["real_s"]))
            hits["real_cost"].append(inside(ref.point.cost, truth["real_cost"]))
        if syn.status is Status.ADVISED:
            hits["n"].append(inside(syn.point.n_synthetic, truth["n"]))
            hits["s"].append(inside(syn.point.n_real, truth["s"]))
            hits["cost"].append(inside(syn.point.cost, truth["cost"]))
        if syn.comparison is not None:
            hits["saving"].append(inside(syn.comparison, truth["saving"]))
        if whole:
            for k, v in hits.items():
                full[k] += v[before[k]:]
        advised += ref.status is Status.ADVISED and syn.status is Status.ADVISED
        recommended += syn.recommendation is Recommendation.RECOMMENDED
    rate = {k: float(np.mean(v)) if v else float("nan") for k, v in hits.items()}
    return Coverage(sims=sims, level=level, advised=advised / sims, recommended=recommended / sims,
                    all_cells_pass=all_pass / sims, full_region={k: float(np.mean(v)) if v else float("nan")
                                                                 for k, v in full.items()}, **rate)
