"""What a user wants to buy: prices and a goal (a target metric, or a budget).

``AdviceSpec`` is the ``advice:`` section of a study spec and the typed input of
:func:`synreal.analysis.advice.advise`; ``Goal`` is the same goal resolved against the metric's
declaration (its name and direction), in error units, which is what the laws are fitted on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from synreal.errors import UserInputError
from synreal.yamlio import loc_to_path


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Costs(_Model):
    """Prices, in any one currency.

    Attributes:
        real_sample: labelling (or buying) one real sample; must be positive, since with free
            real data the cheapest mix is real data alone.
        synthetic_sample: producing one synthetic sample (rendering, generation).
        compute_hour: one hour of the compute that trains the model; the hours of a run come
            from the run times measured in the study.
    """

    real_sample: float = Field(gt=0, allow_inf_nan=False, description="price of one real (labelled) sample")
    synthetic_sample: float = Field(0.0, ge=0, allow_inf_nan=False, description="price of one synthetic sample")
    compute_hour: float = Field(0.0, ge=0, allow_inf_nan=False, description="price of one hour of training compute")


class Target(_Model):
    """The metric value to reach, on the real test set.

    Attributes:
        metric: the metric's name; it must be the study's primary metric (the laws are fitted on it).
        value: the value to reach, inside the metric's range.
    """

    metric: str = Field(min_length=1, description="metric name, e.g. accuracy or HOTA")
    value: float = Field(gt=0, allow_inf_nan=False, description="value to reach")


class AdviceSpec(_Model):
    """The cheapest mix of real and synthetic data for a goal: a target or a budget (exactly one).

    Example:
        >>> spec = AdviceSpec.model_validate({"costs": {"real_sample": 0.4, "synthetic_sample": 0.002},
        ...                                   "target": {"metric": "accuracy", "value": 0.97}})
        >>> spec.costs.compute_hour, spec.mode
        (0.0, 'target')
    """

    costs: Costs
    target: Target | None = Field(None, description="reach this metric value as cheaply as possible")
    budget: float | None = Field(None, gt=0, allow_inf_nan=False, description="best metric this much money buys")

    @model_validator(mode="after")
    def _one_goal(self) -> AdviceSpec:
        if self.target is None and self.budget is None:
            raise ValueError("give a target ({metric, value}) or a budget")
        if self.target is not None and self.budget is not None:
            raise ValueError("give either a target or a budget, not both")
        return self

    @property
    def mode(self) -> str:
        """``"target"`` or ``"budget"``."""
        return "target" if self.target is not None else "budget"


def parse_advice(data: Any, *, file: str | None = None, key: str = "advice") -> AdviceSpec:
    """Validate an ``advice`` mapping, turning the first problem into a ``UserInputError``.

    Args:
        data: the mapping (e.g. ``{"costs": {...}, "target": {...}}``).
        file: where it came from, for the message.
        key: its key path in that file.

    Returns:
        An :class:`AdviceSpec`.

    Example:
        >>> parse_advice({"costs": {"real_sample": -1}, "budget": 5})
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: advice.costs.real_sample: Input should be greater than 0 (found -1)
    """
    try:
        return AdviceSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {err['loc'][-1]!r}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif "input" in err and not isinstance(err["input"], dict) and err["type"] != "value_error":
            msg = f"{msg} (found {err['input']!r})"
        raise UserInputError(msg, file=file, key=loc_to_path((key, *err["loc"]))) from None


@dataclass(frozen=True)
class Goal:
    """A goal resolved against the metric's declaration.

    Attributes:
        metric: the metric's name.
        higher_is_better: its direction (error = 1 - metric when True, the metric itself otherwise).
        mode: ``"target"`` or ``"budget"``.
        value: the target metric value (NaN in budget mode).
        error: the target in error units (NaN in budget mode).
        budget: the budget (NaN in target mode).
    """

    metric: str
    higher_is_better: bool
    mode: str
    value: float
    error: float
    budget: float

    def to_metric(self, error: Any) -> Any:
        """Error units back to the metric (the same map takes a metric to its error)."""
        return 1.0 - error if self.higher_is_better else error


def resolve_goal(spec: AdviceSpec, metric: str, higher_is_better: bool, *, source: str | None = None) -> Goal:
    """Check the goal against the metric's declaration and express it in error units.

    A higher-is-better metric is a score in [0, 1] (error = 1 - score), so a target must lie
    strictly between 0 and 1 (1 would need infinite data); a lower-is-better metric is an
    error or a loss, and a target must be positive.

    Args:
        spec: the advice spec.
        metric: the name of the metric the laws are fitted on (the study's primary metric).
        higher_is_better: its direction.
        source: the file the spec or table came from, for messages.

    Returns:
        A :class:`Goal`.

    Example:
        >>> spec = AdviceSpec.model_validate({"costs": {"real_sample": 1}, "target": {"metric": "HOTA", "value": 0.6}})
        >>> round(resolve_goal(spec, "HOTA", True).error, 3)
        0.4
    """
    nan = float("nan")
    if spec.target is None:
        return Goal(metric, bool(higher_is_better), "budget", nan, nan, float(spec.budget))
    t = spec.target
    if t.metric != metric:
        raise UserInputError(f"the target names the metric {t.metric!r}, but the laws are fitted on {metric!r}",
                             file=source, key="advice.target.metric", hint=f"set the target on {metric}")
    if higher_is_better and not 0 < t.value < 1:
        raise UserInputError(f"{metric} is a score in [0, 1] (higher is better): a target must lie strictly between "
                             f"0 and 1; found {t.value:g}", file=source, key="advice.target.value")
    if not higher_is_better and not (t.value > 0 and math.isfinite(t.value)):
        raise UserInputError(f"{metric} is lower-is-better: a target must be positive; found {t.value:g}",
                             file=source, key="advice.target.value")
    error = 1.0 - t.value if higher_is_better else t.value
    return Goal(metric, bool(higher_is_better), "target", float(t.value), float(error), nan)
