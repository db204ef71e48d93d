"""Changing broker accounts and strategies (JSON API, owner-scoped, CSRF-checked): edit and
deactivate accounts; rename, delete, rotate the token of, reveal the token of and set the risk
limits of strategies; and a validation-only test webhook.

Every change that alters what a token reaches clears the webhook `TokenCache` of this
process, so a rotated or deleted token is refused at once here (other processes: within the
cache's few seconds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hantu import messages_ko as ko
from hantu.domain.accounts import (
    BrokerAccount,
    NameTaken,
    check_limit_count,
    check_limit_money,
    mask_token,
)
from hantu.domain.risk import RiskLimits
from hantu.domain.values import Money
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.schemas import Body, Problem
from hantu.entrypoints.web.strategies import ERRORS
from hantu.service_layer import account_settings
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.broker_keys import KeysNotAccepted, KeysRefused, KeysThrottled

router = APIRouter(prefix="/api", tags=["settings"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
_S = ko.settings_page


class BrokerAccountEditBody(Body):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    environment: str | None = Field(default=None, max_length=16)
    app_key: str | None = Field(default=None, max_length=256)
    app_secret: str | None = Field(default=None, max_length=512)
    account_number: str | None = Field(default=None, max_length=11)
    hts_id: str | None = Field(default=None, max_length=16)


class RenameBody(Body):
    name: str = Field(min_length=1, max_length=64)


class LimitsBody(Body):
    daily_loss_limit: str | int | None = None
    max_symbol_exposure: str | int | None = None
    max_open_positions: str | int | None = None
    adopt_broker_holdings: bool | None = None


class AlertModeBody(Body):
    mode: Literal["AUTO", "ALERT"]
    alert_expiry_minutes: int | None = Field(default=None, ge=1, le=1440)
    alert_tolerance_pct: Decimal | None = Field(default=None, ge=0, le=100)


class AlertModeOut(BaseModel):
    success: bool = True
    mode: str
    alert_expiry_minutes: int
    alert_tolerance_pct: str


class AccountOut(BaseModel):
    id: int
    name: str
    environment: str
    account_hint: str
    active: bool


class Changed(BaseModel):
    success: bool = True
    message: str
    broker_account: AccountOut | None = None
    token: str | None = None
    masked_token: str | None = None


def account_out(account: BrokerAccount) -> AccountOut:
    return AccountOut(
        id=account.id,
        name=account.name,
        environment=account.environment,
        account_hint=account.account_hint,
        active=account.active,
    )


def keys_problem(exc: KeysNotAccepted) -> JSONResponse:
    """Why the keys were not accepted, in Korean; nothing was saved."""
    if isinstance(exc, KeysRefused):
        code = f" ({exc.code})" if exc.code else ""
        status, error = 400, _S.KEYS_REFUSED.format(code=code)
    elif isinstance(exc, KeysThrottled):
        status, error = 429, _S.KEYS_THROTTLED
    else:
        status, error = 503, _S.KEYS_UNCHECKED
    return JSONResponse({"success": False, "error": error}, status_code=status)


@router.patch(
    "/broker-accounts/{account_id}",
    response_model=Changed,
    responses={**ERRORS, 429: {"model": Problem}, 503: {"model": Problem}},
    dependencies=[CsrfChecked],
)
async def edit_broker_account(
    account_id: Id, body: BrokerAccountEditBody, user: CurrentUser, state: StateDep
) -> Any:
    """Rename an account or change its keys or number (changed keys are checked first)."""
    edit = account_settings.BrokerAccountEdit(**body.model_dump())
    try:
        account = await account_settings.edit_broker_account(
            state.accounts, user.id, account_id, edit
        )
    except KeysNotAccepted as exc:
        return keys_problem(exc)
    except NameTaken:
        return JSONResponse({"success": False, "error": _S.BROKER_ACCOUNT_NAME_TAKEN}, 409)
    return Changed(message=_S.BROKER_ACCOUNT_UPDATED, broker_account=account_out(account))


@router.post(
    "/broker-accounts/{account_id}/deactivate", responses=ERRORS, dependencies=[CsrfChecked]
)
async def deactivate_broker_account(account_id: Id, user: CurrentUser, state: StateDep) -> Changed:
    """No new orders through this account; its history stays."""
    account = await account_settings.set_broker_account_active(
        state.accounts, user.id, account_id, False
    )
    state.tokens.clear()  # tokens no longer reach this account
    return Changed(message=_S.BROKER_ACCOUNT_DEACTIVATED, broker_account=account_out(account))


@router.post("/broker-accounts/{account_id}/activate", responses=ERRORS, dependencies=[CsrfChecked])
async def activate_broker_account(account_id: Id, user: CurrentUser, state: StateDep) -> Changed:
    """Let a deactivated account take orders again."""
    account = await account_settings.set_broker_account_active(
        state.accounts, user.id, account_id, True
    )
    state.tokens.clear()
    return Changed(message=_S.BROKER_ACCOUNT_ACTIVATED, broker_account=account_out(account))


@router.post("/strategies/{strategy_id}/rename", responses=ERRORS, dependencies=[CsrfChecked])
async def rename_strategy(
    strategy_id: Id, body: RenameBody, user: CurrentUser, state: StateDep
) -> Changed:
    """Give a strategy another name."""
    await account_settings.rename_strategy(state.accounts, user.id, strategy_id, body.name)
    state.tokens.clear()
    return Changed(message=_S.STRATEGY_RENAMED)


@router.delete("/strategies/{strategy_id}", responses=ERRORS, dependencies=[CsrfChecked])
async def delete_strategy(strategy_id: Id, user: CurrentUser, state: StateDep) -> Changed:
    """Delete a strategy softly: its token stops working at once, its history stays."""
    await account_settings.delete_strategy(state.accounts, user.id, strategy_id)
    state.tokens.clear()
    return Changed(message=_S.STRATEGY_DELETED)


@router.post("/strategies/{strategy_id}/token", responses=ERRORS, dependencies=[CsrfChecked])
async def rotate_token(strategy_id: Id, user: CurrentUser, state: StateDep) -> Changed:
    """Draw a new webhook token; the old one is refused from now on."""
    token = await account_settings.rotate_token(state.accounts, user.id, strategy_id)
    state.tokens.clear()
    return Changed(message=_S.TOKEN_ROTATED, token=token, masked_token=mask_token(token))


@router.get("/strategies/{strategy_id}/token", responses=ERRORS)
async def reveal_token(strategy_id: Id, user: CurrentUser, state: StateDep) -> Changed:
    """The strategy's token in clear, for its signed-in owner (the reveal button)."""
    token = await accounts_service.webhook_token(state.accounts, user.id, strategy_id)
    return Changed(message="", token=token, masked_token=mask_token(token))


