"""Use cases for users, broker accounts, strategies and their accounts.

Every function that a front end calls for a signed-in user takes that user's id and walks
the ownership chain; an object outside it raises `NotFound` (answered as 404).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol, Self

from hantu.domain.accounts import (
    BrokerAccount,
    BrokerAccountId,
    BrokerCredentials,
    EncryptedCredentials,
    Strategy,
    StrategyAccount,
    StrategyAccountView,
    StrategyId,
    User,
    UserId,
    account_hint,
    check_environment,
    check_hts_id,
    check_name,
    check_password,
    check_username,
    new_webhook_token,
    normalize_account_number,
    token_digest,
    token_matches,
)
from hantu.domain.errors import InvalidValue, NotFound
from hantu.domain.values import StrategyAccountId
from hantu.service_layer.broker_keys import AcceptAnyKeys, KeyCheck, verify
from hantu.service_layer.ports import Clock


class AccountsRepo(Protocol):
    async def add_user(
        self, username: str, password_hash: str, now: datetime, *, is_demo: bool = False
    ) -> User: ...
    async def user_by_username(self, username: str) -> User | None: ...
    async def user_by_id(self, user_id: int) -> User | None: ...
    async def set_password_hash(self, user_id: UserId, password_hash: str) -> None: ...
    async def add_session(
        self, user_id: UserId, digest: str, now: datetime, expires_at: datetime
    ) -> None: ...
    async def user_of_session(self, digest: str, now: datetime) -> User | None: ...
    async def delete_session(self, digest: str) -> None: ...
    async def delete_sessions_of(self, user_id: UserId, *, keep: str | None = None) -> None: ...
    async def add_broker_account(
        self, user_id: UserId, name: str, hint: str, creds: EncryptedCredentials, now: datetime
    ) -> BrokerAccount: ...
    async def broker_accounts_of(self, user_id: UserId) -> list[BrokerAccount]: ...
    async def broker_account_owned(
        self, user_id: UserId, account_id: int
    ) -> BrokerAccount | None: ...
    async def credentials_for_strategy_account(
        self, strategy_account_id: int
    ) -> tuple[BrokerAccountId, EncryptedCredentials] | None: ...
    async def all_broker_accounts(self) -> list[tuple[BrokerAccount, EncryptedCredentials]]: ...
    async def add_strategy(
        self,
        user_id: UserId,
        name: str,
        digest: str,
        token_enc: str,
        now: datetime,
        *,
        adopt_broker_holdings: bool = False,
    ) -> Strategy: ...
    async def set_adopt_broker_holdings(self, strategy_id: StrategyId, on: bool) -> None: ...
    async def strategies_of(self, user_id: UserId) -> list[Strategy]: ...
    async def strategy_owned(self, user_id: UserId, strategy_id: int) -> Strategy | None: ...
    async def strategy_by_digest(self, digest: str) -> tuple[Strategy, str] | None: ...
    async def token_enc_of(self, strategy_id: StrategyId) -> str: ...
    async def link(
        self, strategy_id: StrategyId, broker_account_id: BrokerAccountId, now: datetime
    ) -> StrategyAccount: ...
    async def accounts_of_strategy(
        self, strategy_id: StrategyId, *, active_only: bool = False
    ) -> list[StrategyAccount]: ...
    async def update_strategy(self, strategy_id: StrategyId, **values: object) -> None: ...
    async def update_broker_account(
        self, account_id: BrokerAccountId, **values: object
    ) -> None: ...
    async def encrypted_credentials_of(
        self, account_id: BrokerAccountId
    ) -> EncryptedCredentials: ...
    async def strategy_has_inactive_accounts(self, strategy_id: StrategyId) -> bool: ...
    async def strategy_accounts_of_user(self, user_id: UserId) -> list[StrategyAccountView]: ...


class AccountsUnitOfWork(Protocol):
    @property
    def accounts(self) -> AccountsRepo: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class AccountsUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> AccountsUnitOfWork: ...


class Cipher(Protocol):
    def encrypt(self, plaintext: str) -> str: ...
    def decrypt(self, ciphertext: str) -> str: ...


class Hasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def dummy_verify(self, password: str) -> None: ...


@dataclass(frozen=True, slots=True)
class AccountsDeps:
    """What these use cases need, wired once by the composition root."""

    uow: AccountsUnitOfWorkFactory
    cipher: Cipher
    hasher: Hasher
    clock: Clock
    keys: KeyCheck = field(default_factory=AcceptAnyKeys)  # the broker checks keys on save
    forget_broker: Callable[[BrokerAccountId], None] = lambda _account: None  # keys changed


@dataclass(frozen=True, slots=True)
class NewBrokerAccount:
    """Form input for a broker account; secrets leave memory encrypted."""

    name: str
    environment: str
    app_key: str
    app_secret: str
    account_number: str
    hts_id: str

    def __repr__(self) -> str:
        return f"NewBrokerAccount(name={self.name!r}, <secrets hidden>)"


async def create_user(
    deps: AccountsDeps, username: str, password: str, *, is_demo: bool = False
) -> User:
    """Create a user with an argon2-hashed password."""
    check_username(username)
    check_password(password)
    password_hash = await asyncio.to_thread(deps.hasher.hash, password)  # argon2: off the loop
    async with deps.uow() as uow:
        user = await uow.accounts.add_user(
            username, password_hash, deps.clock.now(), is_demo=is_demo
        )
        await uow.commit()
    return user


async def authenticate(deps: AccountsDeps, username: str, password: str) -> User | None:
    """Return the user whose password matches, spending equal time on unknown names."""
    async with deps.uow(read_only=True) as uow:
        user = await uow.accounts.user_by_username(username)
    if user is None:
        await asyncio.to_thread(deps.hasher.dummy_verify, password)
        return None
    matches = await asyncio.to_thread(deps.hasher.verify, user.password_hash, password)
    return user if matches else None


async def get_user(deps: AccountsDeps, user_id: int) -> User | None:
    """Load the signed-in user named by a session."""
    async with deps.uow(read_only=True) as uow:
        return await uow.accounts.user_by_id(user_id)


async def add_broker_account(
    deps: AccountsDeps, user_id: UserId, form: NewBrokerAccount, *, check_keys: bool = True
) -> BrokerAccount:
    """Store a broker account with every secret encrypted; only a hint stays readable.

    The broker checks the keys first unless the operator configured them (`check_keys`
    off: the demo's own simulator account, `users create` from the environment)."""
    name = check_name(form.name, "account name")
    environment = check_environment(form.environment)
    account = normalize_account_number(form.account_number)
    hts_id = check_hts_id(form.hts_id)
    app_key, app_secret = form.app_key.strip(), form.app_secret.strip()
    if not app_key or not app_secret or len(app_key) > 256 or len(app_secret) > 512:
        raise InvalidValue("app key and app secret are required", rule="app_credentials")
    # The broker must accept the keys (a token is issued and cached for the adapter to reuse)
    # before anything is written; a refusal raises and leaves no row.
    if check_keys:
        plain = BrokerCredentials(environment, app_key, app_secret, account, hts_id)
        await verify(deps.keys, plain)
    creds = EncryptedCredentials(
        environment,
        deps.cipher.encrypt(app_key),
        deps.cipher.encrypt(app_secret),
        deps.cipher.encrypt(account),
        deps.cipher.encrypt(hts_id),
    )
    async with deps.uow() as uow:
        saved = await uow.accounts.add_broker_account(
            user_id, name, account_hint(account), creds, deps.clock.now()
        )
        await uow.commit()
    return saved


async def list_broker_accounts(deps: AccountsDeps, user_id: UserId) -> list[BrokerAccount]:
    """The user's broker accounts, secrets excluded."""
    async with deps.uow(read_only=True) as uow:
        return await uow.accounts.broker_accounts_of(user_id)


async def create_strategy(
    deps: AccountsDeps, user_id: UserId, name: str, *, adopt_broker_holdings: bool = False
) -> tuple[Strategy, str]:
    """Create a strategy with a fresh webhook token; returns the token in clear once."""
    cleaned = check_name(name, "strategy name")
    token = new_webhook_token()
    async with deps.uow() as uow:
        strategy = await uow.accounts.add_strategy(
            user_id,
            cleaned,
            token_digest(token),
            deps.cipher.encrypt(token),
            deps.clock.now(),
            adopt_broker_holdings=adopt_broker_holdings,
        )
        await uow.commit()
    return strategy, token


async def set_adopt_broker_holdings(
    deps: AccountsDeps, user_id: UserId, strategy_id: int, on: bool
) -> Strategy:
    """Switch whether the strategy may sell broker holdings hantu did not buy (adopting them)."""
    async with deps.uow() as uow:
        strategy = await uow.accounts.strategy_owned(user_id, strategy_id)
        if strategy is None:
            raise NotFound("strategy")
        await uow.accounts.set_adopt_broker_holdings(strategy.id, on)
        await uow.commit()
    return replace(strategy, adopt_broker_holdings=on)


async def list_strategies(deps: AccountsDeps, user_id: UserId) -> list[Strategy]:
    """The user's strategies."""
    async with deps.uow(read_only=True) as uow:
        return await uow.accounts.strategies_of(user_id)


async def webhook_token(deps: AccountsDeps, user_id: UserId, strategy_id: int) -> str:
    """Decrypt a strategy's token for its owner (the strategies page shows it)."""
    async with deps.uow(read_only=True) as uow:
        strategy = await uow.accounts.strategy_owned(user_id, strategy_id)
        if strategy is None:
            raise NotFound("strategy")
        return deps.cipher.decrypt(await uow.accounts.token_enc_of(strategy.id))


async def link_account(
    deps: AccountsDeps, user_id: UserId, strategy_id: int, broker_account_id: int
) -> StrategyAccount:
    """Let a strategy trade through one of the same user's broker accounts."""
    async with deps.uow() as uow:
        strategy = await uow.accounts.strategy_owned(user_id, strategy_id)
        account = await uow.accounts.broker_account_owned(user_id, broker_account_id)
        if strategy is None or account is None:
            raise NotFound("strategy or broker account")
        link = await uow.accounts.link(strategy.id, account.id, deps.clock.now())
        await uow.commit()
    return link


async def strategy_accounts_of_user(
    deps: AccountsDeps, user_id: UserId
) -> list[StrategyAccountView]:
    """Every strategy account the user owns, with names for display and filters."""
    async with deps.uow(read_only=True) as uow:
        return await uow.accounts.strategy_accounts_of_user(user_id)


async def owned_strategy_account_ids(deps: AccountsDeps, user_id: UserId) -> set[int]:
    """The ids that bound the user's view of orders and failed orders."""
    return {view.id for view in await strategy_accounts_of_user(deps, user_id)}


async def strategy_for_token(
    deps: AccountsDeps, token: str
) -> tuple[Strategy, list[StrategyAccountId]] | None:
    """Find the strategy a webhook token belongs to, compared in constant time."""
    if not token or len(token) > 256:
        return None
    async with deps.uow(read_only=True) as uow:
        found = await uow.accounts.strategy_by_digest(token_digest(token))
        if found is None or not token_matches(token, found[1]):
            return None
        links = await uow.accounts.accounts_of_strategy(found[0].id, active_only=True)
    return found[0], [link.id for link in links]


async def credentials_for(
    deps: AccountsDeps, strategy_account_id: int
) -> tuple[BrokerAccountId, BrokerCredentials] | None:
    """Decrypt the credentials of the broker account behind a strategy account."""
    async with deps.uow(read_only=True) as uow:
        found = await uow.accounts.credentials_for_strategy_account(strategy_account_id)
    if found is None:
        return None
    account_id, enc = found
    return account_id, _decrypted(deps, enc)


async def stored_broker_accounts(
    deps: AccountsDeps,
) -> list[tuple[BrokerAccount, BrokerCredentials]]:
    """Every stored broker account with its decrypted credentials (for `hantu check`)."""
    async with deps.uow(read_only=True) as uow:
        found = await uow.accounts.all_broker_accounts()
    return [(account, _decrypted(deps, enc)) for account, enc in found]


def _decrypted(deps: AccountsDeps, enc: EncryptedCredentials) -> BrokerCredentials:
    return BrokerCredentials(
        environment=enc.environment,
        app_key=deps.cipher.decrypt(enc.app_key_enc),
        app_secret=deps.cipher.decrypt(enc.app_secret_enc),
        account_number=deps.cipher.decrypt(enc.account_number_enc),
        hts_id=deps.cipher.decrypt(enc.hts_id_enc),
    )
