"""Property: for any mix of committed, abandoned and failing units of work, the bus hands
handlers exactly the committed events and the outbox holds exactly their entries."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hantu.adapters.db import tables as t
from hantu.adapters.db.engine import Database
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hantu.domain.events import Event, RiskViolated
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.outbox import DurableEvents, OutboxMessage
from tests.builders import a_risk_violation
from tests.fakes import FakeClock

ENDINGS = ("commit", "abandon", "fail")
units = st.lists(
    st.tuples(st.sampled_from(ENDINGS), st.integers(min_value=0, max_value=3)), max_size=12
)


class Refused(Exception):
    pass


async def _run(path: Path, plan: list[tuple[str, int]]) -> tuple[list[str], list[str], list[str]]:
    db = Database(f"sqlite:///{path}")
    bus, durable = EventBus(), DurableEvents()
    seen: list[str] = []

    async def record(event: Event) -> None:
        seen.append(event.detail if isinstance(event, RiskViolated) else "?")

    bus.subscribe(RiskViolated, record)
    durable.register(RiskViolated, lambda e: OutboxMessage("notify", e.detail, {}))
    uows = SqlAlchemyUnitOfWorkFactory(db, FakeClock(), bus=bus, durable=durable)
    expected: list[str] = []
    try:
        for index, (ending, count) in enumerate(plan):
            details = [f"{index}.{n}" for n in range(count)]
            try:
                async with uows() as uow:
                    for detail in details:
                        uow.record(a_risk_violation(detail=detail))
                    if ending == "fail":
                        raise Refused
                    if ending == "commit":
                        await uow.commit()
                        expected.extend(details)
            except Refused:
                pass
        await bus.drain()
        async with db.connect() as connection:
            keys = (await connection.execute(select(t.outbox.c.dedupe_key))).scalars()
            stored = sorted(keys)
    finally:
        await db.dispose()
    return expected, seen, stored


@settings(max_examples=40, deadline=None)
@given(units)
def test_bus_and_outbox_see_exactly_the_committed_units(
    sqlite_template: Path, plan: list[tuple[str, int]]
) -> None:
    with TemporaryDirectory() as directory:
        path = Path(directory) / "hantu.db"
        shutil.copyfile(sqlite_template, path)
        expected, seen, stored = asyncio.run(_run(path, plan))

    assert seen == expected
    assert stored == sorted(expected)
