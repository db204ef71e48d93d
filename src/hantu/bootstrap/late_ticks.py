"""Late-tick notices to the operator through the notification service.

A slow feed is a system matter, not one holder's: it is told to the operator (the `system`
recipient, like a crashed service or a sleeping stream), naming the symbol with its name.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from hantu import messages_ko as ko
from hantu.domain.notifications import EventKind, Notification
from hantu.domain.values import Symbol
from hantu.service_layer.notify_delivery import SYSTEM
from hantu.service_layer.symbol_names import SymbolNames

from .notifications import Notifications

log = logging.getLogger(__name__)


class LateTickTeller:
    """`LateTickNotifier` over the notification service; logs only when none is wired."""

    def __init__(self, notifications: Notifications | None, names: SymbolNames | None) -> None:
        self._notifications = notifications
        self._names = names

    async def tick_late(self, symbol: Symbol, delay: timedelta, key: str) -> None:
        if self._notifications is None:
            log.error("ticks of %s arrive late; no notifications configured", symbol)
            return
        title, body = ko.monitor.tick_delayed(
            await self._name_of(symbol), symbol.code, delay.total_seconds()
        )
        notification = Notification.of(EventKind.TICK_DELAYED, SYSTEM, title, body, key)
        await self._notifications.directory.refresh(SYSTEM)
        await self._notifications.service.notify(notification)

    async def _name_of(self, symbol: Symbol) -> str:
        if self._names is None:
            return ""
        try:
            return (await self._names.names([symbol])).get(symbol, "")
        except Exception:  # a name is a nicety: the code alone still says which
            log.warning("no name for %s in the late-tick notice", symbol, exc_info=True)
            return ""
