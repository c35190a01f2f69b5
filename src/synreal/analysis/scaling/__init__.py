"""Scaling laws for synthetic pre-training (Mikami et al. 2022): fit, diagnose, predict, judge.

Two laws (science.md, "Scaling law"): at one fine-tuning size ``L(n) = D n^-alpha + C``
(``alpha`` the pre-training rate, ``C`` the transfer gap), and over several fine-tuning sizes
``L(n, s) = delta (gamma + n^-alpha) s^-beta``.

Public API:

- :func:`fit_scaling_law` (a table of runs -> :class:`ScalingFit`): bounded global least
  squares, small-sample bootstrap intervals, structured findings (:class:`Diagnosis`,
  :class:`Finding`; ``fit.flags``) and a verdict;
- :func:`scaling_analysis` (a study's tidy results -> :class:`ScalingAnalysis`): which
  sources and fractions are fitted, the joint fit, and the headline claim per source;
- the building blocks other analyses reuse: :class:`Law` / :func:`make_law`,
  :func:`prepare_runs` (-> :class:`RunTable`), :func:`point_fit`, :func:`fit_curve_batch`
  (weighted fits of many bootstrap resamples at once), :func:`response`,
  :func:`error_from_metric`.

Modules: ``laws`` (the two laws and their search boxes), ``tables`` (validation of input
tables), ``solver`` (variable projection), ``fit`` (the fit and its bootstrap), ``results``
(``ScalingFit``), ``findings`` (diagnosis flags and their words), ``diagnostics``,
``verdict``, ``study`` (policy for study reports).
"""

from synreal.analysis.scaling.findings import PROBLEMS, Diagnosis, Finding, describe
from synreal.analysis.scaling.fit import BOOTSTRAPS, SPACES, fit_scaling_law
from synreal.analysis.scaling.laws import JOINT, LAWS, SINGLE, Law, default_bounds, make_law
from synreal.analysis.scaling.results import VERDICT_KINDS, ScalingFit
from synreal.analysis.scaling.solver import BatchFit, fit_curve_batch, point_fit, response
from synreal.analysis.scaling.study import (
    MIN_SIZES,
    Claim,
    ScalingAnalysis,
    SourceScaling,
    StudySettings,
    error_rows,
    scaling_analysis,
)
from synreal.analysis.scaling.tables import (
    ErrorRangeWarning,
    RunTable,
    derived_errors,
    error_from_metric,
    prepare_runs,
)

__all__ = [
    "BOOTSTRAPS", "JOINT", "LAWS", "MIN_SIZES", "PROBLEMS", "SINGLE", "SPACES", "VERDICT_KINDS",
    "BatchFit", "Claim", "Diagnosis", "ErrorRangeWarning", "Finding", "Law", "RunTable", "ScalingAnalysis",
    "ScalingFit", "SourceScaling", "StudySettings",
    "default_bounds", "derived_errors", "describe", "error_from_metric", "error_rows", "fit_curve_batch",
    "fit_scaling_law", "make_law", "point_fit", "prepare_runs", "response", "scaling_analysis",
]
