"""Ports: what the service layer needs from the outside world, as `typing.Protocol`s."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, Self

from hantu.domain.enums import OrderType, Side
from hantu.domain.values import BrokerOrderId, FillId, Money, Price, Quantity, Symbol


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware current time (UTC)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


# --- broker -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrokerOrder:
    """An order as sent to the broker; KIS orders carry no client id."""

    symbol: Symbol
    side: Side
    order_type: OrderType
    quantity: Quantity
    price: Price | None


class BrokerOrderState(StrEnum):
    OPEN = "OPEN"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class BrokerOrderReport:
    """One row of the broker's orders of the day."""

    broker_order_id: BrokerOrderId
    symbol: Symbol
    side: Side
    order_type: OrderType
    quantity: Quantity
    price: Price | None
    filled_quantity: Quantity
    average_fill_price: Price | None
    state: BrokerOrderState
    ordered_at: datetime
    original_broker_order_id: BrokerOrderId | None = None


@dataclass(frozen=True, slots=True)
class FillNotice:
    """A broker execution notice (KIS H0STCNI0/9 with the fill flag set)."""

    broker_order_id: BrokerOrderId
    fill_id: FillId
    symbol: Symbol
    side: Side
    quantity: Quantity
    price: Price
    filled_at: datetime


@dataclass(frozen=True, slots=True)
class Holding:
    symbol: Symbol
    quantity: Quantity
    average_price: Price


@dataclass(frozen=True, slots=True)
class Balance:
    cash: Money
    holdings: Sequence[Holding]


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: Symbol
    price: Price
    upper_limit: Price | None = None
    lower_limit: Price | None = None


class Broker(Protocol):
    """One brokerage account. Raises only the `BrokerError` tree of `hantu.errors`.

    `place_order` is never retried by the adapter after the request may have left: a timeout
    or a dropped connection then raises `BrokerUnavailable` and the caller reconciles.
    """

    async def place_order(self, order: BrokerOrder) -> BrokerOrderId: ...

    async def cancel_order(
        self, broker_order_id: BrokerOrderId, symbol: Symbol, quantity: Quantity | None = None
    ) -> BrokerOrderId: ...

    async def orders_of_day(self, day: date | None = None) -> list[BrokerOrderReport]: ...

    async def balance(self) -> Balance: ...

    async def quote(self, symbol: Symbol) -> Quote: ...

    def fill_notices(self) -> AsyncIterator[FillNotice]: ...


class BrokerDirectory(Protocol):
    """Finds the broker account a strategy account trades through."""

    async def broker_for(self, strategy_account_id: int) -> Broker: ...


# --- storage ------------------------------------------------------------------------------


class UnitOfWork(Protocol):
    """One transaction per use case; `commit` persists aggregates and their events."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Tick:
    """A realtime trade print (KIS H0STCNT0), typed."""

    symbol: Symbol
    price: Price
    volume: Quantity
    at: datetime
    cumulative_volume: Decimal | None = None
