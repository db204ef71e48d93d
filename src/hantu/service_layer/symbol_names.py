"""Symbol names beside codes (삼성전자 005930): the port every page and message reads.

Names come from the broker and are cached; until a name is known a symbol shows as its code
alone, never twice. `NoNames` is the stand-in while no directory is wired.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from hantu.domain.values import Symbol


class SymbolNames(Protocol):
    async def names(self, symbols: Iterable[Symbol]) -> Mapping[Symbol, str]:
        """The known names of `symbols`; a symbol without a name is left out."""
        ...

    async def resolve(self, text: str) -> list[Symbol]:
        """The symbols a filter's text means: a code, or (part of) a name."""
        ...


class NoNames:
    """Knows no names: every symbol shows as its code; a filter matches codes only."""

    async def names(self, symbols: Iterable[Symbol]) -> Mapping[Symbol, str]:
        return {}

    async def resolve(self, text: str) -> list[Symbol]:
        try:
            return [Symbol(text.strip())]
        except ValueError:
            return []


def symbol_label(code: object, names: Mapping[Symbol, str] | None) -> str:
    """`삼성전자 005930` when the name is known, else the code alone."""
    text = str(code)
    if not names:
        return text
    try:
        name = names.get(Symbol(text))
    except ValueError:
        return text
    return f"{name} {text}" if name else text
