"""Row ↔ domain mapping for users, their web sessions, broker accounts, strategies and
strategy accounts.

Every query that a front end reaches takes the owner's `user_id`, so ownership is part of the
WHERE clause rather than a check someone may forget afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self, cast

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hantu.adapters.db.accounts_rows import (
    broker_account_of,
    encrypted_of,
    strategy_account_of,
    strategy_of,
    user_of,
)
from hantu.adapters.db.connection import SqlConnection
from hantu.adapters.db.engine import Database
from hantu.adapters.db.tables_accounts import (
    broker_accounts,
    strategies,
    strategy_accounts,
    users,
    web_sessions,
)
from hantu.adapters.db.transaction import Transaction
from hantu.domain.accounts import (
    BrokerAccount,
    BrokerAccountId,
    EncryptedCredentials,
    NameTaken,
    Strategy,
    StrategyAccount,
    StrategyAccountView,
    StrategyId,
    User,
    UserId,
)
from hantu.domain.values import StrategyAccountId


class AccountsRepository:
    """Queries over one session; the caller owns the transaction."""

    def __init__(self, connection: SqlConnection) -> None:
        self._conn = connection

    async def _insert(self, statement: Any, what: str) -> int:
        try:
            async with self._conn.begin_nested():
                result = await self._conn.execute(statement)
        except IntegrityError:
            raise NameTaken(what) from None
        key = cast(CursorResult[Any], result).inserted_primary_key
        if key is None:
            raise RuntimeError("insert returned no primary key")
        return int(key[0])

    # --- users ---------------------------------------------------------------------------

    async def add_user(
        self, username: str, password_hash: str, now: datetime, *, is_demo: bool = False
    ) -> User:
        values = {"username": username, "password_hash": password_hash, "is_demo": is_demo}
        new_id = await self._insert(insert(users).values(**values, created_at=now), "username")
        return User(UserId(new_id), username, password_hash, now, is_demo)

    async def user_by_username(self, username: str) -> User | None:
        row = (await self._conn.execute(select(users).where(users.c.username == username))).first()
        return user_of(row) if row else None

    async def user_by_id(self, user_id: int) -> User | None:
        row = (await self._conn.execute(select(users).where(users.c.id == user_id))).first()
        return user_of(row) if row else None

    async def set_password_hash(self, user_id: UserId, password_hash: str) -> None:
        await self._conn.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )

    # --- web sessions (by the digest of the cookie's session id) ------------------------

    async def add_session(
        self, user_id: UserId, digest: str, now: datetime, expires_at: datetime
    ) -> None:
        await self._conn.execute(
            delete(web_sessions).where(web_sessions.c.expires_at <= now)  # keep the table small
        )
        await self._conn.execute(
            insert(web_sessions).values(
                token_digest=digest, user_id=user_id, created_at=now, expires_at=expires_at
            )
        )

    async def user_of_session(self, digest: str, now: datetime) -> User | None:
        query = (
            select(users)
            .join(web_sessions, web_sessions.c.user_id == users.c.id)
            .where(web_sessions.c.token_digest == digest, web_sessions.c.expires_at > now)
        )
        row = (await self._conn.execute(query)).first()
        return user_of(row) if row else None

    async def delete_session(self, digest: str) -> None:
        await self._conn.execute(delete(web_sessions).where(web_sessions.c.token_digest == digest))

    async def delete_sessions_of(self, user_id: UserId, *, keep: str | None = None) -> None:
        statement = delete(web_sessions).where(web_sessions.c.user_id == user_id)
        if keep is not None:
            statement = statement.where(web_sessions.c.token_digest != keep)
        await self._conn.execute(statement)

    # --- broker accounts -----------------------------------------------------------------

    async def add_broker_account(
        self, user_id: UserId, name: str, hint: str, creds: EncryptedCredentials, now: datetime
    ) -> BrokerAccount:
        statement = insert(broker_accounts).values(
            user_id=user_id,
            name=name,
            environment=creds.environment,
            app_key_enc=creds.app_key_enc,
            app_secret_enc=creds.app_secret_enc,
            account_number_enc=creds.account_number_enc,
            hts_id_enc=creds.hts_id_enc,
            account_hint=hint,
            created_at=now,
        )
        new_id = await self._insert(statement, "broker account name")
        return BrokerAccount(BrokerAccountId(new_id), user_id, name, creds.environment, hint, now)

    async def broker_accounts_of(self, user_id: UserId) -> list[BrokerAccount]:
        query = select(broker_accounts).where(broker_accounts.c.user_id == user_id)
        rows = await self._conn.execute(query.order_by(broker_accounts.c.id))
        return [broker_account_of(row) for row in rows]

    async def broker_account_owned(self, user_id: UserId, account_id: int) -> BrokerAccount | None:
        query = select(broker_accounts).where(
            broker_accounts.c.id == account_id, broker_accounts.c.user_id == user_id
        )
        row = (await self._conn.execute(query)).first()
        return broker_account_of(row) if row else None

    async def all_broker_accounts(self) -> list[tuple[BrokerAccount, EncryptedCredentials]]:
        rows = await self._conn.execute(select(broker_accounts).order_by(broker_accounts.c.id))
        return [(broker_account_of(row), encrypted_of(row)) for row in rows]

    async def credentials_for_strategy_account(
        self, strategy_account_id: int
    ) -> tuple[BrokerAccountId, EncryptedCredentials] | None:
        query = (
            select(broker_accounts)
            .join(strategy_accounts, strategy_accounts.c.broker_account_id == broker_accounts.c.id)
            .where(strategy_accounts.c.id == strategy_account_id)
        )
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return BrokerAccountId(row.id), encrypted_of(row)

    # --- strategies ----------------------------------------------------------------------

    async def add_strategy(
        self,
        user_id: UserId,
        name: str,
        digest: str,
        token_enc: str,
        now: datetime,
        *,
        adopt_broker_holdings: bool = False,
    ) -> Strategy:
        statement = insert(strategies).values(
            user_id=user_id,
            name=name,
            token_digest=digest,
            token_enc=token_enc,
            created_at=now,
            adopt_broker_holdings=adopt_broker_holdings,
        )
        new_id = await self._insert(statement, "strategy name")
        return Strategy(StrategyId(new_id), user_id, name, now, adopt_broker_holdings)

    async def set_adopt_broker_holdings(self, strategy_id: StrategyId, on: bool) -> None:
        statement = (
            update(strategies)
            .where(strategies.c.id == strategy_id)
            .values(adopt_broker_holdings=on)
        )
        await self._conn.execute(statement)

    async def strategies_of(self, user_id: UserId) -> list[Strategy]:
        query = select(strategies).where(
            strategies.c.user_id == user_id, strategies.c.deleted_at.is_(None)
        )
        rows = await self._conn.execute(query.order_by(strategies.c.id))
        return [strategy_of(row) for row in rows]

    async def strategy_owned(self, user_id: UserId, strategy_id: int) -> Strategy | None:
        query = select(strategies).where(
            strategies.c.id == strategy_id,
            strategies.c.user_id == user_id,
            strategies.c.deleted_at.is_(None),
        )
        row = (await self._conn.execute(query)).first()
        return strategy_of(row) if row else None

    async def strategy_by_digest(self, digest: str) -> tuple[Strategy, str] | None:
        query = select(strategies).where(
            strategies.c.token_digest == digest, strategies.c.deleted_at.is_(None)
        )
        row = (await self._conn.execute(query)).first()
        return (strategy_of(row), row.token_digest) if row else None

    async def token_enc_of(self, strategy_id: StrategyId) -> str:
        query = select(strategies.c.token_enc).where(strategies.c.id == strategy_id)
        return str((await self._conn.execute(query)).scalar_one())

    async def update_strategy(self, strategy_id: StrategyId, **values: Any) -> None:
        """Change a strategy's name, token, limits or deletion mark (names: its columns)."""
        allowed = {
            "name",
            "token_digest",
            "token_enc",
            "daily_loss_limit",
            "max_symbol_exposure",
            "max_open_positions",
            "deleted_at",
            "mode",
            "alert_expiry_minutes",
            "alert_tolerance_pct",
        }
        if not values or values.keys() - allowed:
            raise ValueError(f"cannot update strategy columns {sorted(values)}")
        statement = update(strategies).where(strategies.c.id == strategy_id).values(**values)
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(statement)
        except IntegrityError:
            raise NameTaken("strategy name") from None

    async def update_broker_account(self, account_id: BrokerAccountId, **values: Any) -> None:
        """Change a broker account's name, credentials or deactivation mark."""
        allowed = {
            "name",
            "app_key_enc",
            "app_secret_enc",
            "account_number_enc",
            "hts_id_enc",
            "account_hint",
            "environment",
            "deactivated_at",
        }
        if not values or values.keys() - allowed:
            raise ValueError(f"cannot update broker account columns {sorted(values)}")
        statement = (
            update(broker_accounts).where(broker_accounts.c.id == account_id).values(**values)
        )
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(statement)
        except IntegrityError:
            raise NameTaken("broker account name") from None

    async def encrypted_credentials_of(self, account_id: BrokerAccountId) -> EncryptedCredentials:
        query = select(broker_accounts).where(broker_accounts.c.id == account_id)
        return encrypted_of((await self._conn.execute(query)).one())

    async def strategy_has_inactive_accounts(self, strategy_id: StrategyId) -> bool:
        query = (
            select(strategy_accounts.c.id)
            .join(broker_accounts, broker_accounts.c.id == strategy_accounts.c.broker_account_id)
            .where(
                strategy_accounts.c.strategy_id == strategy_id,
                broker_accounts.c.deactivated_at.is_not(None),
            )
            .limit(1)
        )
        return (await self._conn.execute(query)).first() is not None

    # --- strategy accounts ---------------------------------------------------------------

    async def link(
        self, strategy_id: StrategyId, broker_account_id: BrokerAccountId, now: datetime
    ) -> StrategyAccount:
        statement = insert(strategy_accounts).values(
            strategy_id=strategy_id, broker_account_id=broker_account_id, created_at=now
        )
        new_id = await self._insert(statement, "strategy account")
        return StrategyAccount(StrategyAccountId(new_id), strategy_id, broker_account_id, now)

    async def accounts_of_strategy(
        self, strategy_id: StrategyId, *, active_only: bool = False
    ) -> list[StrategyAccount]:
        query = select(strategy_accounts).where(strategy_accounts.c.strategy_id == strategy_id)
        if active_only:
            query = query.join(
                broker_accounts, broker_accounts.c.id == strategy_accounts.c.broker_account_id
            ).where(broker_accounts.c.deactivated_at.is_(None))
        rows = await self._conn.execute(query.order_by(strategy_accounts.c.id))
        return [strategy_account_of(row) for row in rows]

    async def strategy_accounts_of_user(self, user_id: UserId) -> list[StrategyAccountView]:
        query = (
            select(
                strategy_accounts.c.id,
                strategy_accounts.c.strategy_id,
                strategies.c.name.label("strategy_name"),
                strategy_accounts.c.broker_account_id,
                broker_accounts.c.name.label("broker_account_name"),
                broker_accounts.c.account_hint,
            )
            .join(strategies, strategies.c.id == strategy_accounts.c.strategy_id)
            .join(broker_accounts, broker_accounts.c.id == strategy_accounts.c.broker_account_id)
            .where(strategies.c.user_id == user_id)  # deleted ones too: their history stays
            .order_by(strategy_accounts.c.id)
        )
        return [
            StrategyAccountView(
                StrategyAccountId(row.id),
                StrategyId(row.strategy_id),
                row.strategy_name,
                BrokerAccountId(row.broker_account_id),
                row.broker_account_name,
                row.account_hint,
            )
            for row in await self._conn.execute(query)
        ]


class SqlAccountsUnitOfWork:
    """One connection and transaction per use case; rolls back unless committed.

    Writes on SQLite queue on the database's process-wide write lock, like the order
    pipeline's unit of work, so they never meet "database is locked".
    """

    accounts: AccountsRepository

    def __init__(self, db: Database, *, read_only: bool = False) -> None:
        self._transaction = Transaction(db, read_only=read_only)

    async def __aenter__(self) -> Self:
        self.accounts = AccountsRepository(await self._transaction.enter())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._transaction.close()

    async def commit(self) -> None:
        await self._transaction.connection.commit()


class SqlAccountsUnitOfWorkFactory:
    """Makes a fresh accounts unit of work per use case; readers never take the write lock."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def __call__(self, *, read_only: bool = False) -> SqlAccountsUnitOfWork:
        return SqlAccountsUnitOfWork(self._db, read_only=read_only)
