"""The live feed's ring and queues: what a reconnect can replay, and when it must resync."""

from __future__ import annotations

import pytest

from hantu.domain.events import AlertCreated, AlertDecided, FailedOrderRemoved
from hantu.domain.values import StrategyAccountId
from hantu.service_layer.deps import Deps
from hantu.service_layer.live_feed import LiveFeed
from tests.fakes import FakeClock


class _Unused:
    """Storage and brokers these notices never need (no order to look up)."""

    def __call__(self, *_args: object, **_kwargs: object) -> object:
        raise AssertionError("not used")

    async def broker_for(self, _account: object) -> object:
        raise AssertionError("not used")


def _feed(ring_size: int = 3, queue_size: int = 2) -> LiveFeed:
    deps = Deps(uow=_Unused(), brokers=_Unused(), clock=FakeClock())  # type: ignore[arg-type]
    return LiveFeed(deps, ring_size=ring_size, queue_size=queue_size, epoch="e1")


async def _removed(feed: LiveFeed, count: int, account: int = 7) -> None:
    clock = FakeClock()
    for n in range(count):
        event = FailedOrderRemoved(
            failed_order_id=n + 1,
            strategy_account_id=StrategyAccountId(account),
            occurred_at=clock.now(),
        )
        await feed.on_event(event)


async def test_live_feed_ids_increase_within_the_epoch() -> None:
    feed = _feed()
    assert feed.latest_id == "e1.0"
    await _removed(feed, 2)
    assert feed.latest_id == "e1.2"
    assert [n.id for n in feed.since("e1.0") or []] == ["e1.1", "e1.2"]
    assert feed.since("e1.2") == []


async def test_live_feed_full_ring_still_replays_up_to_its_oldest() -> None:
    feed = _feed(ring_size=3)
    await _removed(feed, 4)  # the ring holds 2, 3, 4
    assert [n.seq for n in feed.since("e1.1") or []] == [2, 3, 4]
    assert feed.since("e1.0") is None  # 1 was pushed out: resync


@pytest.mark.parametrize("last_id", ["e0.1", "e1.9", "e1.x", "", "garbage"])
async def test_live_feed_unusable_last_id_means_resync(last_id: str) -> None:
    feed = _feed()
    await _removed(feed, 2)
    assert feed.since(last_id) is None


async def test_live_feed_full_queue_drops_and_flags_overflow() -> None:
    feed = _feed(queue_size=2)
    with feed.subscribe() as subscription:
        await _removed(feed, 3)
        assert subscription.overflowed
        assert subscription.queue.qsize() == 2
        subscription.reset()
        assert not subscription.overflowed
        assert subscription.queue.empty()


async def test_live_feed_subscription_ends_with_its_stream() -> None:
    feed = _feed()

    def stream() -> None:
        with feed.subscribe():
            assert feed.subscribers == 1
            raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        stream()
    assert feed.subscribers == 0


async def test_live_feed_notice_data_names_only_what_is_known() -> None:
    feed = _feed()
    await _removed(feed, 1)
    (notice,) = feed.since("e1.0") or []
    assert notice.strategy_account_id == 7
    assert notice.data() == {"topic": "failed_order", "kind": "removed", "failed_order_id": 1}


async def test_live_feed_alert_notices_name_the_user_not_an_account() -> None:
    feed = _feed()
    now = FakeClock().now()
    await feed.on_event(AlertCreated(alert_id="a1", user_id=5, strategy_id=9, occurred_at=now))
    decided = AlertDecided(
        alert_id="a1", user_id=5, status="EXECUTED", via="web", order_id="o1", occurred_at=now
    )
    await feed.on_event(decided)
    created, done = feed.since("e1.0") or []
    assert (created.strategy_account_id, created.user_id) == (None, 5)
    assert created.data() == {"topic": "alert", "kind": "created", "alert_id": "a1"}
    assert done.data() == {
        "topic": "alert",
        "kind": "decided",
        "order_id": "o1",
        "status": "EXECUTED",
        "alert_id": "a1",
    }
