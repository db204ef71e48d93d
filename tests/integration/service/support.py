"""Small readers of what the pipeline stored, for assertions (tests only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from hantu.adapters.db import tables as t
from hantu.bootstrap import App
from hantu.domain.order import Order
from hantu.domain.values import BrokerOrderId, Price, Quantity, StrategyAccountId
from hantu.service_layer.deps import SEOUL
from hantu.service_layer.ports import DEFAULT_BROKER_ACCOUNT
from tests.builders import a_position


async def event_names(app: App, order_id: str | None = None) -> list[str]:
    query = select(t.events.c.name).order_by(t.events.c.id)
    if order_id is not None:
        query = query.where(t.events.c.order_id == order_id)
    async with app.db.connect() as connection:
        return list((await connection.execute(query)).scalars())


async def events_named(app: App, name: str) -> list[dict[str, Any]]:
    query = select(t.events.c.payload).where(t.events.c.name == name).order_by(t.events.c.id)
    async with app.db.connect() as connection:
        return [dict(p) for p in (await connection.execute(query)).scalars()]


async def count_rows(app: App, table: str) -> int:
    query = select(func.count()).select_from(t.metadata.tables[table])
    async with app.db.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def hold(app: App, quantity: int, average_price: int = 70_000, account: int = 1) -> None:
    """Give strategy account `account` a position in 005930, as earlier fills would have."""
    async with app.uow() as uow:
        await uow.positions.add(
            a_position(
                strategy_account_id=StrategyAccountId(account),
                quantity=Quantity(quantity),
                average_price=Price(average_price),
            )
        )
        await uow.commit()


async def add_sent(app: App, order: Order, account: str = DEFAULT_BROKER_ACCOUNT) -> None:
    """Store a sent order with its broker number claimed, as the order's answer would."""
    assert order.broker_order_id is not None
    day = order.created_at.astimezone(SEOUL).date()
    async with app.uow() as uow:
        await uow.orders.add(order)
        broker_id = BrokerOrderId(order.broker_order_id)
        assert await uow.orders.claim_broker_order(account, day, broker_id, order.id)
        await uow.commit()
