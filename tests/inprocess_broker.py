"""A hand-written broker behind the `Broker` port, living in the process.

It places orders in a small book and can be scripted, order by order, to accept, refuse the
way KIS does (code + Korean message), hang past the caller's timeout while still placing the
order (the ambiguous case), drop the request without placing it, or fill part of the order
at once. Fills it is told about become fill notices. Tests and benchmarks use it for the service
layer (it is no part of `src/`: the app always runs against the KIS adapter or simulator); the
KIS adapter and simulator replace it behind the same port.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from hantu.adapters.clock import SEOUL
from hantu.domain.enums import Side
from hantu.domain.reports import BrokerOrderReport, BrokerOrderState, FillNotice
from hantu.domain.values import (
    BrokerOrderId,
    FillId,
    Money,
    Price,
    Quantity,
    Symbol,
    round_to_tick,
)
from hantu.errors import BrokerRejected, BrokerUnavailable, UnknownSymbol
from hantu.service_layer.ports import (
    Balance,
    BrokerOrder,
    Clock,
    Holding,
    Quote,
)


@dataclass(frozen=True, slots=True)
class Accept:
    """Place the order; optionally fill `fill_quantity` of it at once."""

    fill_quantity: int = 0
    fill_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Refuse:
    """Answer no, as KIS does with rt_cd != "0"."""

    code: str = "APBK0919"  # KIS's answer to an order beyond the buying power
    message: str = "주문가능금액을 초과 했습니다"


@dataclass(frozen=True, slots=True)
class Hang:
    """Place the order, then never answer (until `release()`): the caller times out."""


@dataclass(frozen=True, slots=True)
class Drop:
    """Lose the request on the way: nothing is placed, the caller sees a dropped connection."""


@dataclass(frozen=True, slots=True)
class LoseAnswer:
    """Place the order, then drop the connection before the answer arrives."""


@dataclass(frozen=True, slots=True)
class Fail:
    """Raise an error the adapter never translated (a bug, an unforeseen answer)."""

    error: Exception


Reaction = Accept | Refuse | Hang | Drop | LoseAnswer | Fail


@dataclass
class _Entry:
    report_id: BrokerOrderId
    order: BrokerOrder
    ordered_at: datetime
    filled: Decimal = Decimal(0)
    fill_value: Decimal = Decimal(0)
    state: BrokerOrderState = BrokerOrderState.OPEN
    original: BrokerOrderId | None = None
    fills: int = 0

    def report(self) -> BrokerOrderReport:
        average = Price(self.fill_value / self.filled) if self.filled else None
        return BrokerOrderReport(
            broker_order_id=self.report_id,
            symbol=self.order.symbol,
            side=self.order.side,
            order_type=self.order.order_type,
            quantity=self.order.quantity,
            price=self.order.price,
            filled_quantity=Quantity(self.filled),
            average_fill_price=average,
            state=self.state,
            ordered_at=self.ordered_at,
            original_broker_order_id=self.original,
        )


@dataclass
class InProcessBroker:
    """A scriptable broker account; `reactions` are consumed one per `place_order` call."""

    clock: Clock
    cash: Money = Money(100_000_000)
    default_price: Price = Price(70_000)
    reactions: deque[Reaction] = field(default_factory=deque)
    place_calls: int = 0
    book: dict[BrokerOrderId, _Entry] = field(default_factory=dict)
    prices: dict[Symbol, Price] = field(default_factory=dict)
    quote_error: Exception | None = None
    unlisted: set[Symbol] = field(default_factory=set)
    ticks: dict[Symbol, Price] = field(default_factory=dict)  # e.g. an ETF's 5-won tick
    quote_calls: int = 0
    day_list_calls: int = 0
    # Shares held at the broker that no order here bought (bought in the HTS, say).
    outside: dict[Symbol, Holding] = field(default_factory=dict)
    balance_error: Exception | None = None
    balance_hangs: bool = False  # balance and buying power never answer (until `release()`)
    balance_calls: int = 0
    _next_id: int = 0
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _notices: asyncio.Queue[FillNotice] = field(default_factory=asyncio.Queue)

    def script(self, *reactions: Reaction) -> None:
        """Queue how the next `place_order` calls answer (then: accept)."""
        self.reactions.extend(reactions)

    def release(self) -> None:
        """Let every hanging `place_order` call return."""
        self._released.set()

    @property
    def placed(self) -> list[BrokerOrderReport]:
        return [e.report() for e in self.book.values() if e.original is None]

    async def place_order(self, order: BrokerOrder) -> BrokerOrderId:
        self.place_calls += 1
        reaction = self.reactions.popleft() if self.reactions else Accept()
        match reaction:
            case Refuse(code=code, message=message):
                raise BrokerRejected(message, code=code)
            case Drop():
                raise BrokerUnavailable("connection reset before the order reached KIS")
            case Fail(error=error):
                raise error
            case _:
                broker_id = self._enter(order)
        match reaction:
            case Accept(fill_quantity=quantity, fill_price=price) if quantity:
                self.fill(broker_id, quantity, price)
            case Hang():
                await self._released.wait()
            case LoseAnswer():
                raise BrokerUnavailable("connection lost after sending the order")
        return broker_id

    def _enter(self, order: BrokerOrder, original: BrokerOrderId | None = None) -> BrokerOrderId:
        self._next_id += 1
        broker_id = BrokerOrderId(f"{self._next_id:010d}")
        self.book[broker_id] = _Entry(broker_id, order, self.clock.now(), original=original)
        return broker_id

    def fill(
        self,
        broker_order_id: BrokerOrderId,
        quantity: int | Decimal,
        price: Decimal | None = None,
        *,
        notify: bool = True,
    ) -> FillNotice:
        """Execute part of an open order and (unless told not to) publish a fill notice."""
        entry = self.book[broker_order_id]
        quantity = Decimal(quantity)
        if (
            entry.state is not BrokerOrderState.OPEN
            or entry.filled + quantity > entry.order.quantity
        ):
            raise ValueError(f"cannot fill {quantity} of {broker_order_id} ({entry.state})")
        fill_price = Price(
            price if price is not None else (entry.order.price or self.default_price)
        )
        entry.filled += quantity
        entry.fill_value += fill_price * quantity
        entry.fills += 1
        if entry.filled == entry.order.quantity:
            entry.state = BrokerOrderState.FILLED
        notice = FillNotice(
            broker_order_id=broker_order_id,
            fill_id=FillId(f"{broker_order_id}-{entry.fills}"),
            symbol=entry.order.symbol,
            side=entry.order.side,
            quantity=Quantity(quantity),
            price=fill_price,
            filled_at=self.clock.now(),
        )
        if notify:
            self._notices.put_nowait(notice)
        return notice

    def cancel_at_broker(self, broker_order_id: BrokerOrderId) -> None:
        """Cancel an order on the broker's side (as a human in the HTS would)."""
        self.book[broker_order_id].state = BrokerOrderState.CANCELED

    async def cancel_order(
        self, broker_order_id: BrokerOrderId, symbol: Symbol, quantity: Quantity | None = None
    ) -> BrokerOrderId:
        entry = self.book.get(broker_order_id)
        if entry is None or entry.order.symbol != symbol:
            raise BrokerRejected("정정/취소할 주문이 없습니다", code="40330000")
        if entry.state is not BrokerOrderState.OPEN:
            raise BrokerRejected("이미 체결된 주문입니다", code="40050000")
        entry.state = BrokerOrderState.CANCELED
        # KIS answers a cancel (TTTC0013U) with a new order number pointing back to the original;
        # the codes are KIS paper's "nothing to cancel" (40330000) and "already filled" (40050000).
        return self._enter(entry.order, original=broker_order_id)

    async def orders_of_day(self, day: date | None = None) -> list[BrokerOrderReport]:
        self.day_list_calls += 1
        day = day or self.clock.now().astimezone(SEOUL).date()
        reports = (e.report() for e in self.book.values())
        return [r for r in reports if r.ordered_at.astimezone(SEOUL).date() == day]

    async def balance(self) -> Balance:
        await self._balance_reaction()
        bought: dict[Symbol, tuple[Decimal, Decimal]] = {
            s: (Decimal(h.quantity), h.average_price * h.quantity) for s, h in self.outside.items()
        }
        sold: dict[Symbol, Decimal] = {}
        cash = Decimal(self.cash)
        for entry in self.book.values():
            if entry.original is not None or not entry.filled:
                continue
            symbol = entry.order.symbol
            if entry.order.side is Side.BUY:
                quantity, cost = bought.get(symbol, (Decimal(0), Decimal(0)))
                bought[symbol] = (quantity + entry.filled, cost + entry.fill_value)
                cash -= entry.fill_value
            else:
                sold[symbol] = sold.get(symbol, Decimal(0)) + entry.filled
                cash += entry.fill_value
        holdings = [
            Holding(
                symbol,
                Quantity(q - sold.get(symbol, 0)),
                Price(c / q),
                self.prices.get(symbol, self.default_price),
            )
            for symbol, (q, c) in bought.items()
            if q > sold.get(symbol, 0)
        ]
        stocks = sum((h.quantity * (h.current_price or 0) for h in holdings), Decimal(0))
        return Balance(
            cash=Money(cash),
            holdings=holdings,
            deposit=Money(cash),
            stock_value=Money(stocks),
            total_value=Money(cash + stocks),
        )

    async def buying_power(self) -> Money:
        await self._balance_reaction()
        return (await self.balance()).cash

    async def _balance_reaction(self) -> None:
        self.balance_calls += 1
        if self.balance_error is not None:
            raise self.balance_error
        if self.balance_hangs:
            await self._released.wait()

    async def quote(self, symbol: Symbol) -> Quote:
        self.quote_calls += 1
        if self.quote_error is not None:
            raise self.quote_error
        if symbol in self.unlisted:
            raise UnknownSymbol(f"no listed symbol {symbol}", code="EMPTY")
        price = self.prices.get(symbol, self.default_price)
        upper = round_to_tick(price * Decimal("1.3"))
        return Quote(symbol=symbol, price=price, upper_limit=upper, tick=self.ticks.get(symbol))

    async def fill_notices(self) -> AsyncIterator[FillNotice]:
        while True:
            yield await self._notices.get()
