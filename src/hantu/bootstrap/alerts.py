"""ALERT mode's wiring: the SQL alert store, the one order pipeline, broker quotes, the bus."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from hantu.adapters.db.alerts_repository import SqlAlertStore
from hantu.adapters.db.engine import Database
from hantu.adapters.db.telegram_repository import SqlTelegramUnitOfWorkFactory
from hantu.adapters.secrets_box import load_or_create_key
from hantu.config import Settings
from hantu.domain.accounts import UserId
from hantu.domain.alert_callbacks import derive_key
from hantu.domain.alerts import AlertId
from hantu.domain.events import AlertCreated, OrderFilled
from hantu.domain.order import OrderRequest
from hantu.domain.values import OrderId, Symbol
from hantu.service_layer import alert_telegram, orders, queries, reconciliation
from hantu.service_layer.alert_followup import FollowUpDeps, OrderCheck, follow_up_fills
from hantu.service_layer.alert_telegram import AlertBotDeps
from hantu.service_layer.alerts import AlertDeps, broker_quote, expire_due
from hantu.service_layer.alerts_ports import Submit
from hantu.service_layer.deps import Deps
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.queries import OrderView
from hantu.service_layer.shared_quotes import SharedQuotes
from hantu.service_layer.symbol_names import SymbolNames
from hantu.service_layer.webhooks import AccountResult

from .supervisor import Service

if TYPE_CHECKING:  # python-telegram-bot only in a process that has a bot
    from hantu.adapters.telegram.frontend import TelegramFrontend

log = logging.getLogger(__name__)


def pipeline_submit(deps: Deps) -> Submit:
    """An approved alert's order goes through `orders.submit`, as a webhook's does."""

    async def submit(request: OrderRequest, webhook_id: str | None) -> AccountResult:
        result = await orders.submit(deps, request, webhook_id=webhook_id)
        return AccountResult.of(request, result)

    return submit


def build_alerts(db: Database, deps: Deps, bus: EventBus) -> AlertDeps:
    return AlertDeps(
        store=SqlAlertStore(db),
        clock=deps.clock,
        submit=pipeline_submit(deps),
        quote=SharedQuotes(broker_quote(deps.brokers), deps.clock),
        publish=bus.publish,
    )


def callback_key(settings: Settings) -> bytes:
    """The buttons' HMAC key, derived from the app secret (the secrets box key)."""
    if settings.secret_key is not None:
        secret = settings.secret_key.get_secret_value().encode()
    else:
        secret = load_or_create_key(settings.data_dir)
    return derive_key(secret)


def alert_bot(
    settings: Settings,
    db: Database,
    alerts: AlertDeps,
    frontend: TelegramFrontend,
    names: SymbolNames | None = None,
) -> AlertBotDeps:
    """ALERT mode's Telegram side over the frontend (messages, buttons, presses)."""
    links = SqlTelegramUnitOfWorkFactory(db)

    async def chat_of(user_id: int) -> int | None:
        async with links(read_only=True) as uow:
            link = await uow.telegram.link_of_user(UserId(user_id))
        return None if link is None else link.chat_id

    async def user_of_chat(chat_id: int, from_id: int | None) -> int | None:
        async with links(read_only=True) as uow:
            link = await uow.telegram.link_of_chat(chat_id)
        return int(link.user_id) if link is not None and link.admits(chat_id, from_id) else None

    bot = AlertBotDeps(alerts, frontend, callback_key(settings), chat_of, user_of_chat)
    if names is not None:
        bot = replace(bot, names=names)

    async def on_press(
        callback_id: str, chat_id: int | None, from_id: int | None, data: str | None
    ) -> None:
        await alert_telegram.on_press(bot, callback_id, chat_id, from_id, data)

    frontend.on_press = on_press
    return bot


def subscribe_announcements(bus: EventBus, bot: AlertBotDeps) -> None:
    """Each committed new alert goes to its owner's linked chat."""

    async def announce(event: AlertCreated) -> None:
        alert = await bot.alerts.store.get(AlertId(event.alert_id))
        if alert is not None:
            await alert_telegram.announce(bot, alert)

    bus.subscribe(AlertCreated, announce)


def subscribe_fills(bus: EventBus, bot: AlertBotDeps, deps: Deps, names: SymbolNames) -> None:
    """Each fill of an approved alert's order edits its message (체결 완료 / 부분 체결)."""

    async def filled(event: OrderFilled) -> None:
        order = await queries.get_order(deps, event.order_id)
        if order is None or order.average_fill_price is None:
            return
        symbol = Symbol(order.symbol)
        name = (await names.names([symbol])).get(symbol, str(symbol))
        await alert_telegram.on_fill(
            bot,
            event.order_id,
            order.filled_quantity,
            order.quantity,
            order.average_fill_price,
            name,
        )

    bus.subscribe(OrderFilled, filled)


def order_check(deps: Deps) -> OrderCheck:
    """One order looked up at the broker (its orders of the day) and taken as it says."""

    async def check(order_id: str) -> OrderView | None:
        try:
            await reconciliation.check_order(deps, OrderId(order_id))
        except Exception:  # the broker could not tell: what we know is shown with a warning
            log.warning("order %s: broker check failed", order_id, exc_info=True)
        return await queries.get_order(deps, order_id)

    return check


def fill_follow_up(settings: Settings, bot: AlertBotDeps, deps: Deps) -> FollowUpDeps:
    """Approved alerts without a fill notice after the wait are checked at the broker."""
    wait = timedelta(seconds=settings.alert_fill_wait_seconds)
    return FollowUpDeps(bot=bot, check=order_check(deps), wait=wait)


def sweeper(
    alerts: AlertDeps,
    bot: AlertBotDeps | None,
    interval: float,
    follow_up: FollowUpDeps | None = None,
) -> Service:
    """Expire due alerts now (those that expired while down) and every `interval` seconds;
    with the bot running, their messages are edited too, and approved alerts whose order has
    not filled within the wait are followed up (spec 000 §6.3)."""

    async def run() -> None:
        while True:
            try:
                if bot is not None:
                    await alert_telegram.sweep(bot)
                else:
                    await expire_due(alerts)
            except Exception:  # one failed sweep must not end the service
                log.exception("alert sweep failed")
            if follow_up is not None:
                try:
                    await follow_up_fills(follow_up)
                except Exception:  # nor one failed follow-up
                    log.exception("alert fill follow-up failed")
            await asyncio.sleep(interval)

    return run
