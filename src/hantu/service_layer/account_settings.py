"""Changing accounts and strategies after they exist: edit and deactivate broker accounts,
rename and (softly) delete strategies, rotate webhook tokens, set per-strategy risk limits.

History stays: a deactivated account and a deleted strategy keep their orders, fills and
failed orders; they only stop taking new ones. Every function walks the ownership chain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from hantu import messages_ko as ko
from hantu.domain.accounts import (
    BrokerAccount,
    BrokerAccountId,
    BrokerCredentials,
    Strategy,
    StrategyId,
    UserId,
    account_hint,
    check_environment,
    check_hts_id,
    check_name,
    new_webhook_token,
    normalize_account_number,
    token_digest,
)
from hantu.domain.alerts import StrategyMode
from hantu.domain.errors import InvalidValue, NotFound
from hantu.domain.risk import RiskLimits
from hantu.service_layer.accounts import AccountsDeps, AccountsUnitOfWork
from hantu.service_layer.broker_keys import verify


@dataclass(frozen=True, slots=True)
class BrokerAccountEdit:
    """What the form changes; `None` (or an empty secret) keeps the stored value."""

    name: str | None = None
    environment: str | None = None
    app_key: str | None = None
    app_secret: str | None = None
    account_number: str | None = None
    hts_id: str | None = None

    def __repr__(self) -> str:
        return f"BrokerAccountEdit(name={self.name!r}, <secrets hidden>)"

    def touches_credentials(self) -> bool:
        return any(
            (v or "").strip()
            for v in (
                self.environment,
                self.app_key,
                self.app_secret,
                self.account_number,
                self.hts_id,
            )
        )


async def _owned_account(
    uow: AccountsUnitOfWork, user_id: UserId, account_id: int
) -> BrokerAccount:
    account = await uow.accounts.broker_account_owned(user_id, account_id)
    if account is None:
        raise NotFound("broker account")
    return account


async def _owned_strategy(uow: AccountsUnitOfWork, user_id: UserId, strategy_id: int) -> Strategy:
    strategy = await uow.accounts.strategy_owned(user_id, strategy_id)
    if strategy is None:
        raise NotFound("strategy")
    return strategy


def _merged(stored: BrokerCredentials, edit: BrokerAccountEdit) -> BrokerCredentials:
    def pick(new: str | None, old: str) -> str:
        return new.strip() if new is not None and new.strip() else old

    app_key, app_secret = (
        pick(edit.app_key, stored.app_key),
        pick(edit.app_secret, stored.app_secret),
    )
    if len(app_key) > 256 or len(app_secret) > 512:
        raise InvalidValue("app key and app secret are required", rule="app_credentials")
    return BrokerCredentials(
        environment=check_environment(pick(edit.environment, stored.environment)),
        app_key=app_key,
        app_secret=app_secret,
        account_number=normalize_account_number(pick(edit.account_number, stored.account_number)),
        hts_id=check_hts_id(pick(edit.hts_id, stored.hts_id)),
    )


async def edit_broker_account(
    deps: AccountsDeps, user_id: UserId, account_id: int, edit: BrokerAccountEdit
) -> BrokerAccount:
    """Rename an account or change its keys; changed keys are checked with the broker first."""
    values: dict[str, object] = {}
    if edit.name is not None:
        values["name"] = check_name(edit.name, "account name")
    async with deps.uow(read_only=True) as uow:
        account = await _owned_account(uow, user_id, account_id)
        enc = await uow.accounts.encrypted_credentials_of(account.id)
    creds_changed = edit.touches_credentials()
    if creds_changed:
        stored = BrokerCredentials(
            enc.environment,
            deps.cipher.decrypt(enc.app_key_enc),
            deps.cipher.decrypt(enc.app_secret_enc),
            deps.cipher.decrypt(enc.account_number_enc),
            deps.cipher.decrypt(enc.hts_id_enc),
        )
        creds = _merged(stored, edit)
        await verify(deps.keys, creds)  # refused: raises, nothing written
        values.update(
            environment=creds.environment,
            app_key_enc=deps.cipher.encrypt(creds.app_key),
            app_secret_enc=deps.cipher.encrypt(creds.app_secret),
            account_number_enc=deps.cipher.encrypt(creds.account_number),
            hts_id_enc=deps.cipher.encrypt(creds.hts_id),
            account_hint=account_hint(creds.account_number),
        )
    if not values:
        return account
    async with deps.uow() as uow:
        await uow.accounts.update_broker_account(account.id, **values)
        await uow.commit()
    if creds_changed:
        deps.forget_broker(account.id)  # the next order builds a broker on the new keys
    async with deps.uow(read_only=True) as uow:
        return await _owned_account(uow, user_id, account.id)


async def set_broker_account_active(
    deps: AccountsDeps, user_id: UserId, account_id: int, active: bool
) -> BrokerAccount:
    """Deactivate (no new orders; history kept) or reactivate a broker account."""
    async with deps.uow() as uow:
        account = await _owned_account(uow, user_id, account_id)
        when = None if active else (account.deactivated_at or deps.clock.now())
        await uow.accounts.update_broker_account(account.id, deactivated_at=when)
        await uow.commit()
    async with deps.uow(read_only=True) as uow:
        return await _owned_account(uow, user_id, account.id)


async def rename_strategy(
    deps: AccountsDeps, user_id: UserId, strategy_id: int, name: str
) -> Strategy:
    """Give a strategy another name (unique per user)."""
    cleaned = check_name(name, "strategy name")
    async with deps.uow() as uow:
        strategy = await _owned_strategy(uow, user_id, strategy_id)
        await uow.accounts.update_strategy(strategy.id, name=cleaned)
        await uow.commit()
    return replace(strategy, name=cleaned)


async def delete_strategy(deps: AccountsDeps, user_id: UserId, strategy_id: int) -> None:
    """Delete softly: the token stops working, the name is freed, orders and fills stay."""
    async with deps.uow() as uow:
        strategy = await _owned_strategy(uow, user_id, strategy_id)
        now = deps.clock.now()
        # The name is unique per user; a deleted strategy gives it up for a new one.
        freed = ko.settings_page.DELETED_NAME.format(name=strategy.name[:40], id=strategy.id)
        await uow.accounts.update_strategy(strategy.id, deleted_at=now, name=freed)
        await uow.commit()


async def rotate_token(deps: AccountsDeps, user_id: UserId, strategy_id: int) -> str:
    """Replace a strategy's webhook token; the old one stops matching on commit."""
    token = new_webhook_token()
    async with deps.uow() as uow:
        strategy = await _owned_strategy(uow, user_id, strategy_id)
        await uow.accounts.update_strategy(
            strategy.id, token_digest=token_digest(token), token_enc=deps.cipher.encrypt(token)
        )
        await uow.commit()
    return token


