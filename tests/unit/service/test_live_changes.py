"""Live changes as they cross processes: round trip, refusal of bad payloads, 8000 bytes."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import make_url

from hantu.adapters.db.live_channel import MAX_PAYLOAD, PgLiveChannel, _payloads
from hantu.domain.enums import OrderStatus
from hantu.domain.events import AlertDecided, BrokerStateDiffered, HoldingAdopted, OrderFilled
from hantu.domain.values import FillId, OrderId, StrategyAccountId, Symbol
from hantu.service_layer.live_changes import LiveChange, describe
from tests.fakes import FakeClock

NOW = FakeClock().now()


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            OrderFilled(
                order_id=OrderId("o1"),
                fill_id=FillId("f1"),
                quantity=1,  # type: ignore[arg-type]
                price=70_000,  # type: ignore[arg-type]
                occurred_at=NOW,
            ),
            LiveChange("OrderFilled", True, "o1"),
        ),
        (
            BrokerStateDiffered(
                order_id=OrderId("o2"),
                ours=OrderStatus.SENT,
                theirs=OrderStatus.FILLED,
                occurred_at=NOW,
            ),
            LiveChange("BrokerStateDiffered", True, "o2", status="FILLED"),
        ),
        (
            HoldingAdopted(
                strategy_account_id=StrategyAccountId(3),
                symbol=Symbol("005930"),
                quantity=1,  # type: ignore[arg-type]
                average_price=1,  # type: ignore[arg-type]
                broker_quantity=1,  # type: ignore[arg-type]
                idempotency_key="k",
                occurred_at=NOW,
            ),
            LiveChange("HoldingAdopted", strategy_account_id=3, symbol="005930"),
        ),
        (
            AlertDecided(alert_id="a1", user_id=4, status="APPROVED", via="web", occurred_at=NOW),
            LiveChange("AlertDecided", status="APPROVED", user_id=4, alert_id="a1"),
        ),
    ],
)
def test_live_change_describes_the_event_and_survives_json(
    event: object, expected: LiveChange
) -> None:
    change = describe(event)  # type: ignore[arg-type]
    assert change == expected
    assert LiveChange.from_dict(json.loads(json.dumps(change.as_dict()))) == expected


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"order_id": "o1"},  # no event name
        {"event": 5},
        {"event": "OrderSent", "order": True, "order_id": 7},
        {"event": "FailedOrderRemoved", "strategy_account_id": True},  # bool is no id
        {"event": "FailedOrderRemoved", "strategy_account_id": "3"},
    ],
)
def test_live_change_refuses_what_is_not_one(data: object) -> None:
    assert LiveChange.from_dict(data) is None


def test_live_payloads_stay_under_postgresqls_limit_and_keep_the_order() -> None:
    changes = [LiveChange("OrderSent", True, f"order-{n:06d}") for n in range(1_000)]
    payloads = _payloads("origin1", changes, gap=False)
    assert len(payloads) > 1
    assert all(len(p.encode()) <= MAX_PAYLOAD for p in payloads)
    bodies = [json.loads(p) for p in payloads]
    assert {body["o"] for body in bodies} == {"origin1"}
    ids = [item["order_id"] for body in bodies for item in body["c"]]
    assert ids == [c.order_id for c in changes]


def test_live_payloads_say_gap_once_even_with_nothing_to_send() -> None:
    assert [json.loads(p) for p in _payloads("o", [], gap=True)] == [
        {"o": "o", "gap": True, "c": []}
    ]
    assert _payloads("o", [], gap=False) == []


async def test_live_channel_drops_its_own_notices_and_hands_on_the_others() -> None:
    channel = PgLiveChannel(make_url("postgresql+asyncpg://x@127.0.0.1/x"), origin="me")
    heard: list[LiveChange] = []
    gaps: list[bool] = []

    async def receive(change: LiveChange) -> None:
        heard.append(change)

    channel.deliver_to(receive, lambda: gaps.append(True))
    mine, theirs = LiveChange("OrderSent", True, "o1"), LiveChange("OrderSent", True, "o2")
    for payload in (*_payloads("me", [mine], gap=True), *_payloads("you", [theirs], gap=True)):
        channel._on_notify(None, 1, "hantu_live", payload)
    channel._on_notify(None, 1, "hantu_live", "not json")
    for _ in range(3):
        await asyncio.sleep(0)
    assert heard == [theirs]
    assert gaps == [True]
