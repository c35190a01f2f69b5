"""One plugin mechanism for tasks, datasets, sources, learners, conditions, executors and more.

A registry maps a name to a plugin and declares the contract its plugins implement: a base
class (``interface=``: a registered class must subclass it and leave nothing abstract), or a
set of checks (``contract=``: attributes of given types, a call signature). The contract is
checked when a plugin registers, so a broken plugin fails at import with a message naming
what it lacks, not in the middle of a study. Registering a name twice warns and keeps the
newest; ``names()`` lists what is available; ``get`` raises a ``UserInputError`` that lists
the alternatives when a spec names something unknown. ``REGISTRIES`` holds every registry,
so ``synreal list`` and the conformance tests reach all of them.
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from synreal.errors import UserInputError

T = TypeVar("T")
Check = Callable[[Any], None]


class Registry(Generic[T]):
    """A named collection of plugins of one kind.

    Args:
        kind: what the registry holds, used in messages ("learner", "synthetic source").
        interface: a base class every registered class must subclass (concretely).
        contract: further checks, each raising ``TypeError`` with what a plugin lacks.
        listed: add the registry to ``REGISTRIES`` (a second listed registry of the same kind
            is a bug and raises); ``False`` for a private one.

    Example:
        >>> learners = Registry("learner", contract=[has_attrs(Config=type)], listed=False)
        >>> @learners.register("tiny")
        ... class Tiny:
        ...     Config = dict
        >>> learners.get("tiny").__name__, learners.names()
        ('Tiny', ['tiny'])
        >>> learners.register("broken")(object)
        Traceback (most recent call last):
        ...
        TypeError: learner 'broken' (object) does not implement the learner contract: it has no attribute 'Config'
    """

    def __init__(self, kind: str, *, interface: type | None = None, contract: list[Check] | None = None,
                 listed: bool = True) -> None:
        self.kind = kind
        self.interface = interface
        self.contract = list(contract or [])
        self._items: dict[str, T] = {}
        self._docs: dict[str, str] = {}
        if listed:
            if kind in REGISTRIES:
                raise ValueError(f"a {kind} registry already exists; use it instead of a second one")
            REGISTRIES[kind] = self

    def check(self, name: str, obj: Any) -> None:
        """Raise ``TypeError`` when ``obj`` does not implement this registry's contract."""
        what = getattr(obj, "__name__", type(obj).__name__)
        try:
            if self.interface is not None:
                if not (inspect.isclass(obj) and issubclass(obj, self.interface)):
                    raise TypeError(f"it is not a subclass of {self.interface.__name__}")
                if inspect.isabstract(obj):
                    missing = ", ".join(sorted(getattr(obj, "__abstractmethods__", ())))
                    raise TypeError(f"it leaves abstract: {missing}")
            for rule in self.contract:
                rule(obj)
        except TypeError as exc:
            raise TypeError(f"{self.kind} {name!r} ({what}) does not implement the {self.kind} contract: {exc}") from None

    def register(self, name: str, doc: str | None = None) -> Callable[[T], T]:
        """Decorator that checks ``obj`` against the contract and records it under ``name``."""

        def deco(obj: T) -> T:
            self.check(name, obj)
            if name in self._items and self._items[name] is not obj:
                warnings.warn(f"{self.kind} {name!r} registered twice; the newest wins", stacklevel=2)
            self._items[name] = obj
            text = doc or (getattr(obj, "__doc__", None) or "").strip().splitlines()
            self._docs[name] = text if isinstance(text, str) else (text[0] if text else "")
            return obj

        return deco

    def get(self, name: str, *, file: str | None = None, key: str | None = None) -> T:
        """The plugin called ``name``; a ``UserInputError`` naming the alternatives if none."""
        try:
            return self._items[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._items, n=1)
            hint = f"did you mean {close[0]!r}?" if close else None
            raise UserInputError(
                f"unknown {self.kind} {name!r}; registered: {', '.join(sorted(self._items))}",
                file=file,
                key=key,
                hint=hint,
            ) from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        """(name, plugin) pairs, sorted by name."""
        return [(n, self._items[n]) for n in self.names()]

    def describe(self) -> dict[str, str]:
        """Name -> one-line description, for ``synreal list``."""
        return {n: self._docs.get(n, "") for n in self.names()}

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)


REGISTRIES: dict[str, Registry[Any]] = {}
"""Every registry by kind, in the order they were created."""


def has_attrs(**types: type | tuple[type, ...]) -> Check:
    """A contract rule: the plugin has these attributes, each an instance (or subclass) of the type.

    ``has_attrs(Config=BaseModel)`` asks for a class attribute ``Config`` that subclasses
    ``BaseModel``; ``has_attrs(accepts=str)`` for a string attribute.

    Example:
        >>> has_attrs(name=str)(type("P", (), {"name": "x"}))
    """

    def rule(obj: Any) -> None:
        for attr, typ in types.items():
            if not hasattr(obj, attr):
                raise TypeError(f"it has no attribute {attr!r}")
            value = getattr(obj, attr)
            ok = (inspect.isclass(value) and issubclass(value, typ)) or isinstance(value, typ)
            if not ok:
                raise TypeError(f"its {attr!r} is {value!r}, expected {getattr(typ, '__name__', typ)}")

    return rule


def callable_with(*params: str) -> Check:
    """A contract rule: the plugin is callable and accepts these parameter names.

    Example:
        >>> callable_with("path", "key")(lambda path, *, key=None: None)
    """

    def rule(obj: Any) -> None:
        if not callable(obj):
            raise TypeError("it is not callable")
        sig = inspect.signature(obj)
        has_kwargs = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
        missing = [p for p in params if p not in sig.parameters and not has_kwargs]
        if missing:
            raise TypeError(f"it does not accept {', '.join(missing)}")

    return rule


def has_methods(*names: str) -> Check:
    """A contract rule: the plugin has these callable attributes.

    Example:
        >>> has_methods("build")(type("L", (), {"build": classmethod(lambda cls: None)}))
    """

    def rule(obj: Any) -> None:
        for name in names:
            if not callable(getattr(obj, name, None)):
                raise TypeError(f"it has no method {name!r}")

    return rule


def one_of(attr: str, allowed: tuple[Any, ...]) -> Check:
    """A contract rule: a declared capability takes one of the allowed values.

    Example:
        >>> one_of("accepts", ("images", "features"))(type("L", (), {"accepts": "images"}))
    """

    def rule(obj: Any) -> None:
        value = getattr(obj, attr, None)
        if value not in allowed:
            raise TypeError(f"its {attr!r} is {value!r}, expected one of {allowed}")

    return rule
