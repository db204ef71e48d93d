"""A tiny transition-table helper shared by every lifecycle (orders, session, workers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

from hantu.domain.errors import InvalidTransition

S = TypeVar("S")


class TransitionTable(Generic[S]):
    """The legal edges of a lifecycle; anything else raises `InvalidTransition`."""

    def __init__(self, subject: str, edges: Mapping[S, Iterable[S]]) -> None:
        self._subject = subject
        self._edges: dict[S, frozenset[S]] = {src: frozenset(dst) for src, dst in edges.items()}

    def allows(self, source: S, target: S) -> bool:
        return target in self._edges.get(source, frozenset())

    def check(self, source: S, target: S) -> S:
        """Return `target` if the edge exists, else raise naming both states."""
        if not self.allows(source, target):
            raise InvalidTransition(source, target, self._subject)
        return target

    def targets(self, source: S) -> frozenset[S]:
        return self._edges.get(source, frozenset())
