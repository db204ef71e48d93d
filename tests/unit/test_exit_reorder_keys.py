"""Re-order keys: derived from the trigger and the attempt, and read back after a restart."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.exits import ExitTrigger, Trigger
from hantu.service_layer.exit_fill_wait import attempt_of, reorder_key

AT = datetime(2026, 11, 20, tzinfo=UTC)


@given(st.integers(1, 10_000), st.sampled_from(list(ExitTrigger)), st.integers(0, 9))
def test_reorder_key_round_trips_through_attempt_of(seq: int, kind: ExitTrigger, n: int) -> None:
    key = f"exit:1:005930:{kind.value}:{seq}"
    trigger = Trigger(kind, Decimal(100), Decimal(100), AT, key)
    assert attempt_of(reorder_key(trigger, n)) == (key, n)


def test_the_first_order_keeps_the_trigger_key() -> None:
    trigger = Trigger(
        ExitTrigger.STOP_LOSS, Decimal(1), Decimal(1), AT, "exit:1:005930:stop_loss:7"
    )
    assert reorder_key(trigger, 0) == "exit:1:005930:stop_loss:7"
    assert reorder_key(trigger, 1) == "exit:1:005930:stop_loss:7:r1"
    assert attempt_of("exit:1:005930:stop_loss:7") == ("exit:1:005930:stop_loss:7", 0)
