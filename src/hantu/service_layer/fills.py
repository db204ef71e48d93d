"""Fills: a broker execution updates its order, its position and the fill log together."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hantu import messages_ko as ko
from hantu.domain.enums import OrderStatus, Side
from hantu.domain.errors import InsufficientHolding, InvalidTransition, OverFill
from hantu.domain.events import Event, OrderFilled
from hantu.domain.masking import mask
from hantu.domain.order import Order
from hantu.domain.position import Position
from hantu.domain.reports import FillNotice
from hantu.domain.values import BrokerOrderId, FillId, Money, OrderId
from hantu.service_layer.deps import SEOUL, Deps
from hantu.service_layer.ports import (
    DEFAULT_BROKER_ACCOUNT,
    Broker,
    ConcurrentUpdate,
    FillRecord,
    PipelineUnitOfWork,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class FillUnmatched(Event):
    """A fill notice named a broker order id none of ours carries (yet); kept as an orphan."""

    fill_id: FillId
    broker_order_id: BrokerOrderId
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class FillNotApplied(Event):
    """A fill could not be applied (it would over-fill, or sell more than we hold)."""

    order_id: OrderId
    fill_id: FillId
    detail: str


class FillOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    UNMATCHED = "unmatched"
    NOT_APPLIED = "not_applied"
    LATE = "late"  # reported after the order was canceled: counted, the order stays canceled


async def follow_fills(deps: Deps, broker: Broker, account: str = DEFAULT_BROKER_ACCOUNT) -> None:
    """Apply every fill notice the broker streams until cancelled; one bad notice stops none.

    `account` names the broker account behind `broker` (as `BrokerDirectory.account_of`).
    """
    async for notice in broker.fill_notices():
        try:
            await process_fill(deps, notice, account)
        except Exception:  # keep consuming: the next sync_order_status catches up from the broker
            log.exception(
                "fill notice %s (order %s) not processed", notice.fill_id, notice.broker_order_id
            )


async def process_fill(
    deps: Deps, notice: FillNotice, account: str = DEFAULT_BROKER_ACCOUNT
) -> FillOutcome:
    """Apply a fill notice from broker account `account` to its order and position at once.

    A KIS order number is unique only per broker account and trading day: the notice finds
    the order that claimed (account, Seoul day of the fill, number), never one by number.
    """
    for attempt in (1, 2):
        try:
            async with deps.uow() as uow:
                outcome = await _process(uow, notice, account, deps.clock.now())
                await uow.commit()
                return outcome
        except ConcurrentUpdate:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _process(
    uow: PipelineUnitOfWork, notice: FillNotice, account: str, now: datetime
) -> FillOutcome:
    record = FillRecord(
        fill_id=notice.fill_id,
        broker_order_id=notice.broker_order_id,
        broker_account=account,
        symbol=notice.symbol,
        side=notice.side,
        quantity=notice.quantity,
        price=notice.price,
        filled_at=notice.filled_at,
    )
    day = notice.filled_at.astimezone(SEOUL).date()
    await uow.fills.lock_broker_order(account, day, notice.broker_order_id)  # see adopt_orphans
    order = await uow.orders.get_by_broker_id(account, day, notice.broker_order_id)
    if order is None:
        if not await uow.fills.add(record):
            return FillOutcome.DUPLICATE
        # The answer to place_order may still be on its way, or the order is unconfirmed:
        # the fill waits as an orphan until an order takes this broker id.
        uow.record(
            FillUnmatched(
                fill_id=notice.fill_id, broker_order_id=notice.broker_order_id, occurred_at=now
            )
        )
        return FillOutcome.UNMATCHED
    if notice.fill_id in order.fill_ids:
        return FillOutcome.DUPLICATE
    return await apply_fill(uow, order, record, now, store=True)


async def apply_fill(
    uow: PipelineUnitOfWork, order: Order, fill: FillRecord, now: datetime, *, store: bool
) -> FillOutcome:
    """Apply one fill to an order and its position; `store` writes the fill row too."""
    late = order.status is OrderStatus.CANCELED  # the table keeps it canceled, fill counted
    try:
        order.apply(
            OrderFilled(
                order_id=order.id,
                fill_id=fill.fill_id,
                quantity=fill.quantity,
                price=fill.price,
                occurred_at=fill.filled_at,
            )
        )
    except OverFill:
        ordered, filled = order.quantity, order.filled_quantity
        reason = ko.FILL_OVER_ORDER.format(ordered=ordered, filled=filled, quantity=fill.quantity)
        return await _keep_unapplied(uow, order, fill, reason, now, store=store)
    except InvalidTransition:
        reason = ko.FILL_ON_ENDED_ORDER.format(status=order.status, quantity=fill.quantity)
        return await _keep_unapplied(uow, order, fill, reason, now, store=store)
    if not await _record_fill(uow, order, fill, store=store):
        raise ConcurrentUpdate(f"fill {fill.fill_id} was stored by another transaction")
    realized = await _apply_to_position(uow, order, fill, now)
    if realized is None:
        return FillOutcome.NOT_APPLIED
    if order.side is Side.SELL:
        await uow.fills.set_realized_pnl(fill.broker_account, fill.fill_id, realized)
    return FillOutcome.LATE if late else FillOutcome.APPLIED


def _not_applied(
    uow: PipelineUnitOfWork, order: Order, fill: FillRecord, detail: str, now: datetime
) -> None:
    uow.record(
        FillNotApplied(order_id=order.id, fill_id=fill.fill_id, detail=detail, occurred_at=now)
    )


async def _keep_unapplied(
    uow: PipelineUnitOfWork,
    order: Order,
    fill: FillRecord,
    reason: str,
    now: datetime,
    *,
    store: bool,
) -> FillOutcome:
    # Kept, never dropped: stored against its order and flagged for a human to check.
    if not await _record_fill(uow, order, fill, store=store):
        return FillOutcome.DUPLICATE
    await _unapplied(uow, order, fill, reason, now)
    return FillOutcome.NOT_APPLIED


async def _unapplied(
    uow: PipelineUnitOfWork, order: Order, fill: FillRecord, reason: str, now: datetime
) -> None:
    await uow.fills.mark_problem(fill.broker_account, fill.fill_id, reason)
    log.error(
        "fill %s of order %s (%s %s %s) not applied: %s",
        fill.fill_id,
        order.id,
        order.side,
        fill.quantity,
        order.symbol,
        mask(reason),
    )
    _not_applied(uow, order, fill, reason, now)


async def _record_fill(
    uow: PipelineUnitOfWork, order: Order, fill: FillRecord, *, store: bool
) -> bool:
    if not store:  # an orphan row already stored: it now belongs to this order
        await uow.fills.claim(
            fill.broker_account, fill.fill_id, order.id, order.strategy_account_id
        )
        return True
    owned = dataclasses.replace(
        fill, order_id=order.id, strategy_account_id=order.strategy_account_id
    )
    return await uow.fills.add(owned)


async def _apply_to_position(
    uow: PipelineUnitOfWork, order: Order, fill: FillRecord, now: datetime
) -> Money | None:
    position = await uow.positions.get(order.strategy_account_id, order.symbol, for_update=True)
    if position is None:
        position = Position(strategy_account_id=order.strategy_account_id, symbol=order.symbol)
        await uow.positions.add(position)
    held = position.quantity
    try:
        return position.apply_fill(order.side, fill.quantity, fill.price)
    except InsufficientHolding:
        # Shares bought outside hantu: the order is filled, the position cannot follow.
        reason = ko.FILL_ABOVE_POSITION.format(held=held, quantity=fill.quantity)
        await _unapplied(uow, order, fill, reason, now)
        return None


async def adopt_orphans(uow: PipelineUnitOfWork, order: Order, now: datetime) -> int:
    """Apply fills that arrived before the order had its broker id; return how many."""
    claim = await uow.orders.claim_of(order.id)
    if order.broker_order_id is None or claim is None:
        return 0
    # Only the same broker account's fills of that trading day: the number is theirs alone.
    # The notice may be in a transaction still open: wait for it, then read its orphan row.
    await uow.fills.lock_broker_order(*claim, order.broker_order_id)
    adopted = 0
    for fill in await uow.fills.orphans(*claim, order.broker_order_id):
        if fill.symbol != order.symbol or fill.side is not order.side:
            continue
        if fill.fill_id in order.fill_ids:
            continue
        if await apply_fill(uow, order, fill, now, store=False) is FillOutcome.APPLIED:
            adopted += 1
    return adopted
