"""`/settings`: each strategy's risk limits (empty: the environment's default), the broker
accounts (edit, deactivate), and the effective configuration with every secret masked."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import Enum
from typing import Any

from fastapi import APIRouter, Request
from pydantic import SecretStr
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.config import Settings
from hantu.domain.risk import RiskLimits
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.templating import render
from hantu.service_layer import accounts as accounts_service

router = APIRouter(include_in_schema=False)
ENV_PREFIX = "HANTU_"
HIDDEN = "••••••••"
# Names that carry (or may carry) a secret even when typed as plain text.
_SENSITIVE = re.compile(r"key|secret|token|password|passwd|account|hts|credential", re.I)
_URL_PASSWORD = re.compile(r"(://[^/:@]*):[^/@]*@")


def shown_value(name: str, value: object) -> str:
    """A setting as the page may show it: secrets masked, passwords cut out of URLs."""
    if value is None:
        return "-"
    if isinstance(value, SecretStr) or _SENSITIVE.search(name):
        return HIDDEN
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return ko.format_won(value)
    return _URL_PASSWORD.sub(r"\1:" + HIDDEN + "@", str(value))


def effective_config(settings: Settings) -> list[dict[str, str]]:
    """Every setting with its environment variable name and its masked effective value."""
    return [
        {"env": ENV_PREFIX + name.upper(), "value": shown_value(name, getattr(settings, name))}
        for name in type(settings).model_fields
    ]


def _limit(value: object) -> str:
    if value is None:
        return ""
    return str(value)


def _effective(own: RiskLimits, defaults: RiskLimits) -> dict[str, str]:
    merged = own.over(defaults)
    off = ko.settings_page.UI["set_off"]
    loss, exposure = merged.daily_loss_limit, merged.max_symbol_exposure
    return {
        "daily_loss_limit": off if loss is None else ko.format_won(loss),
        "max_symbol_exposure": off if exposure is None else ko.format_won(exposure),
        "max_open_positions": off
        if merged.max_open_positions is None
        else ko.settings_page.POSITIONS_COUNT.format(count=merged.max_open_positions),
    }


@router.get("/settings")
async def settings_page(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """Risk limits per strategy, broker accounts and the effective configuration."""
    defaults = state.deps.risk_limits if state.deps is not None else RiskLimits()
    strategies: list[dict[str, Any]] = [
        {
            "id": s.id,
            "name": s.name,
            "adopt_broker_holdings": s.adopt_broker_holdings,
            "daily_loss_limit": _limit(s.limits.daily_loss_limit),
            "max_symbol_exposure": _limit(s.limits.max_symbol_exposure),
            "max_open_positions": _limit(s.limits.max_open_positions),
            "effective": _effective(s.limits, defaults),
        }
        for s in await accounts_service.list_strategies(state.accounts, user.id)
    ]
    context = {
        "user": user,
        "strategies": strategies,
        "defaults": _effective(RiskLimits(), defaults),
        "broker_accounts": await accounts_service.list_broker_accounts(state.accounts, user.id),
        "config": effective_config(state.settings),
    }
    return render(request, "settings.html", context)
