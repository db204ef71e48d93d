"""Strategy webhooks: parse and validate a delivery, then send one order per strategy account
through the one pipeline, at once (no queue).

TradingView sends the alert message as the body, `application/json` when it parses as JSON
and `text/plain` otherwise, so the header is ignored and the raw body is parsed. Numbers are
read as `Decimal` (never float). A delivery's `id` is its idempotency key: a repeated
delivery maps to the same order per account, so the pipeline places nothing new.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from hantu import messages_ko as ko
from hantu.domain.enums import OrderType, Side
from hantu.domain.errors import DomainError, InvalidValue
from hantu.domain.order import OrderRequest
from hantu.domain.values import (
    Price,
    Quantity,
    StrategyAccountId,
    Symbol,
    is_on_tick,
    plain_decimal,
)
from hantu.service_layer.orders import order_id_for
from hantu.service_layer.outcome import Refusal, SubmitOutcome, SubmitResult

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_ID_LENGTH = 100
_E = TypeVar("_E", bound=StrEnum)
_EXCHANGE_PREFIXES = frozenset({"KRX", "KOSPI", "KOSDAQ"})


class WebhookInvalid(DomainError):
    """The delivery cannot become an order; `field` names what is wrong."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"{field}: {detail}")


class BodyTooLarge(WebhookInvalid):
    """The body is over `MAX_BODY_BYTES`."""

    def __init__(self) -> None:
        super().__init__("body", ko.WEBHOOK_TOO_LARGE)


class FieldMissing(WebhookInvalid):
    """A required field is absent (or empty)."""

    def __init__(self, field: str) -> None:
        super().__init__(field, ko.WEBHOOK_DETAIL_MISSING)


@dataclass(frozen=True, slots=True)
class WebhookSignal:
    symbol: Symbol
    side: Side
    order_type: OrderType
    quantity: Quantity
    price: Price | None
    delivery_id: str | None


def _reject_constant(name: str) -> Any:
    raise WebhookInvalid("body", ko.WEBHOOK_DETAIL_JSON_CONSTANT.format(name=name))


def decode_body(body: bytes) -> dict[str, Any]:
    """Parse a raw body as a JSON object, whatever the Content-Type said."""
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge
    try:
        text = body.decode("utf-8")
        payload = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise WebhookInvalid("body", ko.WEBHOOK_NOT_JSON) from None
    if not isinstance(payload, dict):
        raise WebhookInvalid("body", ko.WEBHOOK_NOT_OBJECT)
    return payload


def token_of(payload: dict[str, Any]) -> str | None:
    """The strategy token carried in the body (TradingView cannot set headers)."""
    token = payload.get("token")
    return token if isinstance(token, str) and token else None


def _text(payload: dict[str, Any], field: str) -> str:
    value = payload.get(field)
    if value is None:
        raise FieldMissing(field)
    if not isinstance(value, str) or not value.strip():
        raise WebhookInvalid(field, ko.WEBHOOK_DETAIL_EMPTY_TEXT)
    return value.strip()


def parse_symbol(raw: str) -> Symbol:
    """Accept `005930` or `KRX:005930` (TradingView's exchange prefix)."""
    code = raw.upper()
    if ":" in code:
        exchange, _, code = code.partition(":")
        if exchange not in _EXCHANGE_PREFIXES:
            raise WebhookInvalid(
                "symbol", ko.WEBHOOK_DETAIL_UNKNOWN_EXCHANGE.format(exchange=exchange[:20])
            )
    try:
        return Symbol(code)
    except InvalidValue:
        raise WebhookInvalid("symbol", ko.WEBHOOK_DETAIL_UNKNOWN_SYMBOL) from None


def _number(payload: dict[str, Any], field: str) -> Decimal:
    value = payload.get(field)
    if value is None or value == "":
        raise FieldMissing(field)
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise WebhookInvalid(field, ko.WEBHOOK_DETAIL_NOT_NUMBER)
    # A string must be written plainly: a template's "1_000" must not place 1,000 shares.
    number = plain_decimal(value) if isinstance(value, str) else Decimal(value)
    if number is None:
        raise WebhookInvalid(field, ko.WEBHOOK_NUMBER_FORMAT)
    if not number.is_finite():
        raise WebhookInvalid(field, ko.WEBHOOK_DETAIL_NOT_FINITE)
    return number


def _quantity(payload: dict[str, Any]) -> Quantity:
    number = _number(payload, "quantity")
    if number <= 0:
        raise WebhookInvalid("quantity", ko.WEBHOOK_DETAIL_NOT_POSITIVE)
    if number > 10**9:
        raise WebhookInvalid("quantity", ko.WEBHOOK_DETAIL_TOO_LARGE)
    try:
        return Quantity(number)
    except InvalidValue:
        raise WebhookInvalid("quantity", ko.WEBHOOK_DETAIL_WHOLE_SHARES) from None


def _price(payload: dict[str, Any], order_type: OrderType) -> Price | None:
    if order_type is OrderType.MARKET:
        return None  # templates often send {{close}} with market orders: ignored, not an error
    number = _number(payload, "price")
    if number <= 0 or number > 10**9:
        raise WebhookInvalid("price", ko.WEBHOOK_DETAIL_PRICE_RANGE)
    return Price(number)


