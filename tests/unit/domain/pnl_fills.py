"""A PnL fill builder shared by the PnL example and property tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hantu.domain.enums import Side
from hantu.domain.pnl import SEOUL, PnlFill
from hantu.domain.values import Symbol

MONDAY = date(2026, 11, 16)


def at(day: int, minute: int = 0) -> datetime:
    """A time on the `day`-th trading day from MONDAY (0 based), 09:00 Seoul + minutes."""
    local = datetime.combine(MONDAY + timedelta(days=day), time(9, 0), tzinfo=SEOUL)
    return (local + timedelta(minutes=minute)).astimezone(UTC)


def a_pnl_fill(
    side: Side,
    quantity: int,
    price: int | str,
    *,
    day: int = 0,
    minute: int = 0,
    symbol: str = "005930",
    strategy: int = 1,
    account: int = 1,
    fee: int | str = 0,
    fill_id: str = "",
) -> PnlFill:
    return PnlFill(
        strategy=strategy,
        account=account,
        symbol=Symbol(symbol),
        side=side,
        quantity=Decimal(quantity),
        price=Decimal(price),
        filled_at=at(day, minute),
        fee=Decimal(fee),
        fill_id=fill_id or f"{strategy}-{account}-{symbol}-{day}-{minute}-{side.value}",
    )
