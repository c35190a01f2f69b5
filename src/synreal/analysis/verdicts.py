"""Verdicts: one decision rule for every claim the report makes, and the seed schedule behind it.

Every claim of a study compares two things paired by seed (a synthetic cell and the real
reference, a synthetic cell and ``real+aug``, two configurations, retrieved and generated
images) and asks on which side of a threshold the true mean difference lies: above
``-tolerance`` (non-inferiority, science.md "Substitutability"), or above zero (a gain). The
rule is the same everywhere:

- ``above``: the lower one-sided bound of the mean difference lies above the threshold;
- ``below``: the upper one-sided bound lies below it;
- ``undecided``: the interval between the two bounds contains the threshold (the seeds
  cannot tell); a wide interval makes a decision harder, never easier;
- ``too few seeds``: fewer than two paired seeds, so no interval exists.

Each bound is a Student-t bound over seeds at the one-sided level ``1 - alpha``; the
probability of a wrong decision in either direction is at most ``alpha`` per verdict.

Adaptive seeding looks at the data several times (after ``start`` seeds, then after each
round of ``step`` more, up to ``max``), and each look is another chance to decide wrongly.
``Looks`` spends the error budget ``alpha`` over the looks (``alpha_k`` with
``sum(alpha_k) = alpha``, by the union bound valid whatever the dependence between looks), and
a verdict is decided at the FIRST look whose bounds exclude the threshold, using the first
``n_k`` seeds. The report evaluates verdicts with the same sequence, so it states exactly the
decision the engine stopped on, and how many seeds it took.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
from scipy import stats as sps

from synreal.errors import UserInputError

SPENDING_POWER = 1.5  # alpha spent by look k grows as (n_k / n_max) ** SPENDING_POWER (see Looks; chosen by the harness)


class Decision(str, Enum):
    """Where the true mean difference lies relative to the threshold, as far as the seeds show."""

    ABOVE = "above"
    BELOW = "below"
    UNDECIDED = "undecided"
    TOO_FEW = "too few seeds"

    @property
    def decided(self) -> bool:
        """True for ``above`` and ``below``."""
        return self in (Decision.ABOVE, Decision.BELOW)


@dataclass(frozen=True)
class Looks:
    """When the data is looked at, and how the error budget is spent over the looks.

    Args:
        sizes: number of paired seeds at each look, increasing (``(3,)`` for a fixed design
            of 3 seeds; ``(3, 6, 9, 12)`` for adaptive seeds from 3 to 12 in steps of 3).
        level: overall one-sided confidence level of each verdict (``alpha = 1 - level``).
        power: ``alpha`` spent up to look ``k`` is ``alpha * (n_k / n_max) ** power``; a power
            above 1 keeps most of the budget for the later, better-informed looks.

    Example:
        >>> lk = Looks.adaptive(3, 12, step=3, level=0.95)
        >>> lk.sizes
        (3, 6, 9, 12)
        >>> round(sum(lk.alpha(k) for k in range(4)), 10)
        0.05
        >>> round(Looks.fixed(3).alpha(0), 10)
        0.05
    """

    sizes: tuple[int, ...]
    level: float = 0.95
    power: float = SPENDING_POWER

    def __post_init__(self) -> None:
        if not self.sizes or any(b <= a for a, b in zip(self.sizes, self.sizes[1:])) or self.sizes[0] < 1:
            raise ValueError(f"look sizes must be positive and increasing, found {self.sizes}")
        if not 0.5 < self.level < 1:
            raise UserInputError(f"level must lie in (0.5, 1), found {self.level}")

    @classmethod
    def fixed(cls, n: int, level: float = 0.95) -> "Looks":
        """One look after ``n`` seeds (a plain list of seeds)."""
        return cls((max(1, int(n)),), level)

    @classmethod
    def adaptive(cls, start: int, maximum: int, *, step: int | None = None, level: float = 0.95,
                 power: float = SPENDING_POWER) -> "Looks":
        """Looks after ``start``, ``start + step``, ... seeds, the last one at ``maximum``."""
        step = step or start
        sizes = list(range(start, maximum, step)) + [maximum]
        return cls(tuple(sorted(set(sizes))), level, power)

    @property
    def alpha_total(self) -> float:
        """The whole error budget, ``1 - level``."""
        return 1.0 - self.level

    @property
    def max_seeds(self) -> int:
        """Seeds at the last look."""
        return self.sizes[-1]

    def alpha(self, k: int) -> float:
        """Error budget of look ``k`` (0-based); the budgets sum to ``1 - level``."""
        if len(self.sizes) == 1:
            return self.alpha_total
        t = np.asarray(self.sizes, dtype=float) / self.sizes[-1]
        cum = self.alpha_total * t**self.power
        cum[-1] = self.alpha_total
        return float(cum[k] - (cum[k - 1] if k > 0 else 0.0))

    def bound_level(self, k: int, family: int = 1) -> float:
        """One-sided level of each bound at look ``k`` in a family of ``family`` comparisons."""
        return 1.0 - self.alpha(k) / max(1, family)

    def describe(self) -> str:
        """Words for the report's method note."""
        if len(self.sizes) == 1:
            return f"one look after {self.sizes[0]} seeds at the one-sided {self.level:.0%} level"
        per = ", ".join(f"{n} seeds: {self.alpha(k):.4f}" for k, n in enumerate(self.sizes))
        return (f"adaptive seeds, looks after {', '.join(map(str, self.sizes))} seeds; the error budget "
                f"{self.alpha_total:.2f} is spent over the looks ({per})")


