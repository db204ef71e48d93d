"""The live feed: committed domain events turned into small notices for open pages (SSE).

A notice says *what changed* (topic, kind, ids, symbol, status), never the figures: a page
that hears one re-reads what it shows through its normal, ownership-scoped queries. Each
notice names the strategy account it concerns, so the web layer delivers it only to that
account's owner; an order event carries only the order id, so the account is looked up once
and cached. An alert belongs to a user (it may precede any account), so alert notices name
the user instead and go to that user's streams alone.

Notices get increasing ids `<epoch>.<seq>`; the epoch changes with every process start, so a
page reconnecting to a restarted server is told to resync rather than trusting numbers from
another life. The last `ring_size` notices are kept for catch-up after a dropped stream; a
gap older than that, too, means resync. Each open stream has a bounded queue: a client too
slow to keep up loses notices and is told to resync.

The feed hears this process's bus; on PostgreSQL the changes other processes commit (a
worker, a monitor, the CLI) arrive through `on_change` from the LISTEN/NOTIFY channel
(`adapters.db.live_channel`). When that channel may have missed some, `resync_all` starts a
new epoch, so every open page and every reconnecting one reloads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from hantu.domain.enums import OrderStatus
from hantu.domain.events import (
    Event,
    OrderCanceled,
    OrderCreated,
    OrderRefused,
    OrderRejected,
    OrderSent,
    OrderUnconfirmed,
)
from hantu.service_layer import queries
from hantu.service_layer.deps import Deps
from hantu.service_layer.live_changes import LIVE_EVENTS, LiveChange, describe
from hantu.service_layer.messagebus import EventBus

log = logging.getLogger(__name__)

TOPICS: Final = ("order", "fill", "failed_order", "position", "alert")
RETRY_KEY_PREFIX: Final = "retry:"  # FailedOrder.retry_key(): "retry:<failed id>:<attempt>"

# Order event's name -> (kind, status after it; None when the event alone does not say).
_ORDER_KINDS: Final[dict[str, tuple[str, OrderStatus | None]]] = {
    event.__name__: kind
    for event, kind in (
        (OrderCreated, ("created", OrderStatus.NEW)),
        (OrderSent, ("sent", OrderStatus.SENT)),
        (OrderUnconfirmed, ("unconfirmed", OrderStatus.UNCONFIRMED)),
        (OrderRejected, ("rejected", OrderStatus.REJECTED)),
        (OrderRefused, ("refused", OrderStatus.ERROR)),
        (OrderCanceled, ("canceled", OrderStatus.CANCELED)),
    )
}


@dataclass(frozen=True, slots=True)
class LiveNotice:
    seq: int
    epoch: str
    topic: str
    kind: str
    strategy_account_id: int | None  # None: a user's notice (user_id), not an account's
    order_id: str | None = None
    failed_order_id: int | None = None
    symbol: str | None = None
    status: str | None = None
    user_id: int | None = None
    alert_id: str | None = None

    @property
    def id(self) -> str:
        return f"{self.epoch}.{self.seq}"

    def data(self) -> dict[str, Any]:
        """What the page is told: the topic, the kind and whichever ids are known."""
        body: dict[str, Any] = {"topic": self.topic, "kind": self.kind}
        for name in ("order_id", "failed_order_id", "symbol", "status", "alert_id"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body


@dataclass(frozen=True, slots=True)
class _Draft:
    topic: str
    kind: str
    strategy_account_id: int | None  # None: a user's notice (user_id), not an account's
    order_id: str | None = None
    failed_order_id: int | None = None
    symbol: str | None = None
    status: str | None = None
    user_id: int | None = None
    alert_id: str | None = None


@dataclass(frozen=True, slots=True)
class _OrderInfo:
    strategy_account_id: int
    symbol: str
    retry_of: int | None


class Subscription:
    """One open stream's bounded queue; `overflowed` says notices were dropped."""

    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[LiveNotice] = asyncio.Queue(maxsize=size)
        self.overflowed = False

    def offer(self, notice: LiveNotice) -> None:
        try:
            self.queue.put_nowait(notice)
        except asyncio.QueueFull:
            self.overflowed = True

    def reset(self) -> None:
        """Forget what is queued (the client is about to resync anyway)."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.overflowed = False


class LiveFeed:
    """Hears the bus, keeps the recent notices and fans them out to open streams."""

    def __init__(
        self,
        deps: Deps,
        *,
        ring_size: int = 2000,
        queue_size: int = 500,
        cache_size: int = 10_000,
        epoch: str | None = None,
    ) -> None:
        self._deps = deps
        self._ring: deque[LiveNotice] = deque(maxlen=ring_size)
        self._queue_size = queue_size
        self._cache: OrderedDict[str, _OrderInfo] = OrderedDict()
        self._cache_size = cache_size
        self._subscriptions: set[Subscription] = set()
        self._seq = 0
        self.epoch = epoch or format(time.time_ns() // 1_000_000, "x")
        self._resyncs = 0
        # One event at a time, in the order the bus scheduled them: a lookup for one order
        # must not let a later event of that order overtake it.
        self._lock = asyncio.Lock()

    def attach(self, bus: EventBus) -> None:
        """Subscribe to the events pages care about."""
        for event_type in LIVE_EVENTS:
            bus.subscribe(event_type, self.on_event)

    @property
    def latest_id(self) -> str:
        return f"{self.epoch}.{self._seq}"

    @property
    def ring_size(self) -> int:
        return self._ring.maxlen or 0

    @property
    def queue_size(self) -> int:
        return self._queue_size

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    @contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        """An open stream's queue, removed when the stream ends however it ends."""
        subscription = Subscription(self._queue_size)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def since(self, last_id: str) -> list[LiveNotice] | None:
        """Notices after `last_id`, or None when they cannot all be given (resync)."""
        epoch, _, number = last_id.strip().partition(".")
        if epoch != self.epoch or not number.isdigit():
            return None
        seq = int(number)
        if seq > self._seq:
            return None
        if self._ring and self._ring[0].seq > seq + 1:
            return None  # some were pushed out of the ring
        return [notice for notice in self._ring if notice.seq > seq]

    async def on_event(self, event: Event) -> None:
        change = describe(event)
        if change is not None:
            await self.on_change(change)

    async def on_change(self, change: LiveChange) -> None:
        """Notices for one change, from this process's bus or another process's commit."""
        async with self._lock:
            try:
                drafts = await self._drafts(change)
            except Exception:
                log.exception("live notice for %s not made", change.event)
                return
            for draft in drafts:
                self._emit(draft)

    def resync_all(self) -> None:
        """Some changes may have been missed: a new epoch, so every page reloads."""
        self._resyncs += 1
        self.epoch = f"{self.epoch.partition('r')[0]}r{self._resyncs}"
        self._ring.clear()
        for subscription in self._subscriptions:
            subscription.overflowed = True
            subscription.offer(LiveNotice(self._seq, self.epoch, "resync", "resync", None))

    def _emit(self, draft: _Draft) -> None:
        self._seq += 1
        notice = LiveNotice(self._seq, self.epoch, **_fields(draft))
        self._ring.append(notice)
        for subscription in self._subscriptions:
            subscription.offer(notice)

    async def _drafts(self, change: LiveChange) -> list[_Draft]:
        if change.order:
            oid = change.order_id
            return [] if oid is None else await self._order_drafts(change, oid)
        failed_id, order_id = change.failed_order_id, change.order_id
        match change.event:
            case "FailedOrderSaved":
                account = await self._account_of_failed(failed_id, order_id)
                if account is None:
                    return []
                return [_Draft("failed_order", "saved", account, order_id, failed_id)]
            case "FailedOrderRemoved" if change.strategy_account_id is not None:
                return [
                    _Draft("failed_order", "removed", change.strategy_account_id, None, failed_id)
                ]
            case "HoldingAdopted" if change.strategy_account_id is not None:
                account = change.strategy_account_id
                return [_Draft("position", "adopted", account, symbol=change.symbol)]
            case "AlertCreated" if change.user_id is not None:
                user, alert = change.user_id, change.alert_id
                return [_Draft("alert", "created", None, user_id=user, alert_id=alert)]
            case "AlertDecided" if change.user_id is not None:
                user, alert = change.user_id, change.alert_id
                return [
                    _Draft(
                        "alert", "decided", None, order_id, None, None, change.status, user, alert
                    )
                ]
        return []

    async def _order_drafts(self, change: LiveChange, oid: str) -> list[_Draft]:
        info = await self._order_info(oid)
        if info is None:
            return []
        account, symbol = info.strategy_account_id, info.symbol
        drafts: list[_Draft]
        match change.event:
            case "OrderFilled":
                drafts = [
                    _Draft("fill", "filled", account, oid, symbol=symbol),
                    _Draft("position", "changed", account, oid, symbol=symbol),
                ]
            case "BrokerStateDiffered":
                drafts = [_Draft("order", "reconciled", account, oid, None, symbol, change.status)]
            case name:
                kind, status = _ORDER_KINDS.get(name, ("changed", None))
                value = None if status is None else status.value
                drafts = [_Draft("order", kind, account, oid, None, symbol, value)]
        if info.retry_of is not None:  # every step of a retry changes its failed order
            drafts.append(_Draft("failed_order", "retried", account, oid, info.retry_of, symbol))
        return drafts

    async def _order_info(self, order_id: str) -> _OrderInfo | None:
        cached = self._cache.get(order_id)
        if cached is not None:
            self._cache.move_to_end(order_id)
            return cached
        order = await queries.get_order(self._deps, order_id)
        if order is None:
            return None
        info = _OrderInfo(order.strategy_account_id, order.symbol, _retry_of(order.idempotency_key))
        self._cache[order_id] = info
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return info

    async def _account_of_failed(self, failed_id: int | None, order_id: str | None) -> int | None:
        if order_id is not None:
            info = await self._order_info(order_id)
            if info is not None:
                return info.strategy_account_id
        if failed_id is None:
            return None
        failed = await queries.get_failed_order(self._deps, failed_id)
        return None if failed is None else failed.strategy_account_id


def _retry_of(idempotency_key: str) -> int | None:
    if not idempotency_key.startswith(RETRY_KEY_PREFIX):
        return None
    number = idempotency_key[len(RETRY_KEY_PREFIX) :].partition(":")[0]
    return int(number) if number.isdigit() else None


def _fields(draft: _Draft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in _Draft.__slots__}
