"""What the diagnostics of a scaling fit found, as structured flags, and the one place that words them.

A :class:`Finding` is a :class:`Diagnosis` (what kind of thing was found), the parameter it is
about and the numbers behind it. Problems (``Diagnosis.is_problem``) make a fit
ill-conditioned: the parameters they name are reported as not identified and the verdict
falls back on the trend. Notes only inform. Code branches on ``fit.flags`` (a frozenset of
problem kinds); people read :func:`describe`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np


class Diagnosis(str, Enum):
    """Kinds of findings about a scaling fit (the value is a stable name for JSON)."""

    # Problems: the data cannot pin the law down, or the law does not describe the data.
    LACK_OF_FIT = "lack-of-fit"  # the single law misses the mean error at each size (F test)
    JOINT_LACK_OF_FIT = "joint-lack-of-fit"  # a separate L(n) per fine-tuning size fits much better
    NO_DEGREES_OF_FREEDOM = "no-degrees-of-freedom"  # as many runs as free parameters
    AT_BOUND = "at-bound"  # a parameter ran to an artificial bound of its search box
    GAP_UNRESOLVED = "gap-unresolved"  # the interval of C (or gamma) is wider than the error's whole fall
    EXPONENT_WIDE = "exponent-wide"  # the interval of alpha (or beta) spans more than a factor of 3
    REMOVABLE_UNRESOLVED = "removable-unresolved"  # D n^-alpha at n_max spans more than 10x
    FLAT_PROFILE = "flat-profile"  # the profile of alpha (or beta) is flat up to a bound
    BOOTSTRAP_AT_BOUND = "bootstrap-at-bound"  # over 10% of resamples put alpha (or beta) on a bound
    # Notes.
    NO_GAP = "no-gap"  # C (or gamma) sits at 0, a physical limit: its interval is one-sided
    PROFILE_INTERVAL = "profile-interval"  # the likelihood-ratio interval read off the profile
    FIT_ACCEPTED = "fit-accepted"  # the lack-of-fit test found no evidence against the law
    NO_NOISE_ESTIMATE = "no-noise-estimate"  # residual bootstrap without degrees of freedom: no interval
    RESAMPLES_SKIPPED = "resamples-skipped"  # seed resamples left fewer than 3 sizes
    FEW_SEEDS = "few-seeds"  # fewer than 5 seeds: wide t intervals
    THREE_SIZES = "three-sizes"  # only 3 sizes for 3 or more free parameters

    @property
    def is_problem(self) -> bool:
        """True for the kinds that make a fit ill-conditioned."""
        return self in PROBLEMS


PROBLEMS = frozenset({
    Diagnosis.LACK_OF_FIT, Diagnosis.JOINT_LACK_OF_FIT, Diagnosis.NO_DEGREES_OF_FREEDOM, Diagnosis.AT_BOUND,
    Diagnosis.GAP_UNRESOLVED, Diagnosis.EXPONENT_WIDE, Diagnosis.REMOVABLE_UNRESOLVED, Diagnosis.FLAT_PROFILE,
    Diagnosis.BOOTSTRAP_AT_BOUND,
})
MISFIT = frozenset({Diagnosis.LACK_OF_FIT, Diagnosis.JOINT_LACK_OF_FIT})


@dataclass(frozen=True, eq=False)
class Finding:
    """One thing the diagnostics found.

    Attributes:
        kind: the :class:`Diagnosis`.
        param: the parameter concerned (``None`` when it is about the whole fit).
        values: the numbers behind it (interval ends, p-value, counts...), by name.
    """

    kind: Diagnosis
    param: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``kind``, ``param``, ``values``."""
        return {"kind": self.kind.value, "param": self.param,
                "values": {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in self.values.items()}}


def fmt(x: float | None, digits: int = 3) -> str:
    """A number for a sentence: 3 significant digits, thousands separators for large values."""
    if x is None or np.isnan(x):
        return "n/a"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def pct(level: float) -> str:
    """0.9 -> '90%'."""
    return f"{100 * level:g}%"


