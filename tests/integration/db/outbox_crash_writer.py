"""Run as a separate process by test_outbox: commit outbox entries, then hang until killed.

argv: database URL, mode. "claim" also starts a relay whose consumer never returns, so the
process dies holding leases on entries it had begun to deliver. Prints "committed" (and
"claimed") once each step is durable.
"""

from __future__ import annotations

import asyncio
import sys

from hantu.adapters.clock import SystemClock
from hantu.adapters.db.engine import Database
from hantu.adapters.db.outbox import SqlOutboxStore
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hantu.service_layer.outbox import OutboxEntry, OutboxRelay, Wake

KEYS = ["crash-1", "crash-2", "crash-3"]


class Hang:
    async def deliver(self, entry: OutboxEntry) -> None:
        print("claimed", flush=True)  # noqa: T201 - the parent test reads it
        await asyncio.Event().wait()


async def main(url: str, mode: str) -> None:
    db = Database(url)
    clock = SystemClock()
    uows = SqlAlchemyUnitOfWorkFactory(db, clock)
    for key in KEYS:
        async with uows() as uow:
            uow.outbox.add("crash", key, {"key": key})
            uow.outbox.add("crash", "crash-1", {"key": "again"})  # the dedupe key wins
            await uow.commit()
    print("committed", flush=True)  # noqa: T201 - the parent test reads it
    if mode == "claim":
        relay = OutboxRelay(SqlOutboxStore(db), {"crash": Hang()}, clock, Wake(), batch=1)
        await relay.run_once()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
