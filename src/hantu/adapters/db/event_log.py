"""The audit log: domain events as rows of `events` (name, order, times, JSON payload)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection, write_rows
from hantu.adapters.db.prepared import Prepared
from hantu.domain.events import Event
from hantu.domain.values import Symbol


def jsonable(value: object) -> object:
    match value:
        case None | bool() | int() | str():
            return value
        case Decimal():
            return str(value)
        case datetime():
            return value.isoformat()
        case Enum():
            return value.value
        case Symbol():
            return value.code
        case Mapping():
            return {str(k): jsonable(v) for k, v in value.items()}
        case _:
            return str(value)


_INSERT_EVENT = Prepared(insert(t.events))  # in every order's commit


def event_to_row(event: Event, recorded_at: datetime) -> dict[str, Any]:
    payload = {
        f.name: jsonable(getattr(event, f.name))
        for f in dataclass_fields(event)
        if f.name not in ("occurred_at", "order_id")
    }
    order_id = getattr(event, "order_id", None)
    return {
        "name": event.name,
        "order_id": order_id if isinstance(order_id, str) else None,
        "occurred_at": event.occurred_at,
        "recorded_at": recorded_at,
        "payload": payload,
    }


async def append_events(
    connection: SqlConnection, events: list[Event], recorded_at: datetime
) -> None:
    """Append events to the audit log in one round trip."""
    if events:
        rows = [event_to_row(e, recorded_at) for e in events]
        await write_rows(connection, _INSERT_EVENT, rows)
