"""What should I buy? The cheapest mix of real and synthetic data that reaches a target.

From the laws a study already fits (the real-only learning curve and Mikami's law over
synthetic and real sizes), priced with the user's costs:

- :class:`AdviceSpec` (prices and a target or a budget; the ``advice:`` section of a study);
- :func:`advise` (a frame of runs -> :class:`Advice`): every option's law fitted, cross-validated
  on the measured cells (:func:`cross_validate`), and its cheapest purchase inside the checked
  region with intervals over seeds, and the saving against real data alone;
- :func:`advice_analysis` (a study's tidy table and meta -> :class:`Advice`) and
  :func:`runs_from_table` (a user's CSV of ``n, s, error`` runs -> the frame);
- :mod:`~synreal.analysis.advice.words`: the one place the advice becomes sentences.

Modules: ``spec``, ``options`` (options and their laws), ``check`` (cross-validation and the
trusted region), ``buy`` (frontier, cheapest point, intervals, verdicts), ``results`` (the typed
advice), ``study`` (adapters), ``words``, ``planted`` (simulated studies for tests and benchmarks).
"""

from synreal.analysis.advice.buy import advise, price
from synreal.analysis.advice.check import (
    CellStatus,
    Check,
    LawCheck,
    Region,
    cross_validate,
)
from synreal.analysis.advice.options import (
    FittedOption,
    Hours,
    Option,
    build_options,
    fit_option,
)
from synreal.analysis.advice.results import (
    Advice,
    OptionAdvice,
    Purchase,
    Reason,
    Recommendation,
    Status,
    Suggestion,
)
from synreal.analysis.advice.spec import (
    AdviceSpec,
    Costs,
    Goal,
    Target,
    parse_advice,
    resolve_goal,
)

__all__ = [
    "Advice", "AdviceSpec", "CellStatus", "Check", "Costs", "FittedOption", "Goal", "Hours", "LawCheck", "Option",
    "OptionAdvice", "Purchase", "Reason", "Recommendation", "Region", "Status", "Suggestion", "Target",
    "advise", "build_options", "cross_validate", "fit_option", "parse_advice", "price", "resolve_goal",
]
