"""The one order pipeline: request → idempotency → risk → persist NEW → send → track.

Webhooks, approved alerts, monitor exits and workers all call `submit`. The order is
committed as NEW before the broker hears of it, so a crash can never leave a placed order we
do not know about; the broker's answer is written in a second transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from hantu import messages_ko as ko
from hantu.domain import risk
from hantu.domain.enums import Side
from hantu.domain.errors import NotFound
from hantu.domain.events import (
    FailedOrderSaved,
    OrderRefused,
    OrderRejected,
    OrderSent,
    OrderUnconfirmed,
    RiskViolated,
)
from hantu.domain.failed_order import FailedOrder
from hantu.domain.masking import mask
from hantu.domain.order import Order, OrderRequest
from hantu.domain.values import OrderId, Price
from hantu.errors import (
    HantuError,
)
from hantu.service_layer import selling
from hantu.service_layer.deps import SEOUL, Deps
from hantu.service_layer.duplicates import answer_duplicate
from hantu.service_layer.fills import adopt_orphans
from hantu.service_layer.in_flight import Sending
from hantu.service_layer.order_sending import (
    Accepted,
    Answer,
    Refused,
    Unanswered,
    send,
)
from hantu.service_layer.outcome import SubmitOutcome, SubmitResult, outcome_of_status
from hantu.service_layer.ports import Broker, ConcurrentUpdate, PipelineUnitOfWork
from hantu.service_layer.queries import OrderView

NOT_AT_BROKER = ko.REASON_NOT_AT_BROKER
log = logging.getLogger(__name__)


def order_id_for(idempotency_key: str) -> OrderId:
    """Derive our order id from the idempotency key, so it is known before any I/O."""
    return OrderId("o" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32])


async def submit(
    deps: Deps,
    request: OrderRequest,
    *,
    retry_of: int | None = None,
    webhook_id: str | None = None,
) -> SubmitResult:
    """Place an order through risk, storage and the broker; a repeated key places nothing
    and answers as its first delivery did (waiting while that one is still being sent)."""
    broker = await deps.brokers.broker_for(request.strategy_account_id)
    valuation = await _valuation(deps, broker, request)
    with deps.in_flight.sending(order_id_for(request.idempotency_key)) as sending:
        try:
            order, early = await _create(deps, request, retry_of, valuation, sending, adopt=True)
        except _AdoptFirst:  # rare: rolled back, the broker asked outside any transaction
            await selling.adopt_for_sell(deps, broker, request)
            order, early = await _create(deps, request, retry_of, valuation, sending, adopt=False)
        if early is None:
            return await _place(deps, broker, order, retry_of, webhook_id)
    if early.outcome is SubmitOutcome.DUPLICATE:
        return await answer_duplicate(deps, order)  # its unit of work is closed: no lock held
    return early


class _AdoptFirst(Exception):
    """The sell must adopt broker holdings before it is created (see `selling`)."""


async def _place(
    deps: Deps, broker: Broker, order: Order, retry_of: int | None, webhook_id: str | None
) -> SubmitResult:
    started = deps.clock.now()
    # The broker's own time plus the longest it may hold the order before sending it (the
    # rate limit), so an order that waited its turn is not cut short once it is out.
    answer = await send(broker, order, deps.order_timeout + deps.order_queue_timeout)
    waited = (deps.clock.now() - started).total_seconds()
    result = await _record(deps, order, answer, retry_of, webhook_id)
    return replace(result, broker_seconds=waited)


async def _valuation(deps: Deps, broker: Broker, request: OrderRequest) -> Price | None:
    """What one share of a buy counts for the exposure rule: its limit price, or for a market
    buy the upper price limit (stored with the order, so it counts while open)."""
    if request.price is not None:
        return request.price
    if request.side is Side.SELL or not await _exposure_limited(deps, request):
        return None
    try:
        quote = await asyncio.wait_for(broker.quote(request.symbol), deps.order_timeout)
    except (HantuError, TimeoutError) as exc:
        log.warning("no quote for %s to value a market buy: %s", request.symbol, mask(str(exc)))
        return None  # the risk rule then refuses the buy rather than guess its size
    # KIS reserves a market buy's cash at the upper price limit; so do we.
    return quote.upper_limit or quote.price


async def _exposure_limited(deps: Deps, request: OrderRequest) -> bool:
    """Whether a per-symbol exposure limit applies (the environment's or the strategy's)."""
    if deps.risk_limits.max_symbol_exposure is not None:
        return True
    async with deps.uow(read_only=True) as uow:
        rules = await uow.risk.account_rules(request.strategy_account_id)
    return rules.limits.max_symbol_exposure is not None


async def _create(
    deps: Deps,
    request: OrderRequest,
    retry_of: int | None,
    valuation: Price | None,
    sending: Sending,
    *,
    adopt: bool,
) -> tuple[Order, SubmitResult | None]:
    async with deps.uow() as uow:
        created = await _create_in(deps, uow, request, retry_of, valuation, adopt=adopt)
        if created is not None:
            if created[1] is None:
                sending.announce()  # before the commit shows the NEW order to a repeat
            await uow.commit()
            return created
        # The key is taken (on PostgreSQL possibly by a transaction that just committed):
        # answer with that order and leave, rolling back whatever this attempt recorded.
        existing = await uow.orders.get_by_idempotency_key(request.idempotency_key)
        if existing is None:
            raise ConcurrentUpdate(f"order with key {request.idempotency_key!r} not readable")
        view = OrderView.of(existing)
        first = outcome_of_status(view.status)
        return existing, SubmitResult(view, SubmitOutcome.DUPLICATE, first=first)


async def _create_in(
    deps: Deps,
    uow: PipelineUnitOfWork,
    request: OrderRequest,
    retry_of: int | None,
    valuation: Price | None,
    *,
    adopt: bool,
) -> tuple[Order, SubmitResult | None] | None:
    now = deps.clock.now()
    order_id = order_id_for(request.idempotency_key)
    order = Order.create(order_id, request, now, valued_price=valuation)
    notional = None if valuation is None else valuation * request.quantity
    violations = await _risk_violations(deps, uow, request, notional, adopt=adopt)
    for violation in violations:
        uow.record(
            RiskViolated(
                strategy_account_id=request.strategy_account_id,
                symbol=request.symbol,
                rule=violation.rule,
                detail=violation.detail,
                occurred_at=now,
            )
        )
    if violations:
        reason = "; ".join(ko.risk_violation(v) for v in violations)
        order.apply(OrderRejected(order_id=order.id, reason=reason, occurred_at=now))
    if not await uow.orders.add(order):
        return None
    failed = await _failed_of_retry(uow, retry_of)
    if failed is not None:
        # Recorded before sending so the retry counts as in flight until its answer is known.
        failed.last_retry_order_id = order.id
        if violations:
            failed.attempted(order.id, now)
            failed.refused_again(order.reason or "", None, now)
    if not violations:
        return order, None
    result = SubmitResult(OrderView.of(order), SubmitOutcome.REJECTED, retry_of, order.reason)
    return order, result


_INACTIVE = risk.RiskViolation(
    "account_inactive", "broker account deactivated", ko.settings_page.REASON_ACCOUNT_INACTIVE
)


async def _risk_violations(
    deps: Deps,
    uow: PipelineUnitOfWork,
    request: OrderRequest,
    notional: Decimal | None,
    *,
    adopt: bool,
) -> list[risk.RiskViolation]:
    if request.side is Side.SELL:  # the buy limits never stop a sell; the position does
        account, symbol = request.strategy_account_id, request.symbol
        capacity = await uow.risk.sell_capacity(account, symbol, lock=True)
        if not capacity.active:
            return [_INACTIVE]
        if adopt and await selling.adopts_first(uow, request, capacity):
            raise _AdoptFirst
        return selling.sell_violations(request, capacity)
    rules = await uow.risk.account_rules(request.strategy_account_id)
    if not rules.active:  # a deactivated broker account takes no new order, buy or sell
        return [_INACTIVE]
    limits = rules.limits.over(deps.risk_limits)  # the strategy's own, else the environment's
    if await uow.risk.entries_paused(request.strategy_account_id):  # Telegram /stop
        return [risk.RiskViolation("entries_paused", "new entries paused", ko.REASON_PAUSED)]
    if limits == risk.RiskLimits():
        return []  # with no limits set there is nothing to read
    since = deps.trading_day_start()
    snapshot = await uow.risk.snapshot(request.strategy_account_id, since)
    return risk.check(
        symbol=request.symbol,
        side=request.side,
        notional=notional,
        snapshot=snapshot,
        limits=limits,
    )


async def _record(
    deps: Deps, order: Order, answer: Answer, retry_of: int | None, webhook_id: str | None
) -> SubmitResult:
    now = deps.clock.now()
    account = None
    if isinstance(answer, Accepted):
        account = await deps.brokers.account_of(order.strategy_account_id)
    for attempt in (1, 2):
        try:
            async with deps.uow() as uow:
                if attempt == 1:
                    uow.orders.attach(order)  # unchanged since we stored it, unless raced
                    current: Order | None = order
                else:
                    current = await uow.orders.get(order.id, for_update=True)
                if current is None:
                    raise NotFound(f"order {order.id} vanished while being sent")
                failed = await _failed_of_retry(uow, retry_of)
                owned = await _claimed(uow, current, answer, account, now)
                result = await _apply_answer(uow, current, owned, failed, now, webhook_id)
                await uow.commit()
                return result
        except ConcurrentUpdate:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _claimed(
    uow: PipelineUnitOfWork, order: Order, answer: Answer, account: str | None, now: datetime
) -> Answer:
    # The broker's number is this order's only if no other order holds it; one that does was
    # settled onto it by its terms, so this order is left to settlement in its turn.
    if not isinstance(answer, Accepted) or account is None:
        return answer
    day = now.astimezone(SEOUL).date()
    if await uow.orders.claim_broker_order(account, day, answer.broker_order_id, order.id):
        return answer
    return Unanswered(f"broker order {answer.broker_order_id} is claimed by another order")


async def _apply_answer(
    uow: PipelineUnitOfWork,
    order: Order,
    answer: Answer,
    failed: FailedOrder | None,
    now: datetime,
    webhook_id: str | None,
) -> SubmitResult:
    match answer:
        case Accepted(broker_order_id=broker_id):
            order.apply(OrderSent(order_id=order.id, broker_order_id=broker_id, occurred_at=now))
            await adopt_orphans(uow, order, now)
            if failed is not None:
                failed.attempted(order.id, now)
                failed.resolve(now)
            return SubmitResult(OrderView.of(order), SubmitOutcome.ACCEPTED)
        case Refused(reason=reason, broker_error=broker_error, counted=counted, refusal=refusal):
            failed_id = await refuse(
                uow,
                order,
                reason,
                broker_error,
                failed,
                now,
                count_attempt=counted,
                webhook_id=webhook_id,
            )
            error = mask(broker_error) if counted else reason  # not sent: say so, in Korean
            view = OrderView.of(order)
            return SubmitResult(view, SubmitOutcome.REFUSED, failed_id, error, refusal=refusal)
        case Unanswered(reason=reason):
            order.apply(OrderUnconfirmed(order_id=order.id, reason=reason, occurred_at=now))
            if failed is not None:
                failed.attempted(order.id, now)
            return SubmitResult(OrderView.of(order), SubmitOutcome.UNCONFIRMED, error=reason)
    raise AssertionError(f"unhandled answer {answer!r}")


async def refuse(
    uow: PipelineUnitOfWork,
    order: Order,
    reason: str,
    broker_error: str | None,
    failed: FailedOrder | None,
    now: datetime,
    *,
    count_attempt: bool = True,
    webhook_id: str | None = None,
) -> int | None:
    """Mark an order as never placed and keep it for a human in a (new or same) failed order."""
    masked = None if broker_error is None else mask(broker_error)
    event = OrderRefused(order_id=order.id, reason=reason, broker_error=masked, occurred_at=now)
    order.apply(event)
    if failed is not None:  # a retry refused again: the same failed order, one more attempt
        if count_attempt:
            failed.attempted(order.id, now)
        failed.refused_again(reason, broker_error, now)
        return failed.id
    failed = FailedOrder.record(
        strategy_account_id=order.strategy_account_id,
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        quantity=order.quantity,
        price=order.price,
        reason=reason,
        broker_error=broker_error,
        order_params=order_params(order),
        now=now,
        order_id=order.id,
        webhook_id=webhook_id[:100] if webhook_id else None,
    )
    await uow.failed_orders.add(failed)
    uow.record(
        FailedOrderSaved(
            failed_order_id=failed.id, order_id=order.id, reason=failed.reason, occurred_at=now
        )
    )
    return failed.id


def order_params(order: Order) -> dict[str, str]:
    """Everything needed to send the order again, as strings (stored as JSON)."""
    params = {
        "idempotency_key": order.idempotency_key,
        "strategy_account_id": str(order.strategy_account_id),
        "symbol": order.symbol.code,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "quantity": str(order.quantity),
        "source": order.source,
    }
    if order.price is not None:
        params["price"] = str(order.price)
    return params


async def _failed_of_retry(uow: PipelineUnitOfWork, retry_of: int | None) -> FailedOrder | None:
    if retry_of is None:
        return None
    failed = await uow.failed_orders.get(retry_of, for_update=True)
    if failed is None:
        raise NotFound(f"failed order {retry_of} does not exist")
    return failed
