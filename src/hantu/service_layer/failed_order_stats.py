"""Failed-order statistics (spec 001, Phase 9): counts by symbol and by reason, and how often
a retry got the order through.

The retry success rate is resolved ÷ retried: of the failed orders sent again at least once,
the share a retry placed (a failed order is resolved only by an accepted retry). It is `None`
while nothing was retried, rather than a 0 % that would read as "every retry failed".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from hantu.service_layer.deps import Deps
from hantu.service_layer.ports import FailedOrderFilter, FailedOrderGroup


@dataclass(frozen=True, slots=True)
class StatLine:
    key: str  # a symbol code, a reason, or "" for the total
    count: int
    retried: int
    resolved: int

    @property
    def success_rate(self) -> Decimal | None:
        """Resolved ÷ retried, or None when nothing was retried."""
        return None if self.retried == 0 else Decimal(self.resolved) / Decimal(self.retried)


@dataclass(frozen=True, slots=True)
class FailedOrderStats:
    total: StatLine
    by_symbol: list[StatLine]
    by_reason: list[StatLine]


def fold(groups: Iterable[FailedOrderGroup]) -> FailedOrderStats:
    """Sum (symbol, reason) groups into per-symbol and per-reason lines, most frequent first."""
    rows = list(groups)
    return FailedOrderStats(
        total=_line("", rows),
        by_symbol=_by(rows, lambda g: g.symbol.code),
        by_reason=_by(rows, lambda g: g.reason),
    )


def _by(rows: list[FailedOrderGroup], key: Callable[[FailedOrderGroup], str]) -> list[StatLine]:
    keys: dict[str, list[FailedOrderGroup]] = {}
    for row in rows:
        keys.setdefault(key(row), []).append(row)
    lines = [_line(k, members) for k, members in keys.items()]
    return sorted(lines, key=lambda line: (-line.count, line.key))


def _line(key: str, rows: list[FailedOrderGroup]) -> StatLine:
    return StatLine(
        key=key,
        count=sum(r.count for r in rows),
        retried=sum(r.retried for r in rows),
        resolved=sum(r.resolved for r in rows),
    )


async def failed_order_stats(deps: Deps, query: FailedOrderFilter) -> FailedOrderStats:
    """Statistics of the failed orders the filter selects (limit and offset do not apply)."""
    async with deps.uow(read_only=True) as uow:
        return fold(await uow.failed_orders.groups(query))
