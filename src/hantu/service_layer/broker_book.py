"""The broker's orders per account and trading day, asked once per reconciliation run."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from hantu.domain.order import Order
from hantu.domain.reports import BrokerOrderReport
from hantu.domain.values import StrategyAccountId
from hantu.service_layer.deps import SEOUL, Deps
from hantu.service_layer.ports import Broker

log = logging.getLogger(__name__)


class BrokerBook:
    """Each broker account's orders per trading day, asked once per run.

    An account whose broker cannot be reached or built (bad keys, a bug) yields no list, so
    nothing is decided for its orders, while every other account still settles.
    """

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._by_account: dict[int, Broker | None] = {}
        self._reports: dict[tuple[int, date], list[BrokerOrderReport] | None] = {}
        self._names: dict[int, str | None] = {}

    async def broker(self, account: int) -> Broker | None:
        if account not in self._by_account:
            try:
                self._by_account[account] = await self._deps.brokers.broker_for(
                    StrategyAccountId(account)
                )
            except Exception:
                log.exception("no broker for strategy account %s; its orders wait", account)
                self._by_account[account] = None
        return self._by_account[account]

    async def reports(self, account: int, order: Order) -> list[BrokerOrderReport] | None:
        """The broker's orders of the day(s) the order was sent on; None when incomplete."""
        broker = await self.broker(account)
        if broker is None:
            return None
        found: list[BrokerOrderReport] = []
        for day in _days_of(order, self._deps):
            key = (id(broker), day)
            if key not in self._reports:
                self._reports[key] = await _orders_of(broker, day, account)
            reports = self._reports[key]
            if reports is None:
                return None
            found.extend(reports)
        return found

    async def account(self, account: int) -> str | None:
        """The broker account's stable name; None when its broker cannot be named either."""
        if await self.broker(account) is None:
            return None
        if account not in self._names:
            try:
                self._names[account] = await self._deps.brokers.account_of(account)
            except Exception:
                log.exception("no broker account for strategy account %s", account)
                self._names[account] = None
        return self._names[account]


def _days_of(order: Order, deps: Deps) -> list[date]:
    # KIS lists orders per trading day (inquire-daily-ccld): ask for the Seoul day the order
    # was created on, and the next one when its send could have crossed midnight.
    latest = order.created_at + timedelta(seconds=2 * deps.order_timeout)
    return sorted({order.created_at.astimezone(SEOUL).date(), latest.astimezone(SEOUL).date()})


async def _orders_of(broker: Broker, day: date, account: int) -> list[BrokerOrderReport] | None:
    try:
        return await broker.orders_of_day(day)
    except Exception:
        log.exception("orders of %s unavailable for strategy account %s", day, account)
        return None
