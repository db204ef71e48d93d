"""The aggregates one unit of work handed out, each with the row values it was read with.

A repository hands out one object per key (a second read returns the same object, changes
and all) and, at commit, writes only those whose values moved since they were read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
A = TypeVar("A")

Values = dict[str, Any]


class IdentityMap(Generic[K, A]):
    """Tracked aggregates by key; `values(aggregate)` is what its row would hold now."""

    def __init__(self, values: Callable[[A], Values]) -> None:
        self._values = values
        self._entries: dict[K, tuple[A, Values]] = {}

    def get(self, key: K) -> A | None:
        entry = self._entries.get(key)
        return None if entry is None else entry[0]

    def remember(self, key: K, aggregate: A, stored: Values | None = None) -> A:
        """Track an aggregate as its row holds it (`stored`, else its values now)."""
        self._entries[key] = (aggregate, self._values(aggregate) if stored is None else stored)
        return aggregate

    def changed(self) -> list[tuple[K, A, Values, Values]]:
        """(key, aggregate, stored, now) for every aggregate whose values moved."""
        moved = []
        for key, (aggregate, stored) in self._entries.items():
            now = self._values(aggregate)
            if now != stored:
                moved.append((key, aggregate, stored, now))
        return moved

    def __iter__(self) -> Iterator[A]:
        return iter([aggregate for aggregate, _ in self._entries.values()])
