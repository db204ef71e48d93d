"""Fill follow-up (spec 000 §6.3): an approved alert's order that has not filled a while after
approval (a minute by default) is looked up at the broker, then the alert's message says what
the broker answered: the fill, the fill so far, or a warning to check the balance and orders.

Driven by the alert sweeper from stored data only (the alert's order, its decision time and a
done-marker), so a restart neither loses a follow-up nor does one twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hantu.domain.alerts import Alert
from hantu.domain.enums import OrderStatus
from hantu.domain.values import Symbol
from hantu.messages_ko import alerts as ko
from hantu.service_layer.alert_telegram import AlertBotDeps, labelled_text
from hantu.service_layer.queries import OrderView

log = logging.getLogger(__name__)

OrderCheck = Callable[[str], Awaitable[OrderView | None]]
"""Ask the broker about one of our orders now and take its state; the order as stored then
(None when we have no such order)."""


@dataclass(frozen=True, slots=True)
class FollowUpDeps:
    bot: AlertBotDeps
    check: OrderCheck
    wait: timedelta
    horizon: timedelta = timedelta(days=1)
    """Alerts decided longer ago are left alone: their order's day is history by then."""


async def follow_up_fills(deps: FollowUpDeps) -> int:
    """Follow up every approved alert whose wait is over, once each; how many were edited."""
    store = deps.bot.alerts.store
    now = deps.bot.alerts.clock.now()
    edited = 0
    for alert in await store.awaiting_follow_up(now - deps.wait, now - deps.horizon):
        try:
            edited += await _follow_up(deps, alert, now)
        except Exception:  # one alert's failure must not hold up the others
            log.exception("alert %s: fill follow-up failed", alert.id)
    return edited


async def _follow_up(deps: FollowUpDeps, alert: Alert, now: datetime) -> bool:
    store = deps.bot.alerts.store
    if alert.order_id is None or alert.chat_id is None or alert.message_id is None:
        await store.mark_followed_up(alert.id, now)  # nothing to show it in
        return False
    order = await _checked(deps, alert.order_id)
    line = _line(order, await _name(deps, alert.symbol), deps.wait.total_seconds())
    if not await store.mark_followed_up(alert.id, now):
        return False  # another sweep did it meanwhile
    if not await store.set_fill_line(alert.id, line):
        return False  # the fill notice showed this line already
    parts = [await labelled_text(deps.bot, alert), ""]
    if order is not None and order.broker_order_id is not None:
        parts.append(ko.executed(order.broker_order_id, alert.quantity, alert.limit_price))
    parts.append(line)
    await deps.bot.messenger.edit(alert.chat_id, alert.message_id, "\n".join(parts))
    return True


async def _checked(deps: FollowUpDeps, order_id: str) -> OrderView | None:
    try:
        return await deps.check(order_id)
    except Exception:  # the broker or database could not tell: the warning says so
        log.warning("order %s: broker check for an alert failed", order_id, exc_info=True)
        return None


async def _name(deps: FollowUpDeps, code: str) -> str:
    try:
        symbol = Symbol(code)
        return (await deps.bot.names.names([symbol])).get(symbol, code)
    except Exception:  # a name lookup never stops a message
        return code


def _line(order: OrderView | None, name: str, waited: float) -> str:
    if order is None:
        return ko.no_fill_notice(waited)
    price = order.average_fill_price
    match order.status:
        case OrderStatus.FILLED if price is not None:
            return ko.filled(name, price, order.filled_quantity)
        case OrderStatus.PARTIAL if price is not None:
            return ko.partly_filled(name, order.filled_quantity, order.quantity, price)
        case OrderStatus.SENT:
            return ko.still_open(waited)
        case OrderStatus.CANCELED:
            return ko.CANCELED_AT_BROKER
        case OrderStatus.ERROR:
            return ko.NOT_AT_BROKER
        case _:
            return ko.no_fill_notice(waited)
