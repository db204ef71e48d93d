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
        while (wait := pacer.admit(chat, now)) > 0:
            now += wait * 1.5  # senders wake late; a late send must still fit
        booked.append(now)
        per_chat[chat].append(now)

    assert _respects(booked, Limit(3, 1.0))
    for chat, times in per_chat.items():
        assert _respects(times, Limit(1, 1.0))
        if chat.startswith("-"):
            assert _respects(times, Limit(5, 10.0))


def _send_times(pacer: Pacer, chat: str, count: int, now: float = 0.0) -> list[float]:
    times = []
    for _ in range(count):
        while (wait := pacer.admit(chat, now)) > 0:
            now += wait
        times.append(now)
    return times


def test_pacer_idle_chat_goes_at_once_and_a_burst_is_spaced() -> None:
    pacer = Pacer()

    assert _send_times(pacer, "511223344", 4, now=100.0) == [100.0, 101.0, 102.0, 103.0]
    assert pacer.admit("600000001", 100.0) == 0.0


def test_pacer_refused_ask_books_nothing() -> None:
    pacer = Pacer()
    pacer.admit("511223344", 0.0)

    assert pacer.admit("511223344", 0.5) == 0.5
    assert pacer.admit("511223344", 1.0) == 0.0


def test_pacer_group_gets_twenty_a_minute() -> None:
    times = _send_times(Pacer(), "-1001234567890", 21)

    assert times[:20] == [float(i) for i in range(20)]
    assert times[20] == 60.0


def test_pacer_bot_wide_thirty_a_second_across_chats() -> None:
    pacer = Pacer()

    waits = [pacer.admit(str(1000 + i), 0.0) for i in range(31)]

    assert waits[:30] == [0.0] * 30
    assert waits[30] == 1.0


def test_retry_policy_backoff_doubles_to_the_cap_and_long_retry_after_gives_up() -> None:
    policy = RetryPolicy(attempts=10, base_delay=0.5, max_delay=4.0, max_retry_after=60)

    waits = [policy.wait_after(DeliveryResult.transient("5xx"), n) for n in range(1, 7)]

    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.wait_after(DeliveryResult.wait(30), 1) == 30
    assert policy.wait_after(DeliveryResult.wait(3600), 1) is None
    assert policy.wait_after(DeliveryResult.permanent("403"), 1) is None
    assert policy.wait_after(DeliveryResult.transient("5xx"), 10) is None
