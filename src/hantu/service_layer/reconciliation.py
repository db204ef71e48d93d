"""Reconciliation with the broker, whose state wins: settle unconfirmed orders, sync open ones.

An order the broker did not confirm in time is looked up in the broker's orders of the day
(KIS inquire-daily-ccld, TTTC0081R/VTTC0081R); it becomes a failed order only when the
complete list provably lacks it after a grace period, so a retry can never buy twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from hantu.domain import reconcile
from hantu.domain.enums import LIVE_STATUSES, UNSETTLED_STATUSES, OrderStatus
from hantu.domain.events import (
    BrokerStateDiffered,
    OrderCanceled,
    OrderRefused,
    OrderSent,
    OrderUnconfirmed,
)
from hantu.domain.order import Order
from hantu.domain.reports import BrokerOrderReport, BrokerOrderState
from hantu.domain.values import BrokerOrderId, FillId, OrderId, Price, Quantity
from hantu.service_layer.broker_book import BrokerBook
from hantu.service_layer.deps import SEOUL, Deps
from hantu.service_layer.fill_gaps import FillGaps
from hantu.service_layer.fills import adopt_orphans, apply_fill
from hantu.service_layer.orders import NOT_AT_BROKER, refuse
from hantu.service_layer.ports import (
    DEFAULT_BROKER_ACCOUNT,
    ConcurrentUpdate,
    FillRecord,
    PipelineUnitOfWork,
)

log = logging.getLogger(__name__)


@dataclass
class SettleReport:
    found: list[OrderId] = field(default_factory=list)
    absent: list[OrderId] = field(default_factory=list)
    waiting: list[OrderId] = field(default_factory=list)


@dataclass
class SyncReport:
    changed: list[OrderId] = field(default_factory=list)
    unknown_at_broker: list[OrderId] = field(default_factory=list)
    waiting: list[OrderId] = field(default_factory=list)


async def reconcile_with_broker(
    deps: Deps, gaps: FillGaps | None = None
) -> tuple[SettleReport, SyncReport]:
    """Settle unconfirmed orders, then sync open ones, asking each broker once per day listed."""
    book = BrokerBook(deps)
    return await _settle(deps, book), await _sync(deps, gaps, book)


async def check_order(deps: Deps, order_id: OrderId) -> None:
    """Ask the broker about one order now and take its state: an unsettled one is settled
    (with every other one due, as the reconcile loop does), an open one synced at once.

    For callers that have waited already (an alert's fill follow-up waits a minute, longer
    than `FillGaps` patience), so no fill notice can still be on its way to count twice.
    """
    async with deps.uow(read_only=True) as uow:
        order = await uow.orders.get(order_id)
        claim = None if order is None else await uow.orders.claim_of(order_id)
    if order is None:
        return
    book = BrokerBook(deps)
    if order.status.is_unsettled:
        await _settle(deps, book)
        return
    if not order.status.is_live:
        return
    reports = await book.reports(int(order.strategy_account_id), order)
    theirs = None if reports is None else _report_of(order, reports, claim)
    if theirs is not None and _differs(order, theirs):
        await _sync_one(deps, order.id, theirs)


async def settle_unconfirmed(deps: Deps) -> SettleReport:
    """Settle unconfirmed (and stale NEW) orders against the broker's orders of the day."""
    return await _settle(deps, BrokerBook(deps))


async def _settle(deps: Deps, book: BrokerBook) -> SettleReport:
    # The broker's lists are asked first (that can take a while behind rate-limited orders);
    # what is already claimed and what is still in flight is read afterwards, in the unit of
    # work that writes the claims, so nothing that happened meanwhile is missed.
    now = deps.clock.now()
    async with deps.uow(read_only=True) as uow:
        unsettled = await uow.orders.with_status(*UNSETTLED_STATUSES)
    lists: dict[OrderId, list[BrokerOrderReport] | None] = {}
    accounts: dict[str | None, list[OrderId]] = {}
    for order in unsettled:  # names every account now, not inside the writing unit of work
        account = int(order.strategy_account_id)
        name = await book.account(account)
        if _is_due(deps, order, now):
            lists[order.id] = await book.reports(account, order)
            accounts.setdefault(name, []).append(order.id)
    report = SettleReport()
    for name, order_ids in accounts.items():
        if name is None:
            report.waiting.extend(order_ids)
        else:
            await _settle_account(deps, book, name, {i: lists[i] for i in order_ids}, report)
    return report


