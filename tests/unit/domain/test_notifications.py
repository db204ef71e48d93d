"""Notification priorities, routing under preferences, and the 5-minute digest."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.notifications import (
    PRIORITY_OF,
    DigestQueue,
    EventKind,
    Notification,
    Preference,
    Preferences,
    Priority,
    Recipient,
    Route,
    decide,
    route,
)

T0 = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)
ALICE = Recipient("alice")
BOB = Recipient("bob")


def a_notification(
    kind: EventKind = EventKind.ADD_BUY_OPPORTUNITY, recipient: Recipient = ALICE, key: object = 1
) -> Notification:
    return Notification.of(kind, recipient, "title", "body", key)


def test_priority_table_covers_every_kind() -> None:
    assert set(PRIORITY_OF) == set(EventKind)


@pytest.mark.parametrize(
    ("kind", "priority"),
    [
        (EventKind.CONNECTION_FAILED, Priority.EMERGENCY),
        (EventKind.ORDER_FAILED, Priority.EMERGENCY),
        (EventKind.SYSTEM_FAILURE, Priority.EMERGENCY),
        (EventKind.STOP_LOSS_FILLED, Priority.HIGH),
        (EventKind.TAKE_PROFIT_FILLED, Priority.HIGH),
        (EventKind.MONITORING_STARTED, Priority.HIGH),
        (EventKind.MONITORING_STOPPED, Priority.HIGH),
        (EventKind.ADD_BUY_OPPORTUNITY, Priority.NORMAL),
        (EventKind.DAILY_SUMMARY, Priority.NORMAL),
        (EventKind.SUBSCRIBED, Priority.LOW),
        (EventKind.RECONNECTED, Priority.LOW),
    ],
)
def test_priority_of_spec_002_rows_matches_the_table(kind: EventKind, priority: Priority) -> None:
    assert a_notification(kind).priority is priority


@pytest.mark.parametrize(
    ("priority", "preference", "expected"),
    [
        (Priority.EMERGENCY, Preference.ON, Route.SEND_NOW),
        (Priority.EMERGENCY, Preference.SILENT, Route.SEND_NOW_SILENT),
        (Priority.EMERGENCY, Preference.OFF, Route.SEND_NOW_SILENT),
        (Priority.HIGH, Preference.ON, Route.SEND_NOW),
        (Priority.HIGH, Preference.SILENT, Route.SEND_NOW_SILENT),
        (Priority.HIGH, Preference.OFF, Route.DROP),
        (Priority.NORMAL, Preference.ON, Route.DIGEST),
        (Priority.NORMAL, Preference.SILENT, Route.DIGEST),
        (Priority.NORMAL, Preference.OFF, Route.DROP),
        (Priority.LOW, Preference.ON, Route.LOG_ONLY),
        (Priority.LOW, Preference.SILENT, Route.LOG_ONLY),
        (Priority.LOW, Preference.OFF, Route.DROP),
    ],
)
def test_route_each_pair_gives_the_documented_route(
    priority: Priority, preference: Preference, expected: Route
) -> None:
    assert route(priority, preference) is expected


def test_decide_unset_kind_is_on_and_set_kind_is_honoured() -> None:
    prefs = Preferences({EventKind.ORDER_FILLED: Preference.SILENT})

    assert decide(a_notification(EventKind.ORDER_FILLED), prefs) is Route.SEND_NOW_SILENT
    assert decide(a_notification(EventKind.STOP_LOSS_FILLED), prefs) is Route.SEND_NOW


@given(st.sampled_from(EventKind), st.sampled_from(Preference))
def test_decide_emergencies_always_reach_someone(kind: EventKind, preference: Preference) -> None:
    routed = decide(a_notification(kind), Preferences({kind: preference}))

    if PRIORITY_OF[kind] is Priority.EMERGENCY:
        assert routed in {Route.SEND_NOW, Route.SEND_NOW_SILENT}
    if preference is Preference.OFF and PRIORITY_OF[kind] is not Priority.EMERGENCY:
        assert routed is Route.DROP
    if routed in {Route.SEND_NOW, Route.SEND_NOW_SILENT}:
        assert PRIORITY_OF[kind] in {Priority.EMERGENCY, Priority.HIGH}


def test_dedupe_key_same_event_same_key_other_event_other_key() -> None:
    assert a_notification(key=7).dedupe_key == a_notification(key=7).dedupe_key
    assert a_notification(key=7).dedupe_key != a_notification(key=8).dedupe_key
    assert a_notification(recipient=BOB).dedupe_key != a_notification().dedupe_key


def test_digest_due_five_minutes_after_its_first_item() -> None:
    queue = DigestQueue()
    queue.add(a_notification(key=1), T0)
    queue.add(a_notification(key=2), T0 + timedelta(minutes=4))

    assert queue.take_due(T0 + timedelta(minutes=4, seconds=59)) == []
    assert queue.next_due() == T0 + timedelta(minutes=5)
    [digest] = queue.take_due(T0 + timedelta(minutes=5))

    assert [item.dedupe_key for item in digest.items] == [
        a_notification(key=1).dedupe_key,
        a_notification(key=2).dedupe_key,
    ]
    assert queue.next_due() is None


def test_digest_same_dedupe_key_twice_is_kept_once() -> None:
    queue = DigestQueue()
    queue.add(a_notification(key=1), T0)
    queue.add(a_notification(key=1), T0 + timedelta(seconds=1))

    [digest] = queue.take_all()

    assert len(digest.items) == 1


def test_digest_recipients_have_their_own_windows() -> None:
    queue = DigestQueue()
    queue.add(a_notification(recipient=ALICE), T0)
    queue.add(a_notification(recipient=BOB), T0 + timedelta(minutes=3))

    due = queue.take_due(T0 + timedelta(minutes=5))

    assert [d.recipient for d in due] == [ALICE]
    assert [d.recipient for d in queue.pending()] == [BOB]


@given(
    st.lists(
        st.tuples(st.sampled_from([ALICE, BOB]), st.integers(0, 20), st.integers(0, 900)),
        max_size=40,
    ),
    st.integers(0, 1200),
)
def test_digest_loses_nothing_and_waits_at_most_the_interval(
    events: list[tuple[Recipient, int, int]], later: int
) -> None:
    queue = DigestQueue()
    taken: list[Notification] = []
    clock = T0
    for recipient, key, gap in events:
        clock += timedelta(seconds=gap)
        taken += [item for d in queue.take_due(clock) for item in d.items]
        queue.add(a_notification(recipient=recipient, key=key), clock)
        for digest in queue.pending():
            assert clock - digest.opened_at < queue.interval
    clock += timedelta(seconds=later)
    taken += [item for d in queue.take_due(clock) for item in d.items]
    taken += [item for d in queue.take_all() for item in d.items]

    sent_keys = {n.dedupe_key for n in taken}
    assert sent_keys == {a_notification(recipient=r, key=k).dedupe_key for r, k, _ in events}
    assert queue.next_due() is None
