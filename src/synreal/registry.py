"""One plugin mechanism for tasks, datasets, sources, learners, conditions and retrievers.

A registry maps a name to a factory. ``register`` is a decorator; registering a name twice
warns and keeps the newest, ``names()`` lists what is available, ``get`` raises a
``UserInputError`` that lists the alternatives when a spec names something unknown.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from synreal.errors import UserInputError

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of plugins of one kind.

    Args:
        kind: what the registry holds, used in messages ("learner", "synthetic source").

    Example:
        >>> learners = Registry("learner")
        >>> @learners.register("tiny")
        ... def make_tiny(): return "model"
        >>> learners.get("tiny")()
        'model'
        >>> learners.names()
        ['tiny']
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._docs: dict[str, str] = {}

    def register(self, name: str, doc: str | None = None) -> Callable[[T], T]:
        """Decorator that records ``obj`` under ``name``."""

        def deco(obj: T) -> T:
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

    def describe(self) -> dict[str, str]:
        """Name -> one-line description, for ``synreal list``."""
        return {n: self._docs.get(n, "") for n in self.names()}

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)