@router.post("/strategies/{strategy_id}/limits", responses=ERRORS, dependencies=[CsrfChecked])
async def set_limits(
    strategy_id: Id, body: LimitsBody, user: CurrentUser, state: StateDep
) -> Changed:
    """Store the strategy's own risk limits (empty: the environment's default)."""
    loss = check_limit_money(body.daily_loss_limit, "daily loss limit")
    exposure = check_limit_money(body.max_symbol_exposure, "symbol exposure")
    limits = RiskLimits(
        daily_loss_limit=None if loss is None else Money(loss),
        max_symbol_exposure=None if exposure is None else Money(exposure),
        max_open_positions=check_limit_count(body.max_open_positions),
    )
    await account_settings.set_risk_limits(state.accounts, user.id, strategy_id, limits)
    if body.adopt_broker_holdings is not None:
        await accounts_service.set_adopt_broker_holdings(
            state.accounts, user.id, strategy_id, body.adopt_broker_holdings
        )
    return Changed(message=_S.LIMITS_SAVED)


@router.patch("/strategies/{strategy_id}", responses=ERRORS, dependencies=[CsrfChecked])
async def set_mode(
    strategy_id: Id, body: AlertModeBody, user: CurrentUser, state: StateDep
) -> AlertModeOut:
    """Switch the strategy between AUTO (order at once) and ALERT (wait for approval)."""
    strategy = await account_settings.set_alert_mode(
        state.accounts,
        user.id,
        strategy_id,
        mode=body.mode,
        expiry_minutes=body.alert_expiry_minutes,
        tolerance_pct=body.alert_tolerance_pct,
    )
    state.tokens.clear()  # the next delivery must see the new mode at once
    return AlertModeOut(
        mode=strategy.mode,
        alert_expiry_minutes=strategy.alert_expiry_minutes,
        alert_tolerance_pct=str(strategy.alert_tolerance_pct),
    )
