"""The two scaling laws of science.md ("Scaling law"), their search boxes and pinned parameters.

- ``single``: at one fine-tuning size, ``L(n) = D * n^(-alpha) + C``;
- ``joint``: over fine-tuning sizes ``s``, ``L(n, s) = delta * (gamma + n^(-alpha)) * s^(-beta)``,
  so that at a fixed ``s``, ``D = delta * s^(-beta)`` and ``C = delta * gamma * s^(-beta)``.

A :class:`Law` knows its parameters, which of them are pinned, and the split that the solver
exploits: both laws are linear in all parameters but ``alpha`` (and ``beta``), so for fixed
non-linear values the linear ones solve a small bounded least-squares problem
(:meth:`Law.block`). Everything is vectorised over leading axes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from synreal.errors import UserInputError

SINGLE = ("D", "alpha", "C")
JOINT = ("delta", "gamma", "alpha", "beta")
LAWS = {
    "single": "L(n) = D * n^(-alpha) + C",
    "joint": "L(n, s) = delta * (gamma + n^(-alpha)) * s^(-beta)",
}
# Lower bounds that are physical limits (no transfer gap) rather than artefacts of the search box.
NATURAL_LOWER = {"C", "gamma"}
NONLINEAR = ("alpha", "beta")
TINY = 1e-300


class Law:
    """One of the two laws with its search box and pinned parameters.

    Args:
        kind: ``"single"`` or ``"joint"``.
        bounds: search box ``(low, high)`` of every parameter of the law.
        pin: parameters held fixed, by name.

    Example:
        >>> law = Law("single", default_bounds("single", np.array([0.2])), {"D": 0.48})
        >>> law.free, law.nonlinear
        (['alpha', 'C'], ['alpha'])
        >>> law.value(np.array([0.48, 0.5, 0.1]), np.array([100.0]), None).round(4).tolist()
        [0.148]
    """

    def __init__(self, kind: str, bounds: Mapping[str, tuple[float, float]], pin: Mapping[str, float]) -> None:
        self.kind = kind
        self.names = SINGLE if kind == "single" else JOINT
        self.bounds = dict(bounds)
        self.pin = dict(pin)
        self.free = [p for p in self.names if p not in self.pin]
        self.nonlinear = [p for p in NONLINEAR if p in self.names and p not in self.pin]
        self.free_idx = [self.names.index(p) for p in self.free]
        self.lo = np.array([self.bounds[p][0] for p in self.free], dtype=float)
        self.hi = np.array([self.bounds[p][1] for p in self.free], dtype=float)

    def full(self, x: np.ndarray) -> np.ndarray:
        """Free-parameter vectors ``(..., n_free)`` -> full vectors ``(..., n_params)``."""
        x = np.asarray(x, dtype=float)
        out = np.empty(x.shape[:-1] + (len(self.names),))
        for i, p in enumerate(self.names):
            out[..., i] = self.pin[p] if p in self.pin else x[..., self.free.index(p)]
        return out

    def value(self, P: np.ndarray, n: np.ndarray, s: np.ndarray | None) -> np.ndarray:
        """Law values ``(..., m)`` for full parameters ``P (..., n_params)`` at points ``n, s (m,)``."""
        P = np.asarray(P, dtype=float)[..., None]
        if self.kind == "single":
            return P[..., 0, :] * n ** (-P[..., 1, :]) + P[..., 2, :]
        delta, gamma, alpha, beta = (P[..., i, :] for i in range(4))
        return delta * (gamma + n ** (-alpha)) * s ** (-beta)

    def jacobian(self, P: np.ndarray, n: np.ndarray, s: np.ndarray | None) -> np.ndarray:
        """Derivatives ``(..., m, n_params)`` of the law with respect to every parameter."""
        P = np.asarray(P, dtype=float)[..., None]
        logn = np.log(n)
        if self.kind == "single":
            D, alpha = P[..., 0, :], P[..., 1, :]
            x = n ** (-alpha)
            return np.stack([x, -D * x * logn, np.ones_like(x)], axis=-1)
        delta, gamma, alpha, beta = (P[..., i, :] for i in range(4))
        x = n ** (-alpha)
        sb = s ** (-beta)
        f = delta * (gamma + x) * sb
        return np.stack([(gamma + x) * sb, delta * sb, -delta * x * logn * sb, -f * np.log(s)], axis=-1)

    def nonlinear_values(self, u: np.ndarray) -> dict[str, np.ndarray]:
        """Grid coordinates ``u (..., q)`` -> the non-linear parameters (pinned ones filled in)."""
        out = {}
        for j, p in enumerate(self.nonlinear):
            out[p] = from_coord(u[..., j], self.bounds[p])
        for p in NONLINEAR:
            if p in self.names and p in self.pin:
                out[p] = np.full(u.shape[:-1], self.pin[p])
        return out

    def block(self, nl: dict[str, np.ndarray], n: np.ndarray, s: np.ndarray | None):
        """The linear sub-problem at fixed non-linear values: offset, basis and feasible region.

        Returns ``(offset (..., m), phi (..., K, m), region)``: the law is
        ``offset + sum_k c_k * phi_k`` and ``region`` constrains ``c`` (``K`` is 0, 1 or 2).
        """
        pin, b = self.pin, self.bounds
        if self.kind == "single":
            x = n ** (-nl["alpha"][..., None])
            if "D" in pin and "C" in pin:
                return pin["D"] * x + pin["C"], np.zeros(x.shape[:-1] + (0,) + x.shape[-1:]), None
            if "D" in pin:
                return pin["D"] * x, np.ones_like(x)[..., None, :], b["C"]
            if "C" in pin:
                return np.full_like(x, pin["C"]), x[..., None, :], b["D"]
            phi = np.stack([x, np.ones_like(x)], axis=-2)
            return np.zeros_like(x), phi, _box(b["D"], b["C"])
        x = n ** (-nl["alpha"][..., None])
        sb = s ** (-nl["beta"][..., None])
        if "delta" in pin and "gamma" in pin:
            return pin["delta"] * (pin["gamma"] + x) * sb, np.zeros(x.shape[:-1] + (0,) + x.shape[-1:]), None
        if "delta" in pin:
            return pin["delta"] * x * sb, (pin["delta"] * sb)[..., None, :], b["gamma"]
        if "gamma" in pin:
            return np.zeros_like(x), ((pin["gamma"] + x) * sb)[..., None, :], b["delta"]
        # c1 = delta * gamma on s^-beta, c2 = delta on n^-alpha s^-beta: gamma's box becomes a cone.
        (dlo, dhi), (glo, ghi) = b["delta"], b["gamma"]
        verts = np.array([[glo * dlo, dlo], [ghi * dlo, dlo], [ghi * dhi, dhi], [glo * dhi, dhi]])
        return np.zeros_like(x), np.stack([sb, x * sb], axis=-2), _ccw(verts)

    def assemble(self, nl: dict[str, np.ndarray], c: np.ndarray) -> np.ndarray:
        """Full parameter vectors from non-linear values and linear coefficients ``c (..., K)``."""
        shape = c.shape[:-1]
        P = np.empty(shape + (len(self.names),))
        pin = self.pin
        if self.kind == "single":
            P[..., 1] = nl["alpha"]
            if "D" in pin and "C" in pin:
                P[..., 0], P[..., 2] = pin["D"], pin["C"]
            elif "D" in pin:
                P[..., 0], P[..., 2] = pin["D"], c[..., 0]
            elif "C" in pin:
                P[..., 0], P[..., 2] = c[..., 0], pin["C"]
            else:
                P[..., 0], P[..., 2] = c[..., 0], c[..., 1]
            return P
        P[..., 2], P[..., 3] = nl["alpha"], nl["beta"]
        if "delta" in pin and "gamma" in pin:
            P[..., 0], P[..., 1] = pin["delta"], pin["gamma"]
        elif "delta" in pin:
            P[..., 0], P[..., 1] = pin["delta"], c[..., 0]
        elif "gamma" in pin:
            P[..., 0], P[..., 1] = c[..., 0], pin["gamma"]
        else:
            delta = np.maximum(c[..., 1], TINY)
            P[..., 0], P[..., 1] = c[..., 1], np.clip(c[..., 0] / delta, *self.bounds["gamma"])
        return P

    def at_s(self, P: np.ndarray, s: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(D, alpha, C)`` of the law at one fine-tuning size (the single law ignores ``s``)."""
        P = np.asarray(P, dtype=float)
        if self.kind == "single":
            return P[..., 0], P[..., 1], P[..., 2]
        sb = s ** (-P[..., 3])
        return P[..., 0] * sb, P[..., 2], P[..., 0] * P[..., 1] * sb


