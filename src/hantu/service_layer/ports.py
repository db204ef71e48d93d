"""Ports: what the service layer needs from the outside world, as `typing.Protocol`s."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, Self

from hantu.domain.enums import FailedOrderStatus, OrderStatus, OrderType, Side
from hantu.domain.errors import HantuError
from hantu.domain.events import Event
from hantu.domain.failed_order import FailedOrder
from hantu.domain.order import Order
from hantu.domain.position import Position
from hantu.domain.reports import BrokerOrderReport, FillNotice
from hantu.domain.risk import AccountRules, RiskSnapshot, SellCapacity
from hantu.domain.values import (
    BrokerOrderId,
    FillId,
    Money,
    OrderId,
    Price,
    Quantity,
    StrategyAccountId,
    Symbol,
)
from hantu.service_layer.history_ports import OrderHistoryReader

if TYPE_CHECKING:  # the PnL store's module uses these ports itself
    from hantu.service_layer.pnl_folding import PnlDayStore


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


@dataclass(frozen=True, slots=True)
class Holding:
    symbol: Symbol
    quantity: Quantity
    average_price: Price
    current_price: Price | None = None  # the broker's last price in the balance (KIS `prpr`)


@dataclass(frozen=True, slots=True)
class Balance:
    """Cash and holdings; the summary figures are None where a broker reports none."""

    cash: Money
    holdings: Sequence[Holding]
    deposit: Money | None = None  # 예수금 (KIS dnca_tot_amt)
    stock_value: Money | None = None  # 유가평가금액 (scts_evlu_amt)
    total_value: Money | None = None  # 총평가금액 (tot_evlu_amt)
    purchase_total: Money | None = None  # 매입금액합계 (pchs_amt_smtl_amt)
    evaluation_pnl: Money | None = None  # 평가손익합계 (evlu_pfls_smtl_amt)


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: Symbol
    price: Price
    upper_limit: Price | None = None
    lower_limit: Price | None = None
    tick: Price | None = None
    """The symbol's own tick (KIS `aspr_unit`); ETFs and ETNs differ from the stock table."""
    halted: bool = False
    """Trading is halted (KIS `temp_stop_yn` Y): a polled price must not sell, as a halt frame."""
    vi_active: bool = False
    """A VI is on (KIS `vi_cls_code` other than N): matching is a single-price auction."""


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

    async def buying_power(self) -> Money:
        """Cash an order may spend now (주문가능금액; KIS inquire-psbl-order ord_psbl_cash)."""
        ...

    def fill_notices(self) -> AsyncIterator[FillNotice]: ...


class BrokerDirectory(Protocol):
    """Finds the broker account a strategy account trades through."""

    async def broker_for(self, strategy_account_id: int) -> Broker: ...

    async def account_of(self, strategy_account_id: int) -> str:
        """A stable name of that broker account: its order numbers are claimed under it."""
        ...


# How directories name broker accounts (the claims of migration 0004 use the same names).
DEFAULT_BROKER_ACCOUNT = "default"  # the one broker the settings configure


def stored_broker_account(broker_account_id: int) -> str:
    """The name of a broker account stored in the accounts tables."""
    return f"broker_account:{broker_account_id}"


# --- storage ------------------------------------------------------------------------------


class UnitOfWork(Protocol):
    """One transaction per use case; `commit` persists aggregates and their events."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Tick:
    """A realtime trade print (KIS H0STCNT0), typed."""

    symbol: Symbol
    price: Price
    volume: Quantity
    at: datetime
    cumulative_volume: Decimal | None = None


# --- repositories and the pipeline's unit of work ----------------------------------------


class ConcurrentUpdate(HantuError):
    """Another transaction changed the row first (optimistic version check); redo the use case."""


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One stored execution; `order_id` is None while no order of ours claims its broker id.

    KIS order numbers are unique per broker account and trading day only, so the fill keeps
    the account it came from; its Seoul day is that of `filled_at`.
    """

    fill_id: FillId
    broker_order_id: BrokerOrderId
    broker_account: str
    symbol: Symbol
    side: Side
    quantity: Quantity
    price: Price
    filled_at: datetime
    order_id: OrderId | None = None
    strategy_account_id: StrategyAccountId | None = None
    realized_pnl: Money | None = None


@dataclass(frozen=True, slots=True)
class FailedOrderFilter:
    """Filters of the failed-order list; `status=None` means every status but removed, unless
    `include_removed`. `symbols` is any of several (a name filter may match more than one);
    `created_from` is inclusive and `created_before` exclusive (e.g. Seoul day bounds)."""

    strategy_account_id: StrategyAccountId | None = None
    strategy_account_ids: frozenset[StrategyAccountId] | None = None  # e.g. one user's accounts
    symbol: Symbol | None = None
    status: FailedOrderStatus | None = FailedOrderStatus.PENDING_RETRY
    limit: int = 100
    offset: int = 0
    symbols: frozenset[Symbol] | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    include_removed: bool = False


@dataclass(frozen=True, slots=True)
class FailedOrderGroup:
    """How many failed orders share one symbol and reason; how many were retried and how many
    of those a retry resolved (for the statistics)."""

    symbol: Symbol
    reason: str
    count: int
    retried: int
    resolved: int


