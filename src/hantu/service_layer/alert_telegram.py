"""ALERT mode in Telegram: announce an alert with ✅/❌ buttons, act on a press, sweep.

Every press is answered once (answerCallbackQuery) before any order is placed, so Telegram's
spinner stops at once: after the signature and the linked chat and sender are checked; the
alert's owner is checked by the use case, and the decision replaces the message's text
(its buttons go away).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from hantu.domain.alert_callbacks import AlertAction, sign, verify
from hantu.domain.alerts import Alert, AlertStatus
from hantu.domain.enums import Side
from hantu.domain.values import Symbol
from hantu.messages_ko import alerts as ko
from hantu.service_layer import alerts
from hantu.service_layer.alerts import AlertActor, AlertDeps, Decision, DecisionOutcome
from hantu.service_layer.symbol_names import NoNames, SymbolNames, symbol_label

log = logging.getLogger(__name__)


class AlertMessenger(Protocol):
    async def send_with_buttons(
        self, chat_id: int, text: str, buttons: list[tuple[str, str]]
    ) -> int:
        """Send `text` with inline buttons (label, callback data); the message id."""
        ...

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Replace the message's text; its buttons go away."""
        ...

    async def answer_press(self, callback_id: str, text: str | None) -> None: ...


@dataclass(frozen=True, slots=True)
class AlertBotDeps:
    alerts: AlertDeps
    messenger: AlertMessenger
    key: bytes
    chat_of: Callable[[int], Awaitable[int | None]]
    """user id → their linked chat."""
    user_of_chat: Callable[[int, int | None], Awaitable[int | None]]
    """(chat id, sender id) → the linked user when both are theirs."""
    names: SymbolNames = field(default_factory=NoNames)
    """Symbol names shown beside codes (삼성전자 005930)."""


def alert_text(alert: Alert, label: str | None = None) -> str:
    """The alert's text; `label` is the symbol with its name (the code alone without it)."""
    price = alert.limit_price if alert.limit_price is not None else alert.price_at_creation
    buy = alert.side is Side.BUY
    return ko.alert_body(label or alert.symbol, buy, alert.quantity, price, _expiry(alert))


async def labelled_text(deps: AlertBotDeps, alert: Alert) -> str:
    """`alert_text` with the symbol's name beside its code when the name is known."""
    try:
        names = await deps.names.names([Symbol(alert.symbol)])
    except Exception:  # a name lookup never stops a message
        log.warning("alert %s: symbol name lookup failed", alert.id, exc_info=True)
        names = {}
    return alert_text(alert, symbol_label(alert.symbol, names))


def _expiry(alert: Alert) -> int:
    return max(1, round((alert.expires_at - alert.created_at).total_seconds() / 60))


async def announce(deps: AlertBotDeps, alert: Alert) -> int | None:
    """Send the alert to its owner's linked chat; the message id (None: no chat linked)."""
    chat_id = await deps.chat_of(alert.user_id)
    if chat_id is None:
        return None
    buttons = [
        (ko.APPROVE_BUTTON, sign(deps.key, AlertAction.APPROVE, alert.id)),
        (ko.REJECT_BUTTON, sign(deps.key, AlertAction.REJECT, alert.id)),
    ]
    text = await labelled_text(deps, alert)
    message_id = await deps.messenger.send_with_buttons(chat_id, text, buttons)
    await deps.alerts.store.set_message(alert.id, chat_id, message_id)
    return message_id


async def on_press(
    deps: AlertBotDeps, callback_id: str, chat_id: int | None, from_id: int | None, data: str | None
) -> Decision | None:
    """Handle one button press; the decision, or None when the press was refused."""
    found = verify(deps.key, data)
    if found is None:
        log.warning("alert button with a bad signature refused")
        await deps.messenger.answer_press(callback_id, ko.NOT_FOUND)
        return None
    user_id = await deps.user_of_chat(chat_id, from_id) if chat_id is not None else None
    if user_id is None:
        await deps.messenger.answer_press(callback_id, ko.NOT_LINKED)
        return None
    action, alert_id, confirmed = found
    # Answered before the order, to stop the spinner: a tap on an alert already decided
    # learns so here (its message already shows the result, which is left as it is).
    current = await deps.alerts.store.get(alert_id)
    await deps.messenger.answer_press(callback_id, _press_answer(current, user_id))
    actor = AlertActor(user_id=user_id, via="telegram")
    if action is AlertAction.APPROVE:
        decision = await alerts.approve(deps.alerts, alert_id, actor, confirmed_price=confirmed)
    else:
        decision = await alerts.reject(deps.alerts, alert_id, actor)
    await _show(deps, decision)
    return decision