async def set_risk_limits(
    deps: AccountsDeps, user_id: UserId, strategy_id: int, limits: RiskLimits
) -> Strategy:
    """Store a strategy's own risk limits; a `None` field means the environment's default."""
    async with deps.uow() as uow:
        strategy = await _owned_strategy(uow, user_id, strategy_id)
        await uow.accounts.update_strategy(
            strategy.id,
            daily_loss_limit=limits.daily_loss_limit,
            max_symbol_exposure=limits.max_symbol_exposure,
            max_open_positions=limits.max_open_positions,
        )
        await uow.commit()
    async with deps.uow(read_only=True) as uow:
        return await _owned_strategy(uow, user_id, strategy.id)


async def has_inactive_accounts(deps: AccountsDeps, strategy_id: StrategyId) -> bool:
    """Whether some of a strategy's accounts were deactivated (the webhook says so)."""
    async with deps.uow(read_only=True) as uow:
        return await uow.accounts.strategy_has_inactive_accounts(strategy_id)


__all__ = [
    "BrokerAccountEdit",
    "BrokerAccountId",
    "delete_strategy",
    "edit_broker_account",
    "has_inactive_accounts",
    "rename_strategy",
    "rotate_token",
    "set_broker_account_active",
    "set_risk_limits",
]


async def set_alert_mode(
    deps: AccountsDeps,
    user_id: UserId,
    strategy_id: int,
    *,
    mode: str,
    expiry_minutes: int | None = None,
    tolerance_pct: Decimal | None = None,
) -> Strategy:
    """Switch a strategy between AUTO and ALERT (and its alert expiry and price tolerance)."""
    values: dict[str, object] = {"mode": StrategyMode(mode).value}
    if expiry_minutes is not None:
        values["alert_expiry_minutes"] = expiry_minutes
    if tolerance_pct is not None:
        values["alert_tolerance_pct"] = tolerance_pct
    async with deps.uow() as uow:
        strategy = await _owned_strategy(uow, user_id, strategy_id)
        await uow.accounts.update_strategy(strategy.id, **values)
        await uow.commit()
    async with deps.uow(read_only=True) as uow:
        return await _owned_strategy(uow, user_id, strategy.id)