def describe(finding: Finding, level: float) -> str:
    """The finding in words: a clause for problems (lower case, no full stop), a sentence for notes.

    Args:
        finding: what was found.
        level: the fit's interval coverage (named in the words).

    Returns:
        The text.

    Example:
        >>> describe(Finding(Diagnosis.EXPONENT_WIDE, "alpha", {"lo": 0.2, "hi": 0.9}), 0.9)
        'the 90% interval of alpha (0.2 to 0.9) spans more than a factor of 3'
    """
    p, v, k, lv = finding.param, finding.values, finding.kind, pct(level)
    if k is Diagnosis.LACK_OF_FIT:
        return f"the law does not fit the mean error at each size (lack-of-fit F test p = {v['p']:.2g})"
    if k is Diagnosis.JOINT_LACK_OF_FIT:
        return ("the joint law does not fit: a separate L(n) at each fine-tuning size fits much better "
                f"(lack-of-fit F test p = {v['p']:.2g})")
    if k is Diagnosis.NO_DEGREES_OF_FREEDOM:
        return f"{v['runs']} runs for {v['free']} free parameters leave no degrees of freedom"
    if k is Diagnosis.AT_BOUND:
        return f"{p} ran to its {v['side']} bound {v['bound']:g}"
    if k is Diagnosis.GAP_UNRESOLVED:
        return (f"the {lv} interval of {p} ({fmt(v['lo'])} to {fmt(v['hi'])}) is wider than the whole fall of the "
                f"error over the sizes run ({fmt(v['drop'])})")
    if k is Diagnosis.EXPONENT_WIDE:
        return f"the {lv} interval of {p} ({fmt(v['lo'])} to {fmt(v['hi'])}) spans more than a factor of 3"
    if k is Diagnosis.REMOVABLE_UNRESOLVED:
        return (f"the {lv} interval of the error still removable at n = {fmt(v['n'])}, D n^-alpha, "
                f"spans {fmt(max(v['lo'], 0.0))} to {fmt(v['hi'])}, more than an order of magnitude")
    if k is Diagnosis.FLAT_PROFILE:
        return (f"the profile of {p} is flat: every {p} from {fmt(v['lo'])} to {fmt(v['hi'])} (a bound of its "
                "search box) fits the points within the noise")
    if k is Diagnosis.BOOTSTRAP_AT_BOUND:
        return f"in {v['share']:.0%} of bootstrap resamples {p} ran to a bound of its search box"
    if k is Diagnosis.NO_GAP:
        return f"{p} sits at {v['bound']:g}: the sizes run show no transfer gap, so its interval is one-sided."
    if k is Diagnosis.PROFILE_INTERVAL:
        return f"Profile {lv} interval of {p}: {fmt(v['lo'])} to {fmt(v['hi'])}."
    if k is Diagnosis.FIT_ACCEPTED:
        return f"Lack-of-fit F test: p = {v['p']:.2g} (no evidence against the law)."
    if k is Diagnosis.NO_NOISE_ESTIMATE:
        return (f"{v['runs']} runs for {v['free']} free parameters: the curve passes through every point, "
                "so the data say nothing about noise and no interval can be given.")
    if k is Diagnosis.RESAMPLES_SKIPPED:
        return f"{v['skipped']} of {v['n_boot']} seed resamples left fewer than 3 sizes and were skipped."
    if k is Diagnosis.FEW_SEEDS:
        return (f"Only {v['seeds']} seeds: intervals use a t quantile with {v['seeds'] - 1} degrees of "
                "freedom, which makes them wide; more seeds would narrow them.")
    if k is Diagnosis.THREE_SIZES:
        return "Only 3 sizes for a law with 3 or more free parameters."
    raise ValueError(f"no words for {k!r}")


def sentence(finding: Finding, level: float) -> str:
    """:func:`describe` as a sentence of its own (problems start upper case and end with a full stop)."""
    text = describe(finding, level)
    if finding.kind.is_problem:
        return text[0].upper() + text[1:] + "."
    return text
