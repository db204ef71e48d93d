"""ALERT mode's use cases: create an alert from a signal, approve, reject, expire.

Approval claims the alert with one conditional UPDATE (PENDING→APPROVING, not expired), so
of any number of concurrent presses and the sweeper exactly one goes on to place the order,
through the one order pipeline, with the idempotency key `alert:{id}`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hantu import messages_ko as ko_orders
from hantu.domain.alerts import Alert, AlertId, AlertStatus, moved_beyond, strip_secrets
from hantu.domain.enums import OrderType
from hantu.domain.errors import DomainError
from hantu.domain.events import AlertCreated, AlertDecided
from hantu.domain.masking import mask
from hantu.domain.order import OrderRequest
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.errors import ConfigError, HantuError, OrderNotPlaced
from hantu.messages_ko import alerts as ko
from hantu.service_layer.alerts_ports import AlertStore, Publish, Quote, Submit
from hantu.service_layer.order_sending import reason_of, refusal_of
from hantu.service_layer.orders import order_id_for
from hantu.service_layer.outcome import Refusal, SubmitOutcome
from hantu.service_layer.ports import BrokerDirectory, Clock
from hantu.service_layer.webhooks import AccountResult, WebhookSignal

log = logging.getLogger(__name__)


class DecisionOutcome(StrEnum):
    EXECUTED = "EXECUTED"
    FAILED = "FAILED"
    UNCONFIRMED = "UNCONFIRMED"
    BROKER_AUTH = "BROKER_AUTH"  # the broker refused our credentials: nothing placed
    NETWORK = "NETWORK"  # the broker could not be reached: nothing placed
    REJECTED = "REJECTED"
    PRICE_MOVED = "PRICE_MOVED"
    EXPIRED = "EXPIRED"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_HANDLED = "ALREADY_HANDLED"


@dataclass(frozen=True, slots=True)
class AlertActor:
    user_id: int
    via: str  # "telegram" | "web" | "system"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: DecisionOutcome
    alert: Alert | None
    order_id: str | None
    message_ko: str
    new_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AlertDeps:
    store: AlertStore
    clock: Clock
    submit: Submit
    quote: Quote
    publish: Publish = lambda events: None


def _expiry_minutes(alert: Alert) -> int:
    return max(1, round((alert.expires_at - alert.created_at).total_seconds() / 60))


async def create_alert(
    deps: AlertDeps,
    *,
    user_id: int,
    strategy_id: int,
    account_ids: list[int],
    signal: WebhookSignal,
    payload: dict[str, Any],
    expiry_minutes: int = 5,
    tolerance_pct: Decimal = Decimal("1"),
) -> Alert:
    """Store a pending alert; a repeated delivery (same id) returns the first alert."""
    now = deps.clock.now()
    key = f"alert:{strategy_id}:{signal.delivery_id}" if signal.delivery_id else None
    price: Decimal | None = signal.price
    if price is None and account_ids:
        price = await deps.quote(account_ids[0], str(signal.symbol))
    alert = Alert(
        id=AlertId(uuid.uuid4().hex),
        user_id=user_id,
        strategy_id=strategy_id,
        strategy_account_ids=tuple(account_ids),
        symbol=str(signal.symbol),
        side=signal.side,
        quantity=Decimal(signal.quantity),
        price_at_creation=Decimal(price) if price is not None else None,
        order_type=signal.order_type,
        limit_price=Decimal(signal.price) if signal.price is not None else None,
        created_at=now,
        expires_at=now + timedelta(minutes=expiry_minutes),
        idempotency_key=key,
        signal=strip_secrets(payload),
        tolerance_pct=tolerance_pct,
    )
    stored, created = await deps.store.add(alert)
    if created:
        deps.publish(
            [
                AlertCreated(
                    occurred_at=now, alert_id=stored.id, user_id=user_id, strategy_id=strategy_id
                )
            ]
        )
    return stored


async def _refusal(deps: AlertDeps, alert_id: AlertId, user_id: int) -> Decision:
    """Why a claim failed: unknown/foreign, expired, or handled already."""
    alert = await deps.store.get(alert_id)
    if alert is None or alert.user_id != user_id:
        return Decision(DecisionOutcome.NOT_FOUND, None, None, ko.NOT_FOUND)
    if alert.status is AlertStatus.EXPIRED or alert.is_due(deps.clock.now()):
        return Decision(DecisionOutcome.EXPIRED, alert, None, ko.expired(_expiry_minutes(alert)))
    return Decision(DecisionOutcome.ALREADY_HANDLED, alert, alert.order_id, ko.NOT_FOUND)


async def approve(
    deps: AlertDeps, alert_id: AlertId, actor: AlertActor, *, confirmed_price: Decimal | None = None
) -> Decision:
    """Check the price, claim the alert, then place its order through the pipeline."""
    alert = await deps.store.get(alert_id)
    if alert is None or alert.user_id != actor.user_id:
        return Decision(DecisionOutcome.NOT_FOUND, None, None, ko.NOT_FOUND)
    if alert.status is AlertStatus.PENDING and not alert.is_due(deps.clock.now()):
        moved = await _price_moved(deps, alert, confirmed_price)
        if moved is not None:
            return moved
    order_id = order_id_for(_order_key(alert))
    claimed = await deps.store.claim(alert_id, actor.user_id, deps.clock.now(), order_id)
    if claimed is None:
        return await _refusal(deps, alert_id, actor.user_id)
    return await _execute(deps, claimed, actor)


async def _price_moved(
    deps: AlertDeps, alert: Alert, confirmed_price: Decimal | None
) -> Decision | None:
    reference = confirmed_price if confirmed_price is not None else alert.price_at_creation
    if reference is None:
        return None
    current = await deps.quote(alert.strategy_account_id, alert.symbol)
    if current is None or not moved_beyond(reference, current, alert.tolerance_pct):
        return None
    return Decision(
        DecisionOutcome.PRICE_MOVED,
        alert,
        None,
        ko.price_moved(reference, current),
        new_price=current,
    )


def _order_key(alert: Alert) -> str:
    return f"alert:{alert.id}"


async def _execute(deps: AlertDeps, alert: Alert, actor: AlertActor) -> Decision:
    request = OrderRequest(
        idempotency_key=_order_key(alert),
        strategy_account_id=StrategyAccountId(alert.strategy_account_id),
        symbol=Symbol(alert.symbol),
        side=alert.side,
        order_type=alert.order_type,
        quantity=Quantity(alert.quantity),
        price=Price(alert.limit_price)
        if alert.order_type is OrderType.LIMIT and alert.limit_price is not None
        else None,
        source="alert",
    )
    try:
        result = await deps.submit(request, alert.idempotency_key)
    except Exception as exc:  # the alert must not stay APPROVING; the order (if any) is settled
        log.warning("alert %s: order submission raised %s", alert.id, type(exc).__name__)
        result = _raised(exc, alert, request)
    now = deps.clock.now()
    outcome, status, reason, text = _verdict(alert, result)
    decided = alert.moved_to(
        status,
        decided_by=actor.user_id,
        decided_via=actor.via,
        decided_at=now,
        order_id=result.order_id,
        failure_reason=reason,
    )
    stored = await deps.store.decide(alert.id, AlertStatus.APPROVING, decided) or decided
    _published(deps, stored)
    return Decision(outcome, stored, result.order_id, text)


def _raised(exc: Exception, alert: Alert, request: OrderRequest) -> AccountResult:
    """What a submission that raised stands for. A definitive refusal raised before the order
    was sent (the broker or our rules said no) fails; anything else may have left after the
    order was stored, so it is unconfirmed: settled like any unconfirmed order, never resent."""
    order_id = order_id_for(request.idempotency_key)
    account = alert.strategy_account_id
    match exc:
        case OrderNotPlaced():
            return AccountResult(
                account,
                SubmitOutcome.REFUSED,
                order_id,
                error=reason_of(exc),
                reason=reason_of(exc),
                refusal=refusal_of(exc),
            )
        case ConfigError() | DomainError():
            reason = ko_orders.REASON_CONFIG if isinstance(exc, ConfigError) else mask(str(exc))
            refusal = Refusal.CONFIG if isinstance(exc, ConfigError) else None
            return AccountResult(
                account,
                SubmitOutcome.REFUSED,
                order_id,
                error=reason,
                reason=reason,
                refusal=refusal,
            )
        case _:
            log.error("alert %s: order %s left unconfirmed", alert.id, order_id, exc_info=exc)
            error = type(exc).__name__
            return AccountResult(account, SubmitOutcome.UNCONFIRMED, order_id, error=error)


def _verdict(
    alert: Alert, result: AccountResult
) -> tuple[DecisionOutcome, AlertStatus, str | None, str]:
    """(outcome, alert status, stored reason, the line shown) of the pipeline's result."""
    reason = result.reason or result.error or result.outcome.value
    match result.outcome, result.refusal:
        case SubmitOutcome.ACCEPTED, _:
            order = result.broker_order_id or result.order_id
            text = ko.executed(order, alert.quantity, alert.limit_price)
            return DecisionOutcome.EXECUTED, AlertStatus.EXECUTED, None, text
        case SubmitOutcome.UNCONFIRMED, _:
            # The order exists or may: it is settled like any unconfirmed order, never resent.
            return DecisionOutcome.UNCONFIRMED, AlertStatus.EXECUTED, ko.UNCONFIRMED, ko.UNCONFIRMED
        case SubmitOutcome.REFUSED, Refusal.AUTH:
            return DecisionOutcome.BROKER_AUTH, AlertStatus.FAILED, reason, ko.BROKER_AUTH
        case SubmitOutcome.REFUSED, Refusal.UNREACHABLE:
            return DecisionOutcome.NETWORK, AlertStatus.FAILED, reason, ko.NETWORK
        case _:
            return DecisionOutcome.FAILED, AlertStatus.FAILED, reason, ko.failed(reason)


