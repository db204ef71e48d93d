"""The trader's view of each broker account: hantu's positions valued at the last price,
realized PnL, the broker's cash figures, and both sides of every holding.

Broker reads are bounded by one time box per broker account and run concurrently across
accounts; a broker that does not answer leaves its figures out (with why), never the page.
Prices come from the broker's balance (one request values every listed holding) and, for a
position the balance does not list, from a quote; both are kept a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from hantu.domain.accounts import BrokerAccount, StrategyAccountView
from hantu.domain.errors import HantuError
from hantu.domain.masking import mask
from hantu.domain.position import Position
from hantu.domain.valuation import Held, Mark, SideBySide, combine, mark, side_by_side
from hantu.domain.values import Money, Price, StrategyAccountId, Symbol
from hantu.service_layer.deps import Deps
from hantu.service_layer.ports import Balance, Broker
from hantu.service_layer.quote_board import QuoteBoard

log = logging.getLogger(__name__)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SNAPSHOT_TTL = 2.0  # the balance changes with every fill: keep it shorter than quotes


class BrokerStatus(StrEnum):
    OK = "ok"
    NO_ANSWER = "no_answer"  # did not answer within the time box
    ERROR = "error"  # answered with an error, or could not be reached
    NOT_LINKED = "not_linked"  # no strategy trades through it: nothing to ask it through


class PriceSource(StrEnum):
    BALANCE = "balance"
    QUOTE = "quote"
    NONE = "none"  # 시세 없음


@dataclass(frozen=True, slots=True)
class PositionValue:
    position: Position
    mark: Mark | None  # None: no price within the time box
    source: PriceSource


@dataclass(frozen=True, slots=True)
class StrategyAccountValue:
    view: StrategyAccountView
    positions: Sequence[PositionValue]
    realized_today: Money
    realized_total: Money


@dataclass(frozen=True, slots=True)
class BrokerFigures:
    balance: Balance
    buying_power: Money | None  # None: inquire-psbl-order failed while the balance came


@dataclass(frozen=True, slots=True)
class AccountValue:
    """One broker account, grouped with the strategy accounts that trade through it."""

    account: BrokerAccount
    strategies: Sequence[StrategyAccountValue]
    status: BrokerStatus
    figures: BrokerFigures | None
    holdings: Sequence[SideBySide]  # empty unless the broker answered

    @property
    def differences(self) -> list[SideBySide]:
        return [row for row in self.holdings if row.difference is not None]

    def totals(self) -> tuple[Money, Money, Money]:
        """Cost, market value and unrealized PnL of the positions that have a price."""
        marked = [(v.position, v.mark) for s in self.strategies for v in s.positions if v.mark]
        cost = sum((p.cost_basis for p, _ in marked), Decimal(0))
        value = sum((m.market_value for _, m in marked), Decimal(0))
        return Money(cost), Money(value), Money(value - cost)


@dataclass(frozen=True, slots=True)
class TraderView:
    accounts: Sequence[AccountValue]

    @property
    def symbols(self) -> set[Symbol]:
        seen = {v.position.symbol for a in self.accounts for s in a.strategies for v in s.positions}
        return seen | {row.symbol for a in self.accounts for row in a.holdings}


async def trader_view(
    deps: Deps,
    board: QuoteBoard,
    strategy_accounts: Sequence[StrategyAccountView],
    broker_accounts: Sequence[BrokerAccount],
    *,
    time_box: float,
    symbols: frozenset[Symbol] | None = None,
) -> TraderView:
    """Value the user's positions per broker account and set them beside the broker's;
    with `symbols`, only those symbols' positions and holdings (a filter)."""
    ids = [v.id for v in strategy_accounts]
    positions, realized = await _stored(deps, ids)
    by_account: dict[int, list[StrategyAccountView]] = {}
    for view in strategy_accounts:
        by_account.setdefault(int(view.broker_account_id), []).append(view)
    tasks = [
        _account_value(
            deps,
            board,
            account,
            by_account.get(int(account.id), []),
            positions,
            realized,
            time_box,
            symbols,
        )
        for account in broker_accounts
    ]
    return TraderView(accounts=await asyncio.gather(*tasks))


async def _stored(
    deps: Deps, ids: Sequence[StrategyAccountId]
) -> tuple[list[Position], dict[StrategyAccountId, tuple[Money, Money]]]:
    today = deps.trading_day_start()
    async with deps.uow(read_only=True) as uow:
        positions = await uow.positions.open_positions(ids)
        realized = {
            i: (
                await uow.fills.realized_pnl_since(i, today),
                await uow.fills.realized_pnl_since(i, _EPOCH),
            )
            for i in ids
        }
    return positions, realized