def _is_due(deps: Deps, order: Order, now: datetime) -> bool:
    # A NEW order is settled only once its send cannot still be waiting for the broker's
    # answer (the process died between storing and sending, or between sending and recording).
    stale_new = max(deps.unconfirmed_grace, timedelta(seconds=2 * deps.order_timeout))
    return order.status is OrderStatus.UNCONFIRMED or now - order.created_at >= stale_new


async def _settle_account(
    deps: Deps,
    book: BrokerBook,
    name: str,
    lists: dict[OrderId, list[BrokerOrderReport] | None],
    report: SettleReport,
) -> None:
    now = deps.clock.now()
    try:
        async with deps.uow() as uow:
            ours = [
                o
                for o in await uow.orders.with_status(*UNSETTLED_STATUSES)
                if await book.account(int(o.strategy_account_id)) == name
            ]
            due_orders = [o for o in ours if o.id in lists]
            since = min((_trading_day(o.created_at) for o in due_orders), default=date.max)
            claimed = await uow.orders.claimed_broker_orders(name, since)
            due = [(o, _unclaimed(lists[o.id], claimed)) for o in due_orders]
            in_flight = [o for o in ours if o.id not in lists]
            grace = deps.unconfirmed_grace
            assigned = reconcile.assign(due, in_flight, set(), now=now, grace=grace)
            verdicts = [(a.order.id, await _settle_one(uow, name, a, now)) for a in assigned]
            await uow.commit()
    except ConcurrentUpdate:  # an order changed meanwhile: the next pass settles them
        log.warning("orders of broker account %s changed while settling; next pass", name)
        report.waiting.extend(lists)
        return
    for order_id, verdict in verdicts:
        {
            reconcile.Verdict.FOUND: report.found,
            reconcile.Verdict.ABSENT: report.absent,
            reconcile.Verdict.WAIT: report.waiting,
        }[verdict].append(order_id)


def _unclaimed(
    reports: list[BrokerOrderReport] | None, claimed: set[tuple[date, BrokerOrderId]]
) -> list[BrokerOrderReport] | None:
    if reports is None:
        return None
    return [r for r in reports if (_trading_day(r.ordered_at), r.broker_order_id) not in claimed]


def _trading_day(at: datetime) -> date:
    return at.astimezone(SEOUL).date()


async def _settle_one(
    uow: PipelineUnitOfWork,
    name: str,
    assignment: reconcile.Assignment,
    now: datetime,
) -> reconcile.Verdict:
    order, verdict, match = assignment.order, assignment.verdict, assignment.report
    if verdict is reconcile.Verdict.WAIT:
        return verdict
    if match is not None:
        day = _trading_day(match.ordered_at)
        if not await uow.orders.claim_broker_order(name, day, match.broker_order_id, order.id):
            return reconcile.Verdict.WAIT  # another order claimed it first: next pass
    counted = order.status is OrderStatus.UNCONFIRMED  # a retry's attempt already counted
    if order.status is OrderStatus.NEW:
        reason = "no broker answer was recorded (interrupted while sending)"
        order.apply(OrderUnconfirmed(order_id=order.id, reason=reason, occurred_at=now))
    failed = await uow.failed_orders.get_by_retry_order(order.id)
    if verdict is reconcile.Verdict.FOUND and match is not None:
        order.apply(
            OrderSent(order_id=order.id, broker_order_id=match.broker_order_id, occurred_at=now)
        )
        await adopt_orphans(uow, order, now)
        await converge(uow, order, match, now)
        if failed is not None:
            if not counted:
                failed.attempted(order.id, now)
            failed.resolve(now)
    else:
        await refuse(uow, order, NOT_AT_BROKER, None, failed, now, count_attempt=not counted)
    return verdict


async def converge(
    uow: PipelineUnitOfWork, order: Order, report: BrokerOrderReport, now: datetime
) -> None:
    """Bring a sent order to the broker's state: missing fills, cancel, rejection."""
    if report.filled_quantity > order.filled_quantity:
        claim = await uow.orders.claim_of(order.id)
        account = DEFAULT_BROKER_ACCOUNT if claim is None else claim[0]
        fill = _catch_up_fill(order, report, account, now)
        await apply_fill(uow, order, fill, now, store=True)
    if report.state is BrokerOrderState.CANCELED and order.status.is_live:
        order.apply(OrderCanceled(order_id=order.id, reason="canceled at broker", occurred_at=now))
    elif report.state is BrokerOrderState.REJECTED and order.status is OrderStatus.SENT:
        order.apply(OrderRefused(order_id=order.id, reason="rejected by broker", occurred_at=now))


