"""The demo user, broker account and strategy created on first start (embedded defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from hantu import messages_ko as ko
from hantu.domain.accounts import BrokerCredentials, User
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import AccountsDeps, NewBrokerAccount

DEMO_ACCOUNT_NAME = ko.DEMO_ACCOUNT_NAME
DEMO_STRATEGY_NAME = "demo"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """What the console prints so a newcomer can log in and send a webhook at once."""

    username: str
    password: str
    strategy_name: str
    token: str


async def _demo_user(deps: AccountsDeps, username: str, password: str) -> User:
    async with deps.uow() as uow:
        existing = await uow.accounts.user_by_username(username)
    if existing is not None:
        return existing
    return await accounts_service.create_user(deps, username, password, is_demo=True)


async def ensure_demo(
    deps: AccountsDeps, username: str, password: str, credentials: BrokerCredentials
) -> DemoLogin:
    """Create whatever of the demo set is missing; idempotent across restarts."""
    user = await _demo_user(deps, username, password)
    broker_accounts = await accounts_service.list_broker_accounts(deps, user.id)
    if not broker_accounts:
        form = NewBrokerAccount(
            name=DEMO_ACCOUNT_NAME,
            environment=credentials.environment,
            app_key=credentials.app_key,
            app_secret=credentials.app_secret,
            account_number=credentials.account_number,
            hts_id=credentials.hts_id,
        )
        # The embedded simulator's own demo account: nothing to check, no token to spend.
        added = await accounts_service.add_broker_account(deps, user.id, form, check_keys=False)
        broker_accounts = [added]
    strategies = await accounts_service.list_strategies(deps, user.id)
    if not strategies:
        strategy, _ = await accounts_service.create_strategy(deps, user.id, DEMO_STRATEGY_NAME)
        await accounts_service.link_account(deps, user.id, strategy.id, broker_accounts[0].id)
        strategies = [strategy]
    token = await accounts_service.webhook_token(deps, user.id, strategies[0].id)
    return DemoLogin(username, password, strategies[0].name, token)
