"""Outbox values: messages within the columns' limits, and the retry backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hantu.service_layer.outbox import OutboxMessage, RetryPolicy
from tests.builders import T0


@pytest.mark.parametrize(
    ("kind", "key"), [("", "k"), ("k" * 65, "k"), ("notify", ""), ("notify", "k" * 201)]
)
def test_outbox_message_outside_the_column_limits_is_refused(kind: str, key: str) -> None:
    with pytest.raises(ValueError, match="outbox"):
        OutboxMessage(kind, key, {})


def test_retry_policy_doubles_up_to_its_longest_then_gives_up() -> None:
    policy = RetryPolicy(max_attempts=6, first=5, longest=30)

    delays = [policy.retry_at(attempt, T0) for attempt in range(1, 7)]

    assert delays[:5] == [T0 + timedelta(seconds=s) for s in (5, 10, 20, 30, 30)]
    assert delays[5] is None
