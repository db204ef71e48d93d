"""Read models: plain dataclasses for the web layer, Telegram and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hantu.domain.enums import FailedOrderStatus, OrderStatus
from hantu.domain.failed_order import FailedOrder
from hantu.domain.order import Order
from hantu.domain.position import Position
from hantu.domain.values import OrderId, StrategyAccountId
from hantu.service_layer.deps import Deps
from hantu.service_layer.ports import FailedOrderFilter


@dataclass(frozen=True, slots=True)
class OrderView:
    id: str
    idempotency_key: str
    strategy_account_id: int
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    status: OrderStatus
    broker_order_id: str | None
    filled_quantity: Decimal
    average_fill_price: Decimal | None
    reason: str | None
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            id=order.id,
            idempotency_key=order.idempotency_key,
            strategy_account_id=int(order.strategy_account_id),
            symbol=order.symbol.code,
            side=order.side.value,
            order_type=order.order_type.value,
            quantity=Decimal(order.quantity),
            price=None if order.price is None else Decimal(order.price),
            status=order.status,
            broker_order_id=order.broker_order_id,
            filled_quantity=Decimal(order.filled_quantity),
            average_fill_price=(
                None if order.average_fill_price is None else Decimal(order.average_fill_price)
            ),
            reason=order.reason,
            created_at=order.created_at,
            updated_at=order.updated_at,
        )


@dataclass(frozen=True, slots=True)
class FailedOrderView:
    id: int
    strategy_account_id: int
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    reason: str
    broker_error: str | None
    order_params: dict[str, str]
    status: FailedOrderStatus
    retry_count: int
    order_id: str | None
    last_retry_order_id: str | None
    webhook_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, failed: FailedOrder) -> FailedOrderView:
        if failed.id is None:
            raise ValueError("a failed order is viewed only once stored")
        return cls(
            id=failed.id,
            strategy_account_id=int(failed.strategy_account_id),
            symbol=failed.symbol.code,
            side=failed.side.value,
            order_type=failed.order_type.value,
            quantity=Decimal(failed.quantity),
            price=None if failed.price is None else Decimal(failed.price),
            reason=failed.reason,
            broker_error=failed.broker_error,
            order_params=dict(failed.order_params),
            status=failed.status,
            retry_count=failed.retry_count,
            order_id=failed.order_id,
            last_retry_order_id=failed.last_retry_order_id,
            webhook_id=failed.webhook_id,
            created_at=failed.created_at,
            updated_at=failed.updated_at,
        )


async def get_order(deps: Deps, order_id: str) -> OrderView | None:
    """Return one order as the front ends show it."""
    async with deps.uow(read_only=True) as uow:
        order = await uow.orders.get(OrderId(order_id))
        return None if order is None else OrderView.of(order)


async def get_order_by_key(deps: Deps, idempotency_key: str) -> OrderView | None:
    """Return the order a signal created, found by its idempotency key."""
    async with deps.uow(read_only=True) as uow:
        order = await uow.orders.get_by_idempotency_key(idempotency_key)
        return None if order is None else OrderView.of(order)


async def get_failed_order(deps: Deps, failed_order_id: int) -> FailedOrderView | None:
    """Return one failed order (any status) for its detail view and ownership checks."""
    async with deps.uow(read_only=True) as uow:
        failed = await uow.failed_orders.get(failed_order_id)
        return None if failed is None else FailedOrderView.of(failed)


async def list_failed_orders(
    deps: Deps, query: FailedOrderFilter | None = None
) -> list[FailedOrderView]:
    """List failed orders, newest first; removed ones only when asked for by status."""
    async with deps.uow(read_only=True) as uow:
        rows = await uow.failed_orders.list(query or FailedOrderFilter())
        return [FailedOrderView.of(f) for f in rows]


async def orders_since(
    deps: Deps, account_ids: Iterable[int], since: datetime, limit: int = 200
) -> list[OrderView]:
    """Orders of these strategy accounts created since `since`, newest first."""
    ids = [StrategyAccountId(a) for a in account_ids]
    async with deps.uow(read_only=True) as uow:
        return [OrderView.of(o) for o in await uow.orders.created_since(ids, since, limit)]


async def open_positions(deps: Deps, account_ids: Iterable[int]) -> list[Position]:
    """Open positions of these strategy accounts."""
    ids = [StrategyAccountId(a) for a in account_ids]
    async with deps.uow(read_only=True) as uow:
        return await uow.positions.open_positions(ids)


@dataclass(frozen=True, slots=True)
class FillToCheck:
    """A stored fill hantu could not apply to its order or position, and why (Korean)."""

    fill_id: str
    strategy_account_id: int
    order_id: str | None
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal
    filled_at: datetime
    problem: str


async def fills_to_check(deps: Deps, account_ids: Iterable[int]) -> list[FillToCheck]:
    """Fills of these strategy accounts that wait for a human ("확인 필요"), newest first."""
    ids = [StrategyAccountId(a) for a in account_ids]
    async with deps.uow(read_only=True) as uow:
        rows = await uow.fills.problems(ids)
    return [
        FillToCheck(
            fill_id=fill.fill_id,
            strategy_account_id=int(fill.strategy_account_id or 0),
            order_id=fill.order_id,
            symbol=fill.symbol.code,
            side=fill.side.value,
            quantity=Decimal(fill.quantity),
            price=Decimal(fill.price),
            filled_at=fill.filled_at,
            problem=problem,
        )
        for fill, problem in rows
    ]


async def failed_order_of(deps: Deps, order_id: str) -> int | None:
    """The id of the failed order an order made (or retried), if any."""
    async with deps.uow(read_only=True) as uow:
        failed = await uow.failed_orders.get_by_order(OrderId(order_id))
        return None if failed is None else failed.id


async def count_pending_failed(deps: Deps) -> int:
    """How many failed orders wait for a retry or removal."""
    async with deps.uow(read_only=True) as uow:
        return await uow.failed_orders.count(FailedOrderStatus.PENDING_RETRY)
