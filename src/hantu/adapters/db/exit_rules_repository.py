"""Stored exit-rule layers (`tables_exit_rules`) and the ownership reads their API needs.

A layer is replaced whole: an empty one deletes the row (the position or strategy inherits
everything again). Delete-then-insert in one transaction works the same on both databases.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select

from hantu.adapters.db import tables_accounts as ta
from hantu.adapters.db.engine import Database
from hantu.adapters.db.tables_exit_rules import position_exit_rules, strategy_exit_rules
from hantu.domain.exit_rule_settings import from_json, to_json
from hantu.domain.values import StrategyAccountId
from hantu.service_layer.exit_rules_ports import AccountOwner, Layer
from hantu.service_layer.ports import Clock


class SqlExitRuleStore:
    """The `ExitRuleStore` port on the shared database."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def owned_strategy(self, user_id: int, strategy_id: int) -> bool:
        s = ta.strategies.c
        query = select(s.id).where(
            s.id == strategy_id, s.user_id == user_id, s.deleted_at.is_(None)
        )
        async with self._db.connect() as connection:
            return (await connection.execute(query)).first() is not None

    async def owned_account(self, user_id: int, strategy_account_id: int) -> bool:
        owner = await self.owner_of(strategy_account_id)
        return owner is not None and owner.user_id == user_id

    async def owner_of(self, strategy_account_id: int) -> AccountOwner | None:
        s, a = ta.strategies.c, ta.strategy_accounts.c
        query = (
            select(s.id, s.user_id, s.mode, s.alert_expiry_minutes, s.alert_tolerance_pct)
            .select_from(ta.strategy_accounts.join(ta.strategies, a.strategy_id == s.id))
            .where(a.id == strategy_account_id, s.deleted_at.is_(None))
        )
        async with self._db.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return AccountOwner(
            StrategyAccountId(strategy_account_id),
            int(row[0]),
            int(row[1]),
            str(row[2]),
            int(row[3]),
            Decimal(row[4]),
        )

    async def strategy_layer(self, strategy_id: int) -> Layer | None:
        c = strategy_exit_rules.c
        return await self._layer(select(c.rules).where(c.strategy_id == strategy_id))

    async def position_layer(self, strategy_account_id: int, symbol: str) -> Layer | None:
        c = position_exit_rules.c
        query = select(c.rules).where(
            c.strategy_account_id == strategy_account_id, c.symbol == symbol
        )
        return await self._layer(query)

    async def set_strategy_layer(self, strategy_id: int, layer: Layer) -> None:
        c = strategy_exit_rules.c
        async with self._db.begin() as connection:
            await connection.execute(
                delete(strategy_exit_rules).where(c.strategy_id == strategy_id)
            )
            if layer:
                row = {"strategy_id": strategy_id, "rules": to_json(layer)}
                await connection.execute(
                    insert(strategy_exit_rules).values(**row, updated_at=self._clock.now())
                )

    async def set_position_layer(self, strategy_account_id: int, symbol: str, layer: Layer) -> None:
        c = position_exit_rules.c
        where = (c.strategy_account_id == strategy_account_id) & (c.symbol == symbol)
        async with self._db.begin() as connection:
            await connection.execute(delete(position_exit_rules).where(where))
            if layer:
                row = {"strategy_account_id": strategy_account_id, "symbol": symbol}
                await connection.execute(
                    insert(position_exit_rules).values(
                        **row, rules=to_json(layer), updated_at=self._clock.now()
                    )
                )

    async def _layer(self, query: Any) -> Layer | None:
        async with self._db.connect() as connection:
            stored = (await connection.execute(query)).scalar()
        return None if stored is None else from_json(stored)
