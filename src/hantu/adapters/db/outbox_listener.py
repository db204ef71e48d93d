"""PostgreSQL LISTEN on a dedicated connection: wakes this process's outbox relay as soon as
any process commits entries of a kind it consumes.

A notify is only a hint, the outbox table is the truth: a notify missed while the
connection was down is caught up by the relay's poll, and after a reconnect the relay is
woken once to look at once rather than at its next poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from sqlalchemy import URL

from hantu.adapters.db.outbox import CHANNEL
from hantu.adapters.db.pg_listen import keep_listening, listening
from hantu.service_layer.outbox import Wake

log = logging.getLogger(__name__)

APPLICATION_NAME = "hantu-outbox-listener"  # how the connection shows in pg_stat_activity
WHAT = "outbox listener"


class PgOutboxListener:
    """`run()` until cancelled; `listening` is set while a LISTEN is in place."""

    def __init__(
        self,
        url: URL,
        wake: Wake,
        kinds: Collection[str] | None = None,
        *,
        reconnect_delay: float = 1.0,
    ) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._wake = wake
        self._kinds = None if kinds is None else frozenset(kinds)
        self._reconnect_delay = reconnect_delay
        self.listening = asyncio.Event()

    async def run(self) -> None:
        # whatever went wrong, the relay's poll covers until we are back
        await keep_listening(self._listen_until_lost, self.listening, self._reconnect_delay, WHAT)

    async def _listen_until_lost(self) -> None:
        async with listening(self._dsn, APPLICATION_NAME, CHANNEL, self._on_notify) as (_, lost):
            self.listening.set()
            self._wake.set()  # whatever was committed while we were not listening
            await lost.wait()

    def _on_notify(self, _connection: object, _pid: int, _channel: str, kind: str) -> None:
        if self._kinds is None or kind in self._kinds:
            self._wake.set()