def check_price_grid(signal: WebhookSignal, own_tick: Decimal | None = None) -> None:
    """Refuse a limit price off the symbol's grid: its own tick (ETFs, ETNs) or KRX's table."""
    price = signal.price
    if price is None or is_on_tick(price):
        return
    if own_tick is not None and price % own_tick == 0:
        return
    tick = (
        ko.WEBHOOK_DETAIL_OWN_TICK.format(tick=own_tick)
        if own_tick is not None
        else ko.WEBHOOK_DETAIL_KRX_TICKS
    )
    raise WebhookInvalid("price", ko.WEBHOOK_DETAIL_OFF_TICK.format(price=price, tick=tick))


def _choice(payload: dict[str, Any], field: str, enum: type[_E]) -> _E:
    raw = _text(payload, field).upper()
    try:
        return enum(raw)
    except ValueError:
        allowed = "/".join(member.value for member in enum)
        raise WebhookInvalid(field, ko.WEBHOOK_DETAIL_CHOICE.format(allowed=allowed)) from None


def _delivery_id(payload: dict[str, Any]) -> str | None:
    value = payload.get("id")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise WebhookInvalid("id", ko.WEBHOOK_DETAIL_NOT_TEXT)
    text = str(value).strip()
    if not text or len(text) > MAX_ID_LENGTH or not text.isprintable():
        raise WebhookInvalid("id", ko.WEBHOOK_DETAIL_ID_LENGTH.format(high=MAX_ID_LENGTH))
    return text


def parse_signal(payload: dict[str, Any]) -> WebhookSignal:
    """Validate a decoded delivery, naming the first field that is wrong.

    The price's grid depends on the symbol (ETFs have their own tick), so it is checked
    afterwards with `check_price_grid`, once the broker has said which symbol this is.
    """
    symbol = parse_symbol(_text(payload, "symbol"))
    side = _choice(payload, "side", Side)
    order_type = _choice(payload, "order_type", OrderType)
    quantity = _quantity(payload)
    price = _price(payload, order_type)
    return WebhookSignal(symbol, side, order_type, quantity, price, _delivery_id(payload))


@dataclass(frozen=True, slots=True)
class AccountResult:
    """What happened to one strategy account's order."""

    strategy_account_id: int
    outcome: SubmitOutcome  # never DUPLICATE: a repeat answers as its first delivery
    order_id: str
    broker_order_id: str | None = None
    error: str | None = None
    failed_order_id: int | None = None
    duplicate: bool = False  # a repeated delivery: answered from the first, nothing placed
    broker_seconds: float | None = None
    refusal: Refusal | None = None  # a REFUSED order's cause
    reason: str | None = None  # the order's stored reason (the broker's own message, or ours)

    @classmethod
    def of(cls, request: OrderRequest, result: SubmitResult) -> AccountResult:
        """The pipeline's result for one account, as every caller of `orders.submit` reports it."""
        return cls(
            strategy_account_id=int(request.strategy_account_id),
            outcome=result.order_outcome,
            order_id=result.order.id,
            broker_order_id=result.order.broker_order_id,
            error=result.error or result.order.reason,
            failed_order_id=result.failed_order_id,
            duplicate=result.outcome is SubmitOutcome.DUPLICATE,
            broker_seconds=result.broker_seconds,
            refusal=result.refusal,
            reason=result.order.reason,
        )


SubmitFn = Callable[[OrderRequest, str | None], Awaitable[AccountResult]]
"""The pipeline's `submit`, adapted: (request, webhook id) → result."""


def idempotency_key(strategy_id: int, account_id: int, delivery_id: str | None) -> str:
    """Same delivery id → same key per account; no id → a fresh key (no deduplication)."""
    delivery = delivery_id if delivery_id is not None else f"anon-{uuid.uuid4().hex}"
    return f"webhook:{strategy_id}:{account_id}:{delivery}"


async def execute(
    submit: SubmitFn,
    strategy_id: int,
    account_ids: Sequence[StrategyAccountId],
    signal: WebhookSignal,
) -> list[AccountResult]:
    """Send the signal's order for every account of the strategy at once."""
    requests = [
        OrderRequest(
            idempotency_key=idempotency_key(strategy_id, account_id, signal.delivery_id),
            strategy_account_id=account_id,
            symbol=signal.symbol,
            side=signal.side,
            order_type=signal.order_type,
            quantity=signal.quantity,
            price=signal.price,
            source="webhook",
        )
        for account_id in account_ids
    ]
    answers = await asyncio.gather(
        *(submit(req, signal.delivery_id) for req in requests), return_exceptions=True
    )
    return [_result_of(req, answer) for req, answer in zip(requests, answers, strict=True)]


def _result_of(request: OrderRequest, answer: AccountResult | BaseException) -> AccountResult:
    # One account's failure must not hide what happened to the others' orders.
    if isinstance(answer, AccountResult):
        return answer
    if not isinstance(answer, Exception):
        raise answer
    log.error(
        "webhook order for strategy account %s failed",
        request.strategy_account_id,
        exc_info=answer,
    )
    return AccountResult(
        strategy_account_id=int(request.strategy_account_id),
        outcome=SubmitOutcome.ERROR,
        order_id=order_id_for(request.idempotency_key),
        error=ko.SYSTEM_ERROR,
    )