@dataclass(frozen=True)
class Bounds:
    """The mean paired difference and its two one-sided bounds at ``bound_level``."""

    estimate: float
    lower: float
    upper: float
    n_seeds: int
    bound_level: float


def t_bounds(diffs: np.ndarray | Sequence[float], bound_level: float) -> Bounds:
    """Mean of ``diffs`` and its lower and upper one-sided Student-t bounds.

    Args:
        diffs: per-seed differences (no NaN).
        bound_level: one-sided level of each bound (0.95: each bound errs at most 5% of the time).

    Returns:
        ``Bounds``; with fewer than two values the bounds are NaN. Identical values give
        bounds equal to the mean (a systematic difference, no spread).

    Example:
        >>> b = t_bounds([0.01, 0.02, 0.03], 0.95)
        >>> round(b.estimate, 3), round(b.lower, 4), round(b.upper, 4)
        (0.02, 0.0031, 0.0369)
    """
    x = np.asarray(diffs, dtype=float)
    n = len(x)
    mean = float(x.mean()) if n else float("nan")
    if n < 2:
        return Bounds(mean, float("nan"), float("nan"), n, bound_level)
    se = float(x.std(ddof=1)) / np.sqrt(n)
    half = float(sps.t.ppf(bound_level, n - 1)) * se
    return Bounds(mean, float(mean - half), float(mean + half), n, bound_level)


def decide(bounds: Bounds, threshold: float) -> Decision:
    """``above``/``below`` when the bounds exclude ``threshold``, else ``undecided``.

    Example:
        >>> decide(Bounds(0.02, 0.003, 0.037, 3, 0.95), 0.0).value
        'above'
        >>> decide(Bounds(0.02, -0.003, 0.037, 3, 0.95), 0.0).value
        'undecided'
    """
    if bounds.n_seeds < 2 or not np.isfinite(bounds.lower):
        return Decision.TOO_FEW
    if bounds.lower > threshold:
        return Decision.ABOVE
    if bounds.upper < threshold:
        return Decision.BELOW
    return Decision.UNDECIDED


@dataclass(frozen=True)
class Verdict:
    """One decided (or undecided) claim about a paired difference.

    Attributes:
        decision: above / below / undecided / too few seeds.
        threshold: what the difference is compared with (``-tolerance`` or 0).
        bounds: the estimate and bounds at the look that decided (or the last look run).
        look: 0-based index of that look.
        final: True when no more seeds can be added (the last look was reached), so an
            undecided verdict stays undecided.
        seeds_available: paired seeds in the data (may exceed ``bounds.n_seeds`` when other
            verdicts asked for more seeds of the same cells).
    """

    decision: Decision
    threshold: float
    bounds: Bounds
    look: int
    final: bool
    seeds_available: int

    @property
    def estimate(self) -> float:
        """Mean paired difference used by the decision."""
        return self.bounds.estimate

    @property
    def n_seeds(self) -> int:
        """Seeds that decided the verdict (or that the last look used)."""
        return self.bounds.n_seeds