def _box(b1: tuple[float, float], b2: tuple[float, float]) -> np.ndarray:
    """Vertices of a rectangle, counter-clockwise."""
    return np.array([[b1[0], b2[0]], [b1[1], b2[0]], [b1[1], b2[1]], [b1[0], b2[1]]], dtype=float)


def _ccw(v: np.ndarray) -> np.ndarray:
    """The polygon ``v`` in counter-clockwise order."""
    area = np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1])
    return v if area >= 0 else v[::-1].copy()


def log_coord(bounds: tuple[float, float]) -> bool:
    """Search a parameter on a log scale when its range is positive (exponents span decades)."""
    return bounds[0] > 0


def to_coord(v: np.ndarray | float, bounds: tuple[float, float]) -> np.ndarray:
    """Parameter value -> grid coordinate."""
    return np.log(v) if log_coord(bounds) else np.asarray(v, dtype=float)


def from_coord(u: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Grid coordinate -> parameter value."""
    return np.exp(u) if log_coord(bounds) else np.asarray(u, dtype=float)


def default_bounds(kind: str, y: np.ndarray) -> dict[str, tuple[float, float]]:
    """The default search box of a law for errors ``y`` (``C`` reaches at least the largest error).

    Args:
        kind: ``"single"`` or ``"joint"``.
        y: the errors to be fitted.

    Returns:
        ``{parameter: (low, high)}``.

    Example:
        >>> default_bounds("single", np.array([0.3, 0.2]))
        {'D': (0.0, 1000000.0), 'alpha': (0.01, 3.0), 'C': (0.0, 1.0)}
    """
    top = max(1.0, float(np.max(y)))
    if kind == "single":
        return {"D": (0.0, 1e6), "alpha": (0.01, 3.0), "C": (0.0, top)}
    return {"delta": (1e-9, 1e6), "gamma": (0.0, 1e6), "alpha": (0.01, 3.0), "beta": (0.0, 3.0)}


def resolve_bounds(kind: str, bounds: Mapping[str, Sequence[float]] | None, y: np.ndarray,
                   source: str | None) -> dict[str, tuple[float, float]]:
    """Default search box of a law, overridden by the user's bounds (validated)."""
    out = default_bounds(kind, y)
    for name, b in (bounds or {}).items():
        if name not in out:
            raise UserInputError(f"unknown parameter {name!r} in bounds; the {kind} law has {', '.join(out)}",
                                 file=source, key="bounds")
        try:
            lo, hi = (float(v) for v in b)
        except (TypeError, ValueError):
            raise UserInputError(f"bounds of {name!r} must be two numbers (low, high); found {b!r}",
                                 file=source, key="bounds") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise UserInputError(f"bounds of {name!r} must be finite with low < high; found ({lo:g}, {hi:g})",
                                 file=source, key="bounds")
        if lo < 0 or (name in ("delta",) and lo <= 0):
            raise UserInputError(f"{name} cannot be negative in this law; found lower bound {lo:g}",
                                 file=source, key="bounds")
        out[name] = (lo, hi)
    return out


def resolve_pin(kind: str, pin: Mapping[str, float] | None, source: str | None) -> dict[str, float]:
    """Validated pinned parameters."""
    names = SINGLE if kind == "single" else JOINT
    out = {}
    for name, v in (pin or {}).items():
        if name not in names:
            raise UserInputError(f"unknown parameter {name!r} to pin; the {kind} law has {', '.join(names)}",
                                 file=source, key="pin")
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise UserInputError(f"the pinned value of {name!r} must be a number; found {v!r}",
                                 file=source, key="pin") from None
        if not math.isfinite(v) or v < 0 or (name in ("delta", "alpha") and v <= 0):
            raise UserInputError(f"cannot pin {name} to {v:g}: it must be " +
                                 ("positive" if name in ("delta", "alpha") else "non-negative"),
                                 file=source, key="pin")
        out[name] = v
    if len(out) == len(names):
        raise UserInputError("every parameter is pinned; leave at least one free", file=source, key="pin")
    return out


def make_law(kind: str, y: np.ndarray, *, bounds: Mapping[str, Sequence[float]] | None = None,
             pin: Mapping[str, float] | None = None, source: str | None = None) -> Law:
    """A law with the default search box for errors ``y``, the user's bounds and pins applied.

    Args:
        kind: ``"single"`` or ``"joint"``.
        y: the errors to be fitted (they set the default upper bound of ``C``).
        bounds: search box overrides, e.g. ``{"alpha": (0.1, 1.5)}``.
        pin: parameters held fixed, e.g. ``{"D": 0.48}``.
        source: the file the errors came from, for messages.

    Returns:
        A :class:`Law`.

    Example:
        >>> make_law("single", np.array([0.2]), bounds={"C": (0, 0.5)}).bounds["C"]
        (0.0, 0.5)
    """
    bnds = resolve_bounds(kind, bounds, y, source)
    return Law(kind, bnds, resolve_pin(kind, pin, source))