def _catch_up_fill(
    order: Order, report: BrokerOrderReport, account: str, now: datetime
) -> FillRecord:
    # The broker reports cumulative quantity and average price; the missing part is the delta.
    delta = report.filled_quantity - order.filled_quantity
    their_value = (report.average_fill_price or order.price or Decimal(0)) * report.filled_quantity
    our_value = (order.average_fill_price or Decimal(0)) * order.filled_quantity
    price = max((their_value - our_value) / delta, Decimal(0))
    # The number is the broker's for that trading day only: the id holds the day, so the same
    # number on another day is another fill (the account scopes it as for every fill).
    day = _trading_day(report.ordered_at)
    return FillRecord(
        fill_id=FillId(f"{day:%Y%m%d}-{report.broker_order_id}:sync:{report.filled_quantity}"),
        broker_order_id=report.broker_order_id,
        broker_account=account,
        symbol=order.symbol,
        side=order.side,
        quantity=Quantity(delta),
        price=Price(price),
        filled_at=now,
    )


def _theirs(report: BrokerOrderReport) -> OrderStatus:
    match report.state:
        case BrokerOrderState.FILLED:
            return OrderStatus.FILLED
        case BrokerOrderState.CANCELED:
            return OrderStatus.CANCELED
        case BrokerOrderState.REJECTED:
            return OrderStatus.ERROR
        case _:
            return OrderStatus.PARTIAL if report.filled_quantity else OrderStatus.SENT


async def sync_order_status(deps: Deps, gaps: FillGaps | None = None) -> SyncReport:
    """Take the broker's state for every open order; record each difference as an event.

    Without `gaps` every difference is taken at once (a one-off sync, e.g. at start-up);
    a periodic caller passes the same `FillGaps` each time.
    """
    return await _sync(deps, gaps, BrokerBook(deps))


async def _sync(deps: Deps, gaps: FillGaps | None, book: BrokerBook) -> SyncReport:
    async with deps.uow(read_only=True) as uow:
        live = await uow.orders.with_status(*LIVE_STATUSES)
        days = {o.id: await uow.orders.claim_of(o.id) for o in live}
    if gaps is not None:
        gaps.forget_except({order.id for order in live})
    result = SyncReport()
    for order in live:
        reports = await book.reports(int(order.strategy_account_id), order)
        if reports is None:
            continue
        theirs = _report_of(order, reports, days[order.id])
        if theirs is None:
            result.unknown_at_broker.append(order.id)
        elif not _differs(order, theirs):
            continue
        elif gaps is not None and not gaps.ripe(order, theirs, deps.clock.now()):
            result.waiting.append(order.id)
        elif await _sync_one(deps, order.id, theirs):
            result.changed.append(order.id)
    return result


def _report_of(
    order: Order, reports: list[BrokerOrderReport], claim: tuple[str, date] | None
) -> BrokerOrderReport | None:
    # The lists may span two trading days, and a KIS order number is unique per day only.
    for report in reports:
        on_day = claim is None or _trading_day(report.ordered_at) == claim[1]
        if report.broker_order_id == order.broker_order_id and on_day:
            return report
    return None


def _differs(order: Order, report: BrokerOrderReport) -> bool:
    return _theirs(report) is not order.status or report.filled_quantity != order.filled_quantity


async def _sync_one(deps: Deps, order_id: OrderId, report: BrokerOrderReport) -> bool:
    now = deps.clock.now()
    async with deps.uow() as uow:
        order = await uow.orders.get(order_id, for_update=True)
        if order is None or not order.status.is_live:
            return False
        ours = order.status
        ours_filled = order.filled_quantity
        await converge(uow, order, report, now)
        detail = f"filled {ours_filled} -> broker {report.filled_quantity}, state {report.state}"
        uow.record(
            BrokerStateDiffered(
                order_id=order.id,
                ours=ours,
                theirs=_theirs(report),
                detail=detail,
                occurred_at=now,
            )
        )
        await uow.commit()
    return True
