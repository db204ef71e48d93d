"""A dedicated PostgreSQL connection that LISTENs on one channel, and the loop that keeps
one up: the outbox listener and the live channel both need exactly this, and differ only in
what they do while the connection lives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from hantu.domain.masking import mask

log = logging.getLogger(__name__)

Notified = Callable[[Any, int, str, str], None]  # asyncpg's (connection, pid, channel, payload)


@asynccontextmanager
async def listening(
    dsn: str, application_name: str, channel: str, on_notify: Notified
) -> AsyncIterator[tuple[asyncpg.Connection, asyncio.Event]]:
    """The connection with its LISTEN in place, and an event set when it is lost."""
    connection = await asyncpg.connect(dsn, server_settings={"application_name": application_name})
    lost = asyncio.Event()
    connection.add_termination_listener(lambda _c: lost.set())
    try:
        await connection.add_listener(channel, on_notify)
        yield connection, lost
    finally:
        if not connection.is_closed():
            await connection.close()


async def keep_listening(
    session: Callable[[], Awaitable[None]], up: asyncio.Event, delay: float, what: str
) -> None:
    """Run `session` again `delay` seconds after each loss or failure, until cancelled;
    `up` is cleared while there is none (the session sets it once it listens)."""
    while True:
        try:
            await session()
            log.warning("%s lost its connection; reconnecting", what)
        except Exception as exc:  # whatever went wrong, we are back after the delay
            log.warning("%s could not listen: %s", what, mask(str(exc)))
        up.clear()
        await asyncio.sleep(delay)
