"""Broker accounts: secrets go in encrypted and never come out again (JSON API)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hantu import messages_ko as ko
from hantu.domain.accounts import BrokerAccount
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.schemas import (
    BrokerAccountCreated,
    BrokerAccountOut,
    BrokerAccountsOut,
    NewBrokerAccountBody,
    Problem,
)
from hantu.entrypoints.web.strategies import ERRORS
from hantu.entrypoints.web.strategy_settings import keys_problem
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.broker_keys import KeysNotAccepted

router = APIRouter(prefix="/api", tags=["broker accounts"])


def _out(account: BrokerAccount) -> BrokerAccountOut:
    return BrokerAccountOut(
        id=account.id,
        name=account.name,
        environment=account.environment,
        account_hint=account.account_hint,
    )


@router.get("/broker-accounts", responses=ERRORS)
async def list_broker_accounts(user: CurrentUser, state: StateDep) -> BrokerAccountsOut:
    """List the user's broker accounts without any secret."""
    accounts = await accounts_service.list_broker_accounts(state.accounts, user.id)
    return BrokerAccountsOut(broker_accounts=[_out(account) for account in accounts])


@router.post(
    "/broker-accounts",
    status_code=201,
    response_model=BrokerAccountCreated,
    responses={**ERRORS, 429: {"model": Problem}, 503: {"model": Problem}},
    dependencies=[CsrfChecked],
)
async def add_broker_account(body: NewBrokerAccountBody, user: CurrentUser, state: StateDep) -> Any:
    """Store a KIS account once the broker accepted its keys (a token is issued and shared
    with the adapter); the app key, secret, account number and HTS ID are encrypted."""
    form = accounts_service.NewBrokerAccount(
        name=body.name,
        environment=body.environment,
        app_key=body.app_key,
        app_secret=body.app_secret,
        account_number=body.account_number,
        hts_id=body.hts_id,
    )
    try:
        saved = await accounts_service.add_broker_account(state.accounts, user.id, form)
    except KeysNotAccepted as exc:  # the broker refused the keys or could not be asked
        return keys_problem(exc)
    return BrokerAccountCreated(broker_account=_out(saved), message=ko.BROKER_ACCOUNT_SAVED)
