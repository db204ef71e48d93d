"""`GET/PUT /api/strategies/{id}/exit-rules` and
`GET/PUT /api/positions/{strategy_account_id}/{symbol}/exit-rules`: exit rules per strategy
and per position, owner-scoped (user → strategy → strategy account), CSRF-checked.

A PUT replaces the layer whole: a field left out is inherited, a field sent as null (or
blank) is switched off, `{}` inherits everything again. A position's layer may also fix its
add-buy `support_price` (whole won on the KRX tick grid; a strategy's may not). A bad value
is a 400 naming the field in Korean and nothing is stored. Decimals travel as strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse

from hantu import messages_ko as ko
from hantu.domain.exit_rule_settings import RuleInvalid
from hantu.domain.values import Symbol
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.strategies import ERRORS
from hantu.service_layer.exit_rules import ExitRulesService, RulesView

router = APIRouter(prefix="/api", tags=["exit rules"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Code = Annotated[str, Path(pattern=r"^[0-9A-Z]{6}$")]
Rules = Annotated[dict[str, Any], Body()]
_KO = ko.exit_rules


def _service(state: StateDep) -> ExitRulesService:
    if state.exit_rules is None:
        raise RuntimeError("exit rules are not wired")
    return state.exit_rules


def _plain(layer: Any) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in dict(layer).items()}


def view_dict(view: RulesView) -> dict[str, Any]:
    return {
        "success": True,
        "rules": _plain(view.own),
        "effective": _plain(view.effective.as_layer()),
        "inherited": _plain(view.inherited.as_layer()),
    }


def _invalid(exc: RuleInvalid) -> JSONResponse:
    body = {"success": False, "error": _KO.invalid(exc.field, exc.reason), "field": exc.field}
    return JSONResponse(body, status_code=400)


@router.get("/strategies/{strategy_id}/exit-rules", responses=ERRORS)
async def strategy_exit_rules(strategy_id: Id, user: CurrentUser, state: StateDep) -> Any:
    """The strategy's own exit rules, what applies, and the environment's defaults."""
    return view_dict(await _service(state).strategy_rules(user.id, strategy_id))


@router.put("/strategies/{strategy_id}/exit-rules", responses=ERRORS, dependencies=[CsrfChecked])
async def set_strategy_exit_rules(
    strategy_id: Id, body: Rules, user: CurrentUser, state: StateDep
) -> Any:
    """Replace the strategy's exit rules; its watched positions use them at once."""
    try:
        view = await _service(state).set_strategy_rules(user.id, strategy_id, body)
    except RuleInvalid as exc:
        return _invalid(exc)
    return view_dict(view) | {"message": _KO.SAVED}


@router.get("/positions/{strategy_account_id}/{symbol}/exit-rules", responses=ERRORS)
async def position_exit_rules(
    strategy_account_id: Id, symbol: Code, user: CurrentUser, state: StateDep
) -> Any:
    """The position's own exit rules, what applies, and its strategy's (inherited)."""
    service = _service(state)
    return view_dict(await service.position_rules(user.id, strategy_account_id, Symbol(symbol)))


@router.put(
    "/positions/{strategy_account_id}/{symbol}/exit-rules",
    responses=ERRORS,
    dependencies=[CsrfChecked],
)
async def set_position_exit_rules(
    strategy_account_id: Id, symbol: Code, body: Rules, user: CurrentUser, state: StateDep
) -> Any:
    """Replace the position's exit rules; the monitor re-resolves it at once."""
    service = _service(state)
    try:
        view = await service.set_position_rules(user.id, strategy_account_id, Symbol(symbol), body)
    except RuleInvalid as exc:
        return _invalid(exc)
    return view_dict(view) | {"message": _KO.SAVED}
