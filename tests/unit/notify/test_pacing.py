"""The pacer's pure core: every booking respects every window, and idle chats go at once."""

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from hantu.adapters.notify.delivery import RetryPolicy
from hantu.adapters.notify.pacing import Limit, Pacer, PacingRules
from hantu.service_layer.notify_ports import DeliveryResult

CHATS = ["511223344", "600000001", "-1001234567890", "-42"]


def _respects(times: list[float], limit: Limit) -> bool:
    times = sorted(times)
    return all(
        times[i + limit.count] - times[i] >= limit.seconds - 1e-9
        for i in range(len(times) - limit.count)
    )


@given(st.lists(st.tuples(st.sampled_from(CHATS), st.floats(0, 3)), max_size=120))
def test_pacer_bookings_never_break_a_limit(sends: list[tuple[str, float]]) -> None:
    rules = PacingRules(per_chat=Limit(1, 1.0), per_group=Limit(5, 10.0), per_bot=Limit(3, 1.0))
    pacer = Pacer(rules)
    now, booked, per_chat = 0.0, [], defaultdict(list)
    for chat, gap in sends:
        now += gap
        at = now + pacer.reserve(chat, now)
        assert at >= now
        booked.append(at)
        per_chat[chat].append(at)

    assert _respects(booked, Limit(3, 1.0))
    for chat, times in per_chat.items():
        assert _respects(times, Limit(1, 1.0))
        if chat.startswith("-"):
            assert _respects(times, Limit(5, 10.0))


def test_pacer_idle_chat_goes_at_once_and_a_burst_is_spaced() -> None:
    pacer = Pacer()

    delays = [pacer.reserve("511223344", 100.0) for _ in range(4)]

    assert delays == [0.0, 1.0, 2.0, 3.0]
    assert pacer.reserve("600000001", 100.0) == 0.0


def test_pacer_group_gets_twenty_a_minute() -> None:
    pacer = Pacer()

    delays = [pacer.reserve("-1001234567890", 0.0) for _ in range(21)]

    assert delays[:20] == [float(i) for i in range(20)]
    assert delays[20] == 60.0


def test_pacer_bot_wide_thirty_a_second_across_chats() -> None:
    pacer = Pacer()

    delays = [pacer.reserve(str(1000 + i), 0.0) for i in range(31)]

    assert delays[:30] == [0.0] * 30
    assert delays[30] == 1.0


def test_retry_policy_backoff_doubles_to_the_cap_and_long_retry_after_gives_up() -> None:
    policy = RetryPolicy(attempts=10, base_delay=0.5, max_delay=4.0, max_retry_after=60)

    waits = [policy.wait_after(DeliveryResult.transient("5xx"), n) for n in range(1, 7)]

    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.wait_after(DeliveryResult.wait(30), 1) == 30
    assert policy.wait_after(DeliveryResult.wait(3600), 1) is None
    assert policy.wait_after(DeliveryResult.permanent("403"), 1) is None
    assert policy.wait_after(DeliveryResult.transient("5xx"), 10) is None