class OrderRepository(Protocol):
    async def add(self, order: Order) -> bool:
        """Insert a new order; False (nothing written) when its idempotency key exists."""
        ...

    def attach(self, order: Order) -> None:
        """Track an order read earlier; the write is checked against its version."""
        ...

    async def get(self, order_id: OrderId, *, for_update: bool = False) -> Order | None: ...

    async def get_by_idempotency_key(self, key: str) -> Order | None: ...

    async def get_by_broker_id(
        self, account: str, day: date, broker_order_id: BrokerOrderId
    ) -> Order | None:
        """The order that claimed this broker account's order number on that trading day."""
        ...

    async def with_status(self, *statuses: OrderStatus) -> list[Order]: ...

    async def created_since(
        self, strategy_account_ids: Iterable[StrategyAccountId], since: datetime, limit: int
    ) -> list[Order]:
        """Orders of these accounts created at or after `since`, newest first."""
        ...

    async def claim_broker_order(
        self, account: str, day: date, broker_order_id: BrokerOrderId, order_id: OrderId
    ) -> bool:
        """Make the order the one owner of a broker order; False when another order owns it."""
        ...

    async def claimed_broker_orders(
        self, account: str, since: date
    ) -> set[tuple[date, BrokerOrderId]]:
        """Broker orders of the account claimed on trading days from `since` on."""
        ...

    async def claim_of(self, order_id: OrderId) -> tuple[str, date] | None:
        """The broker account and trading day the order's broker order number belongs to."""
        ...


class FillRepository(Protocol):
    async def add(self, fill: FillRecord) -> bool:
        """Store a fill; False when its broker account already stored its fill id (nothing
        written). A fill id is unique per broker account only: fills are keyed by both."""
        ...

    async def orphans(
        self, account: str, day: date, broker_order_id: BrokerOrderId
    ) -> list[FillRecord]:
        """Fills of this broker account's order number on that trading day that no order owns."""
        ...

    async def lock_broker_order(
        self, account: str, day: date, broker_order_id: BrokerOrderId
    ) -> None:
        """Hold, until the transaction ends, the right to link fills of this broker order."""
        ...

    async def claim(
        self,
        account: str,
        fill_id: FillId,
        order_id: OrderId,
        strategy_account_id: StrategyAccountId,
    ) -> None:
        """Give broker account `account`'s orphan fill `fill_id` to an order."""
        ...

    async def set_realized_pnl(self, account: str, fill_id: FillId, realized_pnl: Money) -> None:
        """Record what broker account `account`'s sell fill `fill_id` realized."""
        ...

    async def realized_pnl_since(
        self, strategy_account_id: StrategyAccountId, since: datetime
    ) -> Money: ...

    async def mark_problem(self, account: str, fill_id: FillId, problem: str) -> None:
        """Keep a stored fill as not applied, with why (Korean, shown for a human to check)."""
        ...

    async def history(
        self, strategy_account_ids: Iterable[StrategyAccountId], until: datetime
    ) -> list[FillRecord]:
        """Applied fills of these strategy accounts before `until`, oldest first (for PnL)."""
        ...

    async def problems(
        self, strategy_account_ids: Iterable[StrategyAccountId]
    ) -> list[tuple[FillRecord, str]]:
        """Stored fills of these accounts that could not be applied, newest first."""
        ...


class PositionRepository(Protocol):
    async def get(
        self, strategy_account_id: StrategyAccountId, symbol: Symbol, *, for_update: bool = False
    ) -> Position | None: ...

    async def add(self, position: Position) -> None: ...

    async def open_positions(
        self, strategy_account_ids: Iterable[StrategyAccountId]
    ) -> list[Position]: ...


class FailedOrderRepository(Protocol):
    async def add(self, failed_order: FailedOrder) -> None:
        """Insert and set `failed_order.id`."""
        ...

    async def get(
        self, failed_order_id: int, *, for_update: bool = False
    ) -> FailedOrder | None: ...

    async def get_by_retry_order(self, order_id: OrderId) -> FailedOrder | None: ...

    async def get_by_order(self, order_id: OrderId) -> FailedOrder | None:
        """The failed order an order made, or the one it retried."""
        ...

    async def count(self, status: FailedOrderStatus | None = None) -> int: ...

    async def groups(self, query: FailedOrderFilter) -> list[FailedOrderGroup]:
        """Counts by symbol and reason under the filter (its limit and offset ignored)."""
        ...

    async def list(self, query: FailedOrderFilter) -> list[FailedOrder]: ...


class RiskReader(Protocol):
    async def snapshot(
        self, strategy_account_id: StrategyAccountId, since: datetime
    ) -> RiskSnapshot:
        """Positions, live buy orders and today's realized PnL of one account, for risk rules."""
        ...

    async def sell_capacity(
        self, strategy_account_id: StrategyAccountId, symbol: Symbol, *, lock: bool
    ) -> SellCapacity:
        """Position, open sells, adoption room and the broker account's being active, for one
        sell in one read (a sell needs no `account_rules`); `lock` serializes sellers."""
        ...

    async def entries_paused(self, strategy_account_id: StrategyAccountId) -> bool:
        """Whether the account's owner paused new entries (Telegram `/stop`)."""
        ...

    async def account_rules(self, strategy_account_id: StrategyAccountId) -> AccountRules:
        """The strategy's own risk limits and whether its broker account is active."""
        ...


class OutboxWriter(Protocol):
    def add(self, kind: str, dedupe_key: str, payload: Mapping[str, Any]) -> None:
        """Write a durable entry with this commit (see `service_layer.outbox`)."""
        ...


class PipelineUnitOfWork(UnitOfWork, Protocol):
    """The order pipeline's transaction: its repositories plus loose events to record."""

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def fills(self) -> FillRepository: ...

    @property
    def positions(self) -> PositionRepository: ...

    @property
    def failed_orders(self) -> FailedOrderRepository: ...

    @property
    def risk(self) -> RiskReader: ...

    @property
    def outbox(self) -> OutboxWriter: ...

    @property
    def history(self) -> OrderHistoryReader: ...

    @property
    def pnl_days(self) -> PnlDayStore: ...

    def record(self, event: Event) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> PipelineUnitOfWork: ...