def sequential_verdict(diffs: pd.Series, threshold: float, looks: Looks, *, family: int = 1) -> Verdict:
    """The verdict on per-seed paired differences, decided at the first look that can.

    At look ``k`` the first ``looks.sizes[k]`` seeds (in ascending seed order, the order in
    which adaptive seeding adds them) give t bounds at ``looks.bound_level(k, family)``; the
    first look whose bounds exclude ``threshold`` decides. A fixed design has one look, at
    whatever number of seeds the data has.

    Args:
        diffs: paired differences indexed by seed.
        threshold: ``-tolerance`` for non-inferiority, 0 for a gain.
        looks: the look schedule and level.
        family: number of comparisons sharing the error budget (Bonferroni), e.g. the pairs
            of a ranking.

    Returns:
        A ``Verdict``.

    Example:
        >>> d = pd.Series([0.02, 0.021, 0.019, 0.02, 0.022, 0.018], index=range(6))
        >>> v = sequential_verdict(d, 0.0, Looks.adaptive(3, 6, step=3))
        >>> v.decision.value, v.n_seeds
        ('above', 3)
    """
    d = diffs.dropna().sort_index()
    values = d.to_numpy(dtype=float)
    n_avail = len(values)
    if len(looks.sizes) == 1:
        b = t_bounds(values, looks.bound_level(0, family))
        return Verdict(decide(b, threshold), threshold, b, 0, True, n_avail)
    last: Verdict | None = None
    for k, n_k in enumerate(looks.sizes):
        if n_avail < n_k:
            break
        b = t_bounds(values[:n_k], looks.bound_level(k, family))
        dec = decide(b, threshold)
        last = Verdict(dec, threshold, b, k, k == len(looks.sizes) - 1, n_avail)
        if dec.decided:
            return last
    if last is None:
        # not even the first look's seeds yet: report what there is, more seeds to come
        b = t_bounds(values, looks.bound_level(0, family))
        dec = decide(b, threshold)
        return Verdict(Decision.TOO_FEW if dec is Decision.TOO_FEW else Decision.UNDECIDED, threshold, b, 0,
                       False, n_avail)
    return last


DECISION_CODES = (Decision.TOO_FEW, Decision.UNDECIDED, Decision.ABOVE, Decision.BELOW)


def sequential_verdicts_batch(x: np.ndarray, threshold: float | np.ndarray, looks: Looks, *, family: int = 1
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``sequential_verdict`` for many independent rows at once (simulation, calibration).

    Args:
        x: ``(rows, seeds)`` paired differences, seeds in the order they are added (no NaN).
        threshold: one threshold, or one per row.
        looks: the look schedule (its last size may not exceed ``x.shape[1]``).
        family: comparisons sharing the error budget.

    Returns:
        ``(code, n_used, estimate, lower, upper)`` per row; ``code`` indexes ``DECISION_CODES``
        (0 too few seeds, 1 undecided, 2 above, 3 below).

    Example:
        >>> x = np.array([[0.02, 0.021, 0.019, 0.02, 0.022, 0.018], [0.03, -0.03, 0.0, 0.01, -0.01, 0.0]])
        >>> code, n, *_ = sequential_verdicts_batch(x, 0.0, Looks.adaptive(3, 6))
        >>> [DECISION_CODES[c].value for c in code], n.tolist()
        (['above', 'undecided'], [3, 6])
    """
    x = np.asarray(x, dtype=float)
    rows = x.shape[0]
    thr = np.broadcast_to(np.asarray(threshold, dtype=float), (rows,))
    code = np.zeros(rows, dtype=int)
    n_used = np.zeros(rows, dtype=int)
    est = np.full(rows, np.nan)
    lo = np.full(rows, np.nan)
    hi = np.full(rows, np.nan)
    open_ = np.ones(rows, dtype=bool)
    for k, n in enumerate(looks.sizes):
        if n > x.shape[1]:
            break
        sub = x[open_, :n]
        mean = sub.mean(axis=1)
        if n >= 2:
            half = sps.t.ppf(looks.bound_level(k, family), n - 1) * sub.std(axis=1, ddof=1) / np.sqrt(n)
            lower, upper = mean - half, mean + half
            c = np.where(lower > thr[open_], 2, np.where(upper < thr[open_], 3, 1))
        else:
            lower = upper = np.full(len(mean), np.nan)
            c = np.zeros(len(mean), dtype=int)
        idx = np.flatnonzero(open_)
        code[idx], n_used[idx], est[idx], lo[idx], hi[idx] = c, n, mean, lower, upper
        open_[idx[c >= 2]] = False
        if not open_.any():
            break
    return code, n_used, est, lo, hi
