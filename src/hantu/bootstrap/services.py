"""The application's background services, each an async callable for the supervisor: a fill
pump per broker and the reconcile loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from hantu.service_layer import fills, reconciliation
from hantu.service_layer.deps import Deps
from hantu.service_layer.fill_gaps import FillGaps
from hantu.service_layer.ports import Broker

from .supervisor import Service

FILL_GAP_PATIENCE_SECONDS = 30.0
# While a notice stream is down no notice can come: the sync takes fills from the broker on
# its next pass but one, so a notice received just before the drop is applied first.
STREAM_DOWN_PATIENCE_SECONDS = 2.0
NoticesSince = Callable[[int], datetime | None]
log = logging.getLogger(__name__)


def fill_pump(deps: Deps, broker: Broker, account: str) -> Service:
    """Apply the fill notices of the broker behind stored broker account `account` as they
    come (restarted by the supervisor on a crash; a restart subscribes again, and the
    reconcile loop takes any fill missed meanwhile)."""

    async def pump() -> None:
        await fills.follow_fills(deps, broker, account)

    return pump


def reconcile_loop(
    deps: Deps, interval: float, notices_since: NoticesSince | None = None
) -> Service:
    """Keep our orders in step with the broker, from start-up on: settle 408-answered
    (UNCONFIRMED) orders, and take the broker's state for open ones, which recovers fills
    whose notices were lost while hantu was down or its WebSocket was away.

    The first pass takes every difference at once (no notice is still on its way for a fill
    made while we were down); later passes wait until a fill gap has lasted, unless the
    order's notice stream is down or the order was sent before its notices last began. Real
    time, not the injected clock: this is a scheduler tick, not domain time.
    """
    gaps = FillGaps(
        patience=timedelta(seconds=max(FILL_GAP_PATIENCE_SECONDS, 3 * interval)),
        notices_since=notices_since,
        patience_while_down=timedelta(seconds=STREAM_DOWN_PATIENCE_SECONDS),
    )

    async def loop() -> None:
        first = True
        while True:
            try:
                await reconciliation.reconcile_with_broker(deps, None if first else gaps)
            except Exception:  # a broker or database hiccup must not end the loop
                log.exception("reconciling with the broker failed; will retry")
            first = False
            await asyncio.sleep(interval)

    return loop
