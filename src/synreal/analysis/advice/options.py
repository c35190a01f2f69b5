"""The options a user can buy, each with the law fitted to its runs.

An *option* is one way of training: real data alone (the reference), real data with plain
augmentation, or a synthetic configuration. Its law says what error it reaches with ``n``
synthetic and ``s`` real samples:

- ``curve``: a configuration run at one synthetic size (or none) over several real sizes:
  the learning curve ``e(s) = a s^-b + c`` (science.md, "Equivalency"), at its fixed ``n``;
- ``joint``: a configuration run over a grid of synthetic sizes: Mikami's law
  ``L(n, s) = delta (gamma + n^-alpha) s^-beta`` (science.md, "Scaling law").

Runs arrive as one neutral frame (``condition, source, n_synthetic, n_real, seed, error`` and
optionally ``hours``), built from a study's tidy table or from a user's CSV; every option is
fitted with the scaling package's engine (``point_fit``, ``fit_curve_batch``), its bootstrap
resampling the study's seeds jointly across options (a seed fixes the real subset of all of
them). The hours of one training run are modelled as ``t0 + t_n n + t_s s`` by non-negative
least squares on the measured run times, so that compute is priced like data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from synreal.analysis.equivalency import curve_law, invert_curve
from synreal.analysis.scaling import (
    Law,
    RunTable,
    derived_errors,
    fit_curve_batch,
    make_law,
    point_fit,
    prepare_runs,
)
from synreal.analysis.substitution import config_label
from synreal.errors import UserInputError

FRAME_COLUMNS = ("condition", "source", "n_synthetic", "n_real", "seed", "error")
REFERENCE = "real"  # the condition every saving is measured against
MIN_CURVE_SIZES = 3  # real sizes for a learning curve
MIN_GRID_SIZES = 3  # synthetic sizes (with 2 real sizes) for the joint law
TINY_BETA = 1e-9


@dataclass(frozen=True)
class Hours:
    """Hours of one training run at ``n`` synthetic and ``s`` real samples: ``t0 + t_n n + t_s s``.

    Attributes:
        t0, t_n, t_s: non-negative coefficients (hours, hours per sample).
        measured: False when the runs carry no run times (compute is then not priced).
    """

    t0: float = 0.0
    t_n: float = 0.0
    t_s: float = 0.0
    measured: bool = False

    def __call__(self, n: Any, s: Any) -> np.ndarray:
        """Hours at ``n, s`` (broadcast); a zero coefficient contributes nothing, even at an unbounded size."""
        n, s = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(s, dtype=float))
        return self.t0 + (self.t_n * n if self.t_n else 0.0) + (self.t_s * s if self.t_s else 0.0)


def fit_hours(n: np.ndarray, s: np.ndarray, hours: np.ndarray | None) -> Hours:
    """Non-negative least squares of run hours on ``[1, n, s]`` (``n`` dropped when it never varies).

    Example:
        >>> h = fit_hours(np.array([0, 0, 0.0]), np.array([100, 200, 400.0]), np.array([0.2, 0.3, 0.5]))
        >>> round(float(h(0, 300)), 3)
        0.4
    """
    if hours is None:
        return Hours()
    ok = np.isfinite(hours)
    if not ok.any():
        return Hours()
    n, s, y = n[ok], s[ok], hours[ok]
    vary_n = np.unique(n).size > 1
    cols = [np.ones_like(s), s] + ([n] if vary_n else [])
    coef, _ = optimize.nnls(np.stack(cols, axis=1), y)
    return Hours(t0=float(coef[0]), t_s=float(coef[1]), t_n=float(coef[2]) if vary_n else 0.0, measured=True)


@dataclass
class Option:
    """One way of training, with the runs that measured it.

    Attributes:
        key: stable identifier (``condition|source|n`` or ``condition|source|grid``).
        condition, source: as in the tidy table (``source`` is ``"none"`` for real-only conditions).
        n_synthetic: the fixed synthetic size of a ``curve`` option (0 for real-only); None for
            a ``joint`` option, whose size is chosen.
        kind: ``"curve"`` or ``"joint"``.
        reference: True for real data alone, the option every saving is measured against.
        runs: the validated runs (for a curve, the law's size axis is the real size).
        seed_codes: each run's seed as an index into the study's seed list.
        hours: the run-time model.
        sizes: the synthetic sizes run (one for a curve option).
    """

    key: str
    condition: str
    source: str
    n_synthetic: float | None
    kind: str
    reference: bool
    runs: RunTable
    seed_codes: np.ndarray
    hours: Hours
    sizes: tuple[float, ...] = ()

    @property
    def label(self) -> str:
        """How the option is named in tables and sentences."""
        if self.n_synthetic is None:
            return f"{self.condition} {self.source} ({int(min(self.sizes)):,} to {int(max(self.sizes)):,})"
        if self.n_synthetic == 0:
            return self.condition if self.source in ("none", "") else f"{self.condition} {self.source}"
        return config_label(self.condition, self.source, int(self.n_synthetic))

    @property
    def real_sizes(self) -> np.ndarray:
        """The real size of every run."""
        return self.runs.n if self.kind == "curve" else self.runs.s

    @property
    def synthetic_sizes(self) -> np.ndarray:
        """The synthetic size of every run."""
        return np.full(self.runs.n_runs, float(self.n_synthetic)) if self.kind == "curve" else self.runs.n

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Synthetic and real size of each distinct measured cell (in the order of ``runs.pts``)."""
        if self.kind == "curve":
            return np.full(len(self.runs.pts.n), float(self.n_synthetic)), self.runs.pts.n.astype(float)
        return self.runs.pts.n.astype(float), self.runs.pts.s.astype(float)


@dataclass
class FittedOption:
    """An option with its law fitted: the point estimate and seed-bootstrap replicates.

    Attributes:
        option: the option.
        law: the law and its search box.
        params: point estimate (``a, b, c`` of a curve; ``delta, gamma, alpha, beta`` of the joint law).
        reps: ``(B, p)`` replicates, one per seed resample (NaN rows: the resample cannot
            identify the law).
    """

    option: Option
    law: Law
    params: np.ndarray
    reps: np.ndarray = field(repr=False)

    def stacked(self) -> np.ndarray:
        """Point estimate first, then the replicates: ``(1 + B, p)``."""
        return np.vstack([self.params[None], self.reps])

    def error(self, n: Any, s: Any, P: np.ndarray | None = None) -> np.ndarray:
        """Predicted error at ``(n, s)`` for each parameter row: ``(R, G)`` (``n`` ignored by a curve)."""
        P = np.atleast_2d(self.params if P is None else P)
        n = np.asarray(n, dtype=float)
        s = np.asarray(s, dtype=float)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            if self.option.kind == "curve":
                a, b, c = (P[:, i, None] for i in range(3))
                return a * s ** (-b) + c
            delta, gamma, alpha, beta = (P[:, i, None] for i in range(4))
            return delta * (gamma + n ** (-alpha)) * s ** (-beta)

    def real_needed(self, n: Any, error: float, P: np.ndarray | None = None) -> np.ndarray:
        """Real samples that reach ``error`` with ``n`` synthetic ones, per parameter row: ``(R, G)``.

        ``inf`` where the law never gets there (a curve whose floor ``c`` lies above the target).
        """
        P = np.atleast_2d(self.params if P is None else P)
        n = np.atleast_1d(np.asarray(n, dtype=float))
        if self.option.kind == "curve":
            out = invert_curve(error, P[:, 0, None], P[:, 1, None], P[:, 2, None])
            return np.broadcast_to(out, (P.shape[0], n.size)).copy()
        delta, gamma, alpha, beta = (P[:, i, None] for i in range(4))
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            D = delta * (gamma + n ** (-alpha))
            flat = beta <= TINY_BETA  # the error does not depend on s: reached at once or never
            s = invert_curve(error, D, np.where(flat, 1.0, beta), 0.0)
            s = np.where(flat, np.where(D <= error, 1.0, np.inf), s)
        return np.where(np.isnan(D), np.nan, s)


def _grid_option(rows: pd.DataFrame) -> bool:
    """A configuration run over enough synthetic and real sizes for the joint law."""
    return rows["n_synthetic"].nunique() >= MIN_GRID_SIZES and rows["n_real"].nunique() >= 2


def build_options(frame: pd.DataFrame, *, source: str | None = None) -> tuple[list[Option], list[tuple[str, str]]]:
    """Options from a frame of runs; the configurations too thinly measured are listed apart.

    Args:
        frame: one row per run: ``condition, source, n_synthetic, n_real, seed, error`` and
            optionally ``hours`` (the run's training time). Real-only conditions have
            ``n_synthetic`` 0; ``condition == "real"`` is the reference.
        source: the file the runs came from, for messages.

    Returns:
        ``(options, skipped)``: the reference first; ``skipped`` holds ``(label, reason)``.

    Raises:
        UserInputError: when there is no real-only learning curve (real-only runs at 3 or
            more real sizes), which every saving is measured against.

    Example:
        >>> rows = [{"condition": "real", "source": "none", "n_synthetic": 0, "n_real": s, "seed": k,
        ...          "error": 2 * s**-0.5} for s in (50, 100, 200, 400) for k in (0, 1)]
        >>> opts, skipped = build_options(pd.DataFrame(rows))
        >>> [(o.label, o.kind, o.reference) for o in opts]
        [('real', 'curve', True)]
    """
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise UserInputError(f"the runs lack column(s) {missing}", file=source)
    frame = frame[frame["n_real"].astype(float) > 0].reset_index(drop=True)
    ref = frame[frame["condition"] == REFERENCE]
    if ref.empty or ref["n_real"].nunique() < MIN_CURVE_SIZES:
        found = ref["n_real"].nunique() if not ref.empty else 0
        raise UserInputError(
            f"no real-only learning curve: advice compares every option with real data alone, which needs real-only "
            f"runs at {MIN_CURVE_SIZES} or more real sizes; found {found}", file=source,
            hint="add the 'real' condition with 3 or more real_fractions" if source is None or not str(source).endswith(
                ".csv") else "add rows with 0 synthetic samples at 3 or more real sizes")
    seeds = pd.Index(pd.unique(frame["seed"]))
    options: list[Option] = []
    skipped: list[tuple[str, str]] = []

    def add(rows: pd.DataFrame, condition: str, src: str, n_fixed: float | None) -> None:
        rows = rows.reset_index(drop=True)
        hours = rows["hours"].to_numpy(dtype=float) if "hours" in rows.columns else None
        if n_fixed is None:
            with derived_errors():
                runs = prepare_runs(rows, n="n_synthetic", s="n_real", error="error", seed="seed", source=source)
            key = f"{condition}|{src}|grid"
            h = fit_hours(rows["n_synthetic"].to_numpy(float), rows["n_real"].to_numpy(float), hours)
            sizes = tuple(sorted(float(v) for v in rows["n_synthetic"].unique()))
            kind = "joint"
        else:
            with derived_errors():
                runs = prepare_runs(rows, n="n_real", error="error", seed="seed", source=source)
            key = f"{condition}|{src}|{n_fixed:g}"
            h = fit_hours(np.full(len(rows), n_fixed), rows["n_real"].to_numpy(float), hours)
            sizes = (float(n_fixed),)
            kind = "curve"
        options.append(Option(key=key, condition=condition, source=src, n_synthetic=n_fixed, kind=kind,
                              reference=condition == REFERENCE, runs=runs,
                              seed_codes=seeds.get_indexer(rows["seed"]), hours=h, sizes=sizes))

    real_like = frame[frame["n_synthetic"].astype(float) == 0]
    synthetic = frame[frame["n_synthetic"].astype(float) > 0]
    order = sorted(real_like["condition"].unique(), key=lambda c: (c != REFERENCE, c))
    for cond in order:
        rows = real_like[real_like["condition"] == cond]
        if rows["n_real"].nunique() >= MIN_CURVE_SIZES:
            add(rows, str(cond), "none", 0.0)
        else:
            why = f"run at {rows['n_real'].nunique()} real size(s); a learning curve needs {MIN_CURVE_SIZES}"
            skipped.append((str(cond), why))
    for (cond, src), rows in synthetic.groupby(["condition", "source"], sort=True):
        if _grid_option(rows):
            add(rows, str(cond), str(src), None)
            continue
        for n, sub in rows.groupby("n_synthetic", sort=True):
            if sub["n_real"].nunique() >= MIN_CURVE_SIZES:
                add(sub, str(cond), str(src), float(n))
            else:
                why = (f"run at {sub['n_real'].nunique()} real size(s); a learning curve needs {MIN_CURVE_SIZES}, "
                       f"a law over synthetic sizes {MIN_GRID_SIZES} synthetic sizes at 2 or more real sizes")
                skipped.append((config_label(str(cond), str(src), int(n)), why))
    return options, skipped


def seed_weights(option: Option, multiplicities: np.ndarray) -> np.ndarray:
    """``(B, runs)`` run weights of an option under seed resamples ``(B, seeds)``."""
    return multiplicities[:, option.seed_codes].astype(float)


def option_law(option: Option) -> Law:
    """The law an option is fitted with (the learning curve's bounds for a curve)."""
    if option.kind == "curve":
        return curve_law(option.runs.y)
    return make_law("joint", option.runs.y)


def fit_option(option: Option, multiplicities: np.ndarray) -> FittedOption:
    """Fit an option's law: the point estimate and one replicate per seed resample.

    Args:
        option: the option.
        multiplicities: ``(B, seeds)`` seed resamples shared by every option (``B`` may be 0).

    Returns:
        A :class:`FittedOption`.
    """
    law = option_law(option)
    params, _ = point_fit(law, option.runs, "linear")
    if multiplicities.shape[0]:
        reps = fit_curve_batch(law, option.runs, seed_weights(option, multiplicities), space="linear").params
    else:
        reps = np.zeros((0, len(law.names)))
    return FittedOption(option=option, law=law, params=np.asarray(params, dtype=float), reps=reps)
