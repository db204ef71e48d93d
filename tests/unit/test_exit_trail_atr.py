"""The trailing stop by ATR multiple (`atr_trail_k`): k x ATR below the highest price since
entry while ATR mode is on and an ATR is known, the trailing % otherwise; layered position
over strategy over settings like every other exit rule. That it never lowers, stays on the
grid and fires only at or below its level is a property shared with the trailing % in
test_exit_rule_settings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.exit_rule_settings import RuleInvalid, parse_layer, resolve, settings_layer
from hantu.domain.exits import ExitRules, ExitState, ExitTrigger, evaluate

AT = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
prices = st.integers(min_value=1_000, max_value=900_000).map(Decimal)
multiples = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(20), places=1)
atrs = st.integers(min_value=1, max_value=30_000).map(Decimal)


def _settings(**changes: object) -> dict[str, object]:
    return (
        settings_layer(
            stop_loss_pct=None,
            take_profit_pct=None,
            trailing_pct=Decimal(5),
            pricing="limit",
            ticks_through=0,
            atr_enabled=True,
            atr_stop_k=Decimal(2),
            atr_take_k=None,
            atr_period=14,
        )
        | changes
    )


def test_the_atr_trail_sits_k_atr_below_the_high_and_fires_there() -> None:
    plan = resolve(_settings(), {"atr_trail_k": Decimal(2)})
    atr = Decimal(1_000)
    state = ExitState.open("1:005930", 1, Decimal(70_000), plan.rules(atr), atr)
    assert state.stop_level() == Decimal(68_000)  # below the trail: the trail fires first
    for price in (72_000, 75_000, 74_000):
        state, trigger = evaluate(state, Decimal(price), AT)
        assert trigger is None
    assert state.trailing_level() == Decimal(73_000)  # 75,000 − 2 × 1,000
    _, trigger = evaluate(state, Decimal(72_900), AT)
    assert trigger is not None
    assert trigger.kind is ExitTrigger.TRAILING
    assert trigger.level == Decimal(73_000)


def test_the_atr_trail_replaces_the_percentage_only_while_an_atr_is_known() -> None:
    plan = resolve(_settings(), None, {"atr_trail_k": "1.5"})
    with_atr = plan.rules(Decimal(800))
    without_atr = plan.rules(None)
    atr_off = resolve(_settings(atr_enabled=False), {"atr_trail_k": Decimal(3)}).rules(Decimal(800))

    assert (with_atr.trailing_atr_k, with_atr.trailing_pct) == (Decimal("1.5"), None)
    assert (without_atr.trailing_atr_k, without_atr.trailing_pct) == (None, Decimal(5))
    assert (atr_off.trailing_atr_k, atr_off.trailing_pct) == (None, Decimal(5))


def test_a_position_switches_off_its_strategys_atr_trail() -> None:
    plan = resolve(_settings(), {"atr_trail_k": Decimal(2)}, {"atr_trail_k": None})
    assert plan.atr_trail_k is None
    assert plan.rules(Decimal(500)).trailing_pct == Decimal(5)  # the percentage again
    assert plan.as_layer()["atr_trail_k"] is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [("-1", "not_positive"), ("0", "not_positive"), ("21", "out_of_range"), ("x", "not_a_number")],
)
def test_bad_atr_trail_multiples_name_the_field(value: str, reason: str) -> None:
    with pytest.raises(RuleInvalid) as caught:
        parse_layer({"atr_trail_k": value})
    assert (caught.value.field, caught.value.reason) == ("atr_trail_k", reason)


percents = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(50), places=1)


@given(prices, multiples, percents, atrs)
def test_the_tighter_of_percentage_and_atr_trails_wins_when_both_are_given(
    high: Decimal, k: Decimal, pct: Decimal, atr: Decimal
) -> None:
    both = ExitState.open("1:005930", 1, high, ExitRules(trailing_pct=pct, trailing_atr_k=k), atr)
    by_pct = ExitState.open("1:005930", 1, high, ExitRules(trailing_pct=pct), atr)
    by_atr = ExitState.open("1:005930", 1, high, ExitRules(trailing_atr_k=k), atr)
    levels = [by_pct.trailing_level(), by_atr.trailing_level()]
    assert both.trailing_level() == max(level for level in levels if level is not None)
