"""Strategies, their webhook tokens and the accounts they trade (JSON API, owner-scoped)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path

from hantu.domain.accounts import Strategy, StrategyAccountView, UserId
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.schemas import (
    LinkAccountBody,
    LinkCreated,
    NewStrategyBody,
    Problem,
    StrategiesOut,
    StrategyAccountOut,
    StrategyAccountsOut,
    StrategyCreated,
    StrategyOut,
    StrategySettingsBody,
)
from hantu.entrypoints.web.state import WebState
from hantu.service_layer import accounts as accounts_service

router = APIRouter(prefix="/api", tags=["strategies"])
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem},
}


def message_template(token: str) -> str:
    """A TradingView alert message for this strategy (placeholders quoted, per TradingView)."""
    template = {
        "token": token,
        "symbol": "{{ticker}}",
        "side": "{{strategy.order.action}}",
        "order_type": "LIMIT",
        "quantity": "{{strategy.order.contracts}}",
        "price": "{{close}}",
        "id": "{{strategy.order.id}}-{{timenow}}",
    }
    return json.dumps(template, ensure_ascii=False)


def account_out(view: StrategyAccountView) -> StrategyAccountOut:
    return StrategyAccountOut(
        id=view.id,
        strategy_id=view.strategy_id,
        strategy_name=view.strategy_name,
        broker_account_id=view.broker_account_id,
        broker_account_name=view.broker_account_name,
        account_hint=view.account_hint,
    )


async def strategies_view(state: WebState, user_id: UserId) -> list[StrategyOut]:
    """Every strategy of the user with its token, webhook URL, template and accounts."""
    strategies = await accounts_service.list_strategies(state.accounts, user_id)
    links = await accounts_service.strategy_accounts_of_user(state.accounts, user_id)
    return [await _strategy_out(state, user_id, strategy, links) for strategy in strategies]


async def _strategy_out(
    state: WebState, user_id: UserId, strategy: Strategy, links: list[StrategyAccountView]
) -> StrategyOut:
    token = await accounts_service.webhook_token(state.accounts, user_id, strategy.id)
    return StrategyOut(
        id=strategy.id,
        name=strategy.name,
        token=token,
        webhook_url=state.webhook_url(),
        message_template=message_template(token),
        accounts=[account_out(link) for link in links if link.strategy_id == strategy.id],
        adopt_broker_holdings=strategy.adopt_broker_holdings,
        mode=strategy.mode,
        alert_expiry_minutes=strategy.alert_expiry_minutes,
        alert_tolerance_pct=str(strategy.alert_tolerance_pct),
    )


@router.get("/strategies", responses=ERRORS)
async def list_strategies(user: CurrentUser, state: StateDep) -> StrategiesOut:
    """List the signed-in user's strategies."""
    return StrategiesOut(strategies=await strategies_view(state, user.id))


@router.post("/strategies", status_code=201, responses=ERRORS, dependencies=[CsrfChecked])
async def create_strategy(
    body: NewStrategyBody, user: CurrentUser, state: StateDep
) -> StrategyCreated:
    """Create a strategy with a fresh webhook token."""
    strategy, _token = await accounts_service.create_strategy(
        state.accounts, user.id, body.name, adopt_broker_holdings=body.adopt_broker_holdings
    )
    return StrategyCreated(strategy=await _strategy_out(state, user.id, strategy, []))


@router.post("/strategies/{strategy_id}/settings", responses=ERRORS, dependencies=[CsrfChecked])
async def change_settings(
    strategy_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: StrategySettingsBody,
    user: CurrentUser,
    state: StateDep,
) -> StrategyCreated:
    """Switch whether a sell above the position may adopt the broker's own holdings."""
    strategy = await accounts_service.set_adopt_broker_holdings(
        state.accounts, user.id, strategy_id, body.adopt_broker_holdings
    )
    links = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    return StrategyCreated(strategy=await _strategy_out(state, user.id, strategy, links))


@router.post(
    "/strategies/{strategy_id}/accounts",
    status_code=201,
    responses=ERRORS,
    dependencies=[CsrfChecked],
)
async def link_account(
    strategy_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: LinkAccountBody,
    user: CurrentUser,
    state: StateDep,
) -> LinkCreated:
    """Let one of the user's strategies trade through one of the user's broker accounts."""
    link = await accounts_service.link_account(
        state.accounts, user.id, strategy_id, body.broker_account_id
    )
    state.tokens.clear()  # the strategy's webhook now reaches one more account
    return LinkCreated(strategy_account_id=link.id)


@router.get("/strategy-accounts", responses=ERRORS)
async def list_strategy_accounts(user: CurrentUser, state: StateDep) -> StrategyAccountsOut:
    """The user's strategy accounts (the failed-order filter offers these)."""
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    return StrategyAccountsOut(strategy_accounts=[account_out(view) for view in views])
