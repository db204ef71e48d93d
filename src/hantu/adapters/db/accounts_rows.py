"""Rows of the accounts tables (users, broker accounts, strategies, strategy accounts) as
domain objects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hantu.domain.accounts import (
    BrokerAccount,
    BrokerAccountId,
    EncryptedCredentials,
    Strategy,
    StrategyAccount,
    StrategyId,
    User,
    UserId,
)
from hantu.domain.risk import RiskLimits
from hantu.domain.values import Money, StrategyAccountId


def user_of(row: Any) -> User:
    return User(
        id=UserId(row.id),
        username=row.username,
        password_hash=row.password_hash,
        created_at=row.created_at,
        is_demo=bool(row.is_demo),
    )


def encrypted_of(row: Any) -> EncryptedCredentials:
    return EncryptedCredentials(
        row.environment, row.app_key_enc, row.app_secret_enc, row.account_number_enc, row.hts_id_enc
    )


def broker_account_of(row: Any) -> BrokerAccount:
    return BrokerAccount(
        id=BrokerAccountId(row.id),
        user_id=UserId(row.user_id),
        name=row.name,
        environment=row.environment,
        account_hint=row.account_hint,
        created_at=row.created_at,
        deactivated_at=row.deactivated_at,
    )


def strategy_of(row: Any) -> Strategy:
    return Strategy(
        id=StrategyId(row.id),
        user_id=UserId(row.user_id),
        name=row.name,
        created_at=row.created_at,
        adopt_broker_holdings=bool(row.adopt_broker_holdings),
        limits=RiskLimits(
            daily_loss_limit=money_of(row.daily_loss_limit),
            max_symbol_exposure=money_of(row.max_symbol_exposure),
            max_open_positions=row.max_open_positions,
        ),
        deleted_at=row.deleted_at,
        mode=row.mode,
        alert_expiry_minutes=int(row.alert_expiry_minutes),
        alert_tolerance_pct=Decimal(row.alert_tolerance_pct),
    )


def money_of(value: Decimal | None) -> Money | None:
    return None if value is None else Money(value)


def strategy_account_of(row: Any) -> StrategyAccount:
    return StrategyAccount(
        id=StrategyAccountId(row.id),
        strategy_id=StrategyId(row.strategy_id),
        broker_account_id=BrokerAccountId(row.broker_account_id),
        created_at=row.created_at,
    )