def _published(deps: AlertDeps, alert: Alert) -> None:
    deps.publish(
        [
            AlertDecided(
                occurred_at=alert.decided_at or deps.clock.now(),
                alert_id=alert.id,
                user_id=alert.user_id,
                status=alert.status.value,
                via=alert.decided_via or "system",
                order_id=alert.order_id,
            )
        ]
    )


async def reject(deps: AlertDeps, alert_id: AlertId, actor: AlertActor) -> Decision:
    alert = await deps.store.get(alert_id)
    if alert is None or alert.user_id != actor.user_id:
        return Decision(DecisionOutcome.NOT_FOUND, None, None, ko.NOT_FOUND)
    if alert.status is not AlertStatus.PENDING:
        return await _refusal(deps, alert_id, actor.user_id)
    now = deps.clock.now()
    decided = alert.moved_to(
        AlertStatus.REJECTED, decided_by=actor.user_id, decided_via=actor.via, decided_at=now
    )
    stored = await deps.store.decide(alert_id, AlertStatus.PENDING, decided)
    if stored is None:
        return await _refusal(deps, alert_id, actor.user_id)
    _published(deps, stored)
    return Decision(DecisionOutcome.REJECTED, stored, None, ko.REJECTED)


async def expire_due(deps: AlertDeps) -> list[Alert]:
    """Expire every pending alert past its time (server clock); the ones this call expired."""
    now = deps.clock.now()
    expired: list[Alert] = []
    for alert in await deps.store.due(now):
        decided = replace(
            alert.moved_to(AlertStatus.EXPIRED),
            decided_via="system",
            decided_at=now,
        )
        stored = await deps.store.decide(alert.id, AlertStatus.PENDING, decided)
        if stored is not None:
            expired.append(stored)
            _published(deps, stored)
    return expired


async def pending_for(deps: AlertDeps, user_id: int) -> list[Alert]:
    return await deps.store.pending_for(user_id)


async def decided_for(deps: AlertDeps, user_id: int, limit: int = 50) -> list[Alert]:
    return await deps.store.decided_for(user_id, limit)


async def get_for(deps: AlertDeps, user_id: int, alert_id: AlertId) -> Alert | None:
    alert = await deps.store.get(alert_id)
    return alert if alert is not None and alert.user_id == user_id else None


def broker_quote(brokers: BrokerDirectory) -> Quote:
    """The current price through the account's broker; None when it cannot be read."""

    async def quote(strategy_account_id: int, symbol: str) -> Decimal | None:
        try:
            broker = await brokers.broker_for(strategy_account_id)
            return Decimal((await broker.quote(Symbol(symbol))).price)
        except HantuError:
            return None

    return quote
