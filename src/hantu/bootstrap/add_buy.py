"""Add-buy opportunities wired to the application: the support-touch rule (or a position's
fixed support price from its exit rules) on the realtime ticks of the symbols the exit
monitor watches, told through the notification service, or as an ALERT-mode alert (a limit
BUY at the touched price) the owner approves or rejects."""

from __future__ import annotations

import logging
from decimal import Decimal

from hantu import messages_ko as ko
from hantu.config import Settings
from hantu.domain.add_buy import SupportTouch
from hantu.domain.alerts import StrategyMode
from hantu.domain.enums import OrderType, Side
from hantu.domain.notifications import EventKind, Notification, Recipient
from hantu.domain.values import Price, Quantity, Symbol
from hantu.service_layer.add_buy import AddBuyWatcher, Held, SupportPrices
from hantu.service_layer.alerts import AlertDeps, create_alert
from hantu.service_layer.deps import SEOUL
from hantu.service_layer.exit_rules_ports import AccountOwner, AccountOwners, DailyCandles
from hantu.service_layer.ports import Clock
from hantu.service_layer.symbol_names import SymbolNames
from hantu.service_layer.webhooks import WebhookSignal

from .notifications import Notifications

log = logging.getLogger(__name__)


class ServiceAddBuyTeller:
    """ALERT mode: an alert (its Telegram message carries the buttons); AUTO: a notice."""

    def __init__(
        self,
        notifications: Notifications | None,
        alerts: AlertDeps,
        names: SymbolNames,
        quantity: int,
        clock: Clock,
    ) -> None:
        self._notifications = notifications
        self._alerts = alerts
        self._names = names
        self._quantity = quantity
        self._clock = clock

    async def tell(
        self, owner: AccountOwner, symbol: Symbol, price: Decimal, level: Decimal, rule: str
    ) -> None:
        day = self._clock.now().astimezone(SEOUL).date().isoformat()
        if owner.mode == StrategyMode.ALERT.value:
            signal = WebhookSignal(
                symbol=symbol,
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                quantity=Quantity(self._quantity),
                price=Price(price),
                # Once a day per account and symbol, across restarts (the alert's key).
                delivery_id=f"add-buy:{int(owner.strategy_account_id)}:{symbol.code}:{day}",
            )
            payload = {"source": "add_buy", "rule": rule, "support": str(level)}
            await create_alert(
                self._alerts,
                user_id=owner.user_id,
                strategy_id=owner.strategy_id,
                account_ids=[int(owner.strategy_account_id)],
                signal=signal,
                payload=payload,
                expiry_minutes=owner.alert_expiry_minutes,
                tolerance_pct=owner.alert_tolerance_pct,
            )
            return
        if self._notifications is None:
            log.info("add-buy chance of %s at %s; no notifications configured", symbol, price)
            return
        name = (await self._names.names([symbol])).get(symbol, "")
        title, body = ko.monitor.add_buy_opportunity(
            name, symbol.code, ko.format_won(price), ko.format_won(level), rule
        )
        recipient = Recipient(str(owner.user_id))
        notice = Notification.of(
            EventKind.ADD_BUY_OPPORTUNITY, recipient, title, body, symbol.code, day
        )
        await self._notifications.service.notify(notice)


def build_add_buy(
    settings: Settings,
    candles: DailyCandles,
    held: Held,
    owners: AccountOwners,
    teller: ServiceAddBuyTeller,
    clock: Clock,
    supports: SupportPrices | None = None,
) -> AddBuyWatcher:
    rule = SupportTouch(lookback=settings.add_buy_lookback_days)
    return AddBuyWatcher(rule, candles, held, owners, teller, clock, supports)
