"""What a committed event says to open pages, in plain values that can cross processes.

The live feed turns a `LiveChange` into notices (topic, kind, ids). Within one process it is
made from the bus's events; on PostgreSQL it also travels between processes as JSON (a NOTIFY
payload), so it carries only ids and a status, never figures or secrets, and decoding
refuses anything malformed rather than trusting another process's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Final

from hantu.domain.events import (
    AlertCreated,
    AlertDecided,
    BrokerStateDiffered,
    Event,
    FailedOrderRemoved,
    FailedOrderSaved,
    HoldingAdopted,
    OrderEvent,
)

# The events pages care about (subscribe to these on the bus).
LIVE_EVENTS: Final[tuple[type[Event], ...]] = (
    OrderEvent,
    FailedOrderSaved,
    FailedOrderRemoved,
    HoldingAdopted,
    AlertCreated,
    AlertDecided,
)


@dataclass(frozen=True, slots=True)
class LiveChange:
    event: str  # the event's name (OrderFilled, FailedOrderSaved, ...)
    order: bool = False  # an order event (its order id names the order)
    order_id: str | None = None
    failed_order_id: int | None = None
    strategy_account_id: int | None = None
    symbol: str | None = None
    status: str | None = None
    user_id: int | None = None
    alert_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set (a compact payload)."""
        body: dict[str, Any] = {"event": self.event}
        if self.order:
            body["order"] = True
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body

    @classmethod
    def from_dict(cls, data: object) -> LiveChange | None:
        """The change `as_dict` made, or None when `data` is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("event"), str):
            return None
        values: dict[str, Any] = {"event": data["event"], "order": data.get("order") is True}
        for name in _OPTIONAL:
            value = data.get(name)
            if value is None:
                continue
            wanted = _TYPES[name]
            if type(value) is not wanted:  # bool is no int here
                return None
            values[name] = value
        return cls(**values)


_OPTIONAL: Final = tuple(f.name for f in fields(LiveChange) if f.name not in ("event", "order"))
_TYPES: Final[dict[str, type]] = {
    "order_id": str,
    "failed_order_id": int,
    "strategy_account_id": int,
    "symbol": str,
    "status": str,
    "user_id": int,
    "alert_id": str,
}


def describe(event: Event) -> LiveChange | None:
    """The change an event makes to what pages show, or None for events pages ignore."""
    name = event.name
    match event:
        case BrokerStateDiffered(order_id=order_id, theirs=theirs):
            return LiveChange(name, True, str(order_id), status=theirs.value)
        case OrderEvent(order_id=order_id):
            return LiveChange(name, True, str(order_id))
        case FailedOrderSaved(failed_order_id=failed_id, order_id=order_id):
            oid = None if order_id is None else str(order_id)
            return LiveChange(name, order_id=oid, failed_order_id=failed_id)
        case FailedOrderRemoved(failed_order_id=failed_id, strategy_account_id=account):
            return LiveChange(name, failed_order_id=failed_id, strategy_account_id=int(account))
        case HoldingAdopted(strategy_account_id=account, symbol=symbol):
            return LiveChange(name, strategy_account_id=int(account), symbol=symbol.code)
        case AlertCreated(alert_id=alert_id, user_id=user_id):
            return LiveChange(name, user_id=user_id, alert_id=alert_id)
        case AlertDecided(alert_id=alert_id, user_id=user_id, status=status, order_id=oid):
            return LiveChange(name, order_id=oid, status=status, user_id=user_id, alert_id=alert_id)
    return None