async def _account_value(
    deps: Deps,
    board: QuoteBoard,
    account: BrokerAccount,
    views: Sequence[StrategyAccountView],
    positions: Iterable[Position],
    realized: dict[StrategyAccountId, tuple[Money, Money]],
    time_box: float,
    symbols: frozenset[Symbol] | None = None,
) -> AccountValue:
    ours = [p for p in positions if p.strategy_account_id in {v.id for v in views}]
    deadline = time.monotonic() + time_box
    status, figures, broker = BrokerStatus.NOT_LINKED, None, None
    if views:
        # Keyed by hantu's holdings too: once a fill moves them, the broker is asked afresh,
        # so a kept balance never shows a difference that the fill already settled.
        held = tuple(sorted((p.symbol.code, str(p.quantity)) for p in ours))
        key = ("snapshot", int(account.id), held)
        status, figures, broker = await _figures(deps, board, key, views[0], time_box)
    shown = ours if symbols is None else [p for p in ours if p.symbol in symbols]
    prices = await _prices(deps, board, account, broker, figures, shown, deadline)
    strategies = [
        StrategyAccountValue(
            view=view,
            positions=[_valued(p, prices) for p in shown if p.strategy_account_id == view.id],
            realized_today=realized.get(view.id, (Money(0), Money(0)))[0],
            realized_total=realized.get(view.id, (Money(0), Money(0)))[1],
        )
        for view in views
    ]
    holdings: list[SideBySide] = []
    if figures is not None:
        hantu = combine(Held(p.symbol, p.quantity, p.average_price) for p in ours)
        broker_side = [
            Held(h.symbol, h.quantity, h.average_price) for h in figures.balance.holdings
        ]
        holdings = side_by_side(hantu, broker_side)
        if symbols is not None:
            holdings = [row for row in holdings if row.symbol in symbols]
    return AccountValue(account, strategies, status, figures, holdings)


async def _figures(
    deps: Deps,
    board: QuoteBoard,
    key: tuple[object, ...],
    view: StrategyAccountView,
    time_box: float,
) -> tuple[BrokerStatus, BrokerFigures | None, Broker | None]:
    account = view.broker_account_id
    try:
        broker = await asyncio.wait_for(deps.brokers.broker_for(int(view.id)), time_box)
        fetch = lambda: _snapshot(broker)  # noqa: E731 - `broker` is bound just above
        found = await board.read(key, fetch, deps.clock, time_box, ttl=SNAPSHOT_TTL)
    except TimeoutError:
        log.warning("broker account %s did not answer within %.1f s", account, time_box)
        return BrokerStatus.NO_ANSWER, None, None
    except HantuError as exc:
        log.warning("broker account %s: balance failed: %s", account, mask(str(exc)))
        return BrokerStatus.ERROR, None, None
    return BrokerStatus.OK, found, broker


async def _snapshot(broker: Broker) -> BrokerFigures:
    balance, power = await asyncio.gather(
        broker.balance(), broker.buying_power(), return_exceptions=True
    )
    if isinstance(balance, BaseException):
        raise balance
    if isinstance(power, HantuError):
        log.warning("buying power failed: %s", mask(str(power)))
        return BrokerFigures(balance=balance, buying_power=None)
    if isinstance(power, BaseException):
        raise power
    return BrokerFigures(balance=balance, buying_power=power)


async def _prices(
    deps: Deps,
    board: QuoteBoard,
    account: BrokerAccount,
    broker: Broker | None,
    figures: BrokerFigures | None,
    positions: Sequence[Position],
    deadline: float,
) -> dict[Symbol, tuple[Price, PriceSource]]:
    prices: dict[Symbol, tuple[Price, PriceSource]] = {}
    if figures is not None:
        for h in figures.balance.holdings:
            if h.current_price is not None and h.current_price > 0:
                prices[h.symbol] = (h.current_price, PriceSource.BALANCE)
    wanted = sorted({p.symbol for p in positions} - prices.keys())
    if broker is None or not wanted:
        return prices
    left = deadline - time.monotonic()
    quotes = await asyncio.gather(
        *(_quote(deps, board, account, broker, s, left) for s in wanted), return_exceptions=True
    )
    for symbol, quote in zip(wanted, quotes, strict=True):
        if isinstance(quote, Price):
            prices[symbol] = (quote, PriceSource.QUOTE)
        elif isinstance(quote, BaseException) and not isinstance(quote, HantuError | TimeoutError):
            raise quote
    return prices


async def _quote(
    deps: Deps,
    board: QuoteBoard,
    account: BrokerAccount,
    broker: Broker,
    symbol: Symbol,
    left: float,
) -> Price:
    async def fetch() -> Price:
        return (await broker.quote(symbol)).price

    return await board.read(("quote", int(account.id), symbol), fetch, deps.clock, left)


def _valued(position: Position, prices: dict[Symbol, tuple[Price, PriceSource]]) -> PositionValue:
    found = prices.get(position.symbol)
    if found is None:
        return PositionValue(position, None, PriceSource.NONE)
    price, source = found
    return PositionValue(position, mark(position.quantity, position.average_price, price), source)