async def show_web_decision(deps: AlertBotDeps, decision: Decision) -> None:
    """An alert decided on the web: its Telegram message shows the result too and loses its
    buttons, as a press would (a moved price stays a question on the web page only). Never
    raises: the web answer does not depend on Telegram."""
    if decision.outcome is DecisionOutcome.PRICE_MOVED:
        return
    try:
        await _show(deps, decision)
    except Exception:
        log.exception("could not edit the Telegram message of alert %s", decision.alert)


def _press_answer(alert: Alert | None, user_id: int) -> str | None:
    """The press's answer: none for a pending alert of this user, else why nothing happens."""
    if alert is None or alert.user_id != user_id:
        return ko.NOT_FOUND
    if alert.status is AlertStatus.EXPIRED:
        return ko.expired(_expiry(alert))
    return None if alert.status is AlertStatus.PENDING else ko.NOT_FOUND


async def _show(deps: AlertBotDeps, decision: Decision) -> None:
    alert = decision.alert
    if alert is None or alert.chat_id is None or alert.message_id is None:
        return
    if decision.outcome is DecisionOutcome.ALREADY_HANDLED:
        return  # a second tap: the message shows the first one's result and keeps it
    if decision.outcome is DecisionOutcome.PRICE_MOVED:
        return await _ask_again(deps, alert, decision.new_price)
    text = f"{await labelled_text(deps, alert)}\n\n{decision.message_ko}"
    current = await deps.alerts.store.get(alert.id)  # stored: a restart keeps it too
    fill = current.fill_line if current is not None else alert.fill_line
    if fill is not None:  # the fill notice came first: keep it visible
        text = f"{text}\n{fill}"
    await deps.messenger.edit(alert.chat_id, alert.message_id, text)
    await _close_second_question(deps, alert, decision.message_ko)


async def _close_second_question(deps: AlertBotDeps, alert: Alert, line: str) -> None:
    """The question asked again after a price move loses its buttons once the alert is
    decided (approved, rejected or expired)."""
    second = await deps.alerts.store.pop_second_message(alert.id)
    if second is None or alert.chat_id is None:
        return
    try:
        await deps.messenger.edit(alert.chat_id, second, line)
    except Exception:  # the decision stands; a stale button is refused when pressed
        log.warning("alert %s: could not edit the second question", alert.id, exc_info=True)


async def _ask_again(deps: AlertBotDeps, alert: Alert, new_price: Decimal | None) -> None:
    """The price moved: a new message asks to approve at the new price."""
    if alert.chat_id is None:
        return
    old = alert.price_at_creation or Decimal(0)
    text = ko.price_moved(old, new_price or old)
    buttons = [
        (ko.APPROVE_BUTTON, sign(deps.key, AlertAction.APPROVE, alert.id, new_price)),
        (ko.REJECT_BUTTON, sign(deps.key, AlertAction.REJECT, alert.id)),
    ]
    second = await deps.messenger.send_with_buttons(alert.chat_id, text, buttons)
    replaced = await deps.alerts.store.set_second_message(alert.id, second)
    if replaced is not None:  # the price moved again: the older question loses its buttons
        await deps.messenger.edit(alert.chat_id, replaced, ko.ASKED_AGAIN_REPLACED)


def decision_text(alert: Alert, decision: Decision) -> str:
    return f"{alert_text(alert)}\n\n{decision.message_ko}"


async def sweep(deps: AlertBotDeps) -> int:
    """Expire due alerts (also those that expired while the server was down) and edit their
    messages; how many expired."""
    expired = await alerts.expire_due(deps.alerts)
    for alert in expired:
        if alert.chat_id is None or alert.message_id is None:
            continue
        line = ko.expired(_expiry(alert))
        text = f"{await labelled_text(deps, alert)}\n\n{line}"
        await deps.messenger.edit(alert.chat_id, alert.message_id, text)
        await _close_second_question(deps, alert, line)
    return len(expired)


async def on_fill(
    deps: AlertBotDeps,
    order_id: str,
    filled: Decimal,
    total: Decimal,
    average_price: Decimal,
    name: str,
) -> bool:
    """Edit an approved alert's message with its order's fill progress; False: no alert."""
    alert = await deps.alerts.store.by_order(order_id)
    if alert is None or alert.chat_id is None or alert.message_id is None:
        return False
    if filled >= total:
        line = ko.filled(name, average_price, filled)
    else:
        line = ko.partly_filled(name, filled, total, average_price)
    if not await deps.alerts.store.set_fill_line(alert.id, line):
        return True  # that line is shown already (the fill follow-up came first)
    text = f"{await labelled_text(deps, alert)}\n\n{line}"
    await deps.messenger.edit(alert.chat_id, alert.message_id, text)
    return True
