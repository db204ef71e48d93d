"""Exit rules: examples and properties (levels on the grid, one key per crossing)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.errors import InvalidValue
from hantu.domain.exits import (
    Candle,
    ExitPricing,
    ExitRules,
    ExitState,
    ExitTrigger,
    average_true_range,
    evaluate,
    exit_order_price,
    merge_rules,
    step_down,
)
from hantu.domain.values import is_on_tick, round_to_tick

AT = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
RULES = ExitRules(stop_loss_pct=Decimal(3), take_profit_pct=Decimal(5))
prices = st.integers(min_value=1_000, max_value=900_000).map(Decimal)
percents = st.integers(min_value=1, max_value=30).map(Decimal)


def _state(avg: Decimal = Decimal(70_000), rules: ExitRules = RULES) -> ExitState:
    return ExitState.open("acct1:005930", 7, avg, rules)


def test_stop_loss_fires_at_its_level_with_key() -> None:
    state = _state()
    assert state.stop_level() == Decimal(67_900)
    _, trigger = evaluate(state, Decimal(67_900), AT)
    assert trigger is not None
    assert trigger.kind is ExitTrigger.STOP_LOSS
    assert trigger.idempotency_key == "exit:acct1:005930:stop_loss:7"


def test_take_profit_fires_at_or_above() -> None:
    state = _state()
    assert state.take_level() == Decimal(73_500)
    assert evaluate(state, Decimal(73_400), AT)[1] is None
    trigger = evaluate(state, Decimal(73_600), AT)[1]
    assert trigger is not None
    assert trigger.kind is ExitTrigger.TAKE_PROFIT


def test_done_state_fires_once() -> None:
    state, first = evaluate(_state(), Decimal(60_000), AT)
    assert first is not None
    assert evaluate(state, Decimal(59_000), AT)[1] is None


def test_trailing_follows_high_water() -> None:
    state = _state(rules=ExitRules(trailing_pct=Decimal(5)))
    for price in (71_000, 80_000, 78_000):
        state, trigger = evaluate(state, Decimal(price), AT)
        assert trigger is None
    assert state.high_water == Decimal(80_000)
    assert state.trailing_level() == Decimal(76_000)
    trigger = evaluate(state, Decimal(75_900), AT)[1]
    assert trigger is not None
    assert trigger.kind is ExitTrigger.TRAILING


def test_atr_wilder_and_atr_stop() -> None:
    candles = [
        Candle(Decimal(h), Decimal(low), Decimal(c))
        for h, low, c in [(110, 100, 105), (112, 104, 110), (115, 108, 109), (111, 99, 100)]
    ]
    # TR: 10, 8, 7, 12 -> first ATR(3)=25/3, then (25/3*2+12)/3
    atr = average_true_range(candles, 3)
    assert atr == (Decimal(25) / 3 * 2 + 12) / 3
    assert average_true_range(candles[:2], 3) is None
    state = ExitState.open("k", 1, Decimal(10_000), ExitRules(stop_atr_k=Decimal(2)), Decimal(100))
    assert state.stop_level() == Decimal(9_800)


def test_merge_respects_override_and_rejects_unknown() -> None:
    merged = merge_rules(RULES, {"take_profit_pct": Decimal(10), "stop_loss_pct": None})
    assert merged.take_profit_pct == Decimal(10)
    assert merged.stop_loss_pct is None
    with pytest.raises(InvalidValue):
        merge_rules(RULES, {"stop": Decimal(1)})


def test_exit_order_pricing() -> None:
    assert exit_order_price(ExitRules(pricing=ExitPricing.MARKET), Decimal(70_000)) is None
    assert exit_order_price(RULES, Decimal(70_000)) == Decimal(70_000)
    through = ExitRules(pricing=ExitPricing.TICKS_THROUGH, ticks_through=2)
    assert exit_order_price(through, Decimal(2_005)) == Decimal(1_999)
    assert step_down(Decimal(1)) == Decimal(1)


@given(prices, percents, prices)
def test_stop_never_above_level_take_never_below(avg: Decimal, pct: Decimal, tick: Decimal) -> None:
    rules = ExitRules(stop_loss_pct=pct, take_profit_pct=pct)
    state = _state(avg, rules)
    _, trigger = evaluate(state, tick, AT)
    if trigger is not None and trigger.kind is ExitTrigger.STOP_LOSS:
        assert trigger.price <= trigger.level
    if trigger is not None and trigger.kind is ExitTrigger.TAKE_PROFIT:
        assert trigger.price >= trigger.level
    for level in (state.stop_level(), state.take_level()):
        assert level is not None
        assert is_on_tick(level)


@given(prices, percents, st.lists(prices, min_size=1, max_size=30))
def test_trailing_level_monotone(avg: Decimal, pct: Decimal, path: list[Decimal]) -> None:
    state = _state(avg, ExitRules(trailing_pct=pct))
    previous = state.trailing_level()
    for tick in path:
        state, _ = evaluate(replace_done(state), tick, AT)
        level = state.trailing_level()
        assert previous is not None
        assert level is not None
        assert level >= previous
        previous = level


def replace_done(state: ExitState) -> ExitState:
    from dataclasses import replace

    return replace(state, done=False)


@given(prices, percents, prices)
def test_same_crossing_same_key(avg: Decimal, pct: Decimal, tick: Decimal) -> None:
    state = _state(avg, ExitRules(stop_loss_pct=pct, take_profit_pct=pct))
    first = evaluate(state, tick, AT)[1]
    second = evaluate(state, tick, AT)[1]
    assert (first is None) == (second is None)
    if first is not None and second is not None:
        assert first.idempotency_key == second.idempotency_key


@given(prices, percents, st.data())
def test_no_trigger_strictly_inside_band(avg: Decimal, pct: Decimal, data: st.DataObject) -> None:
    state = _state(avg, ExitRules(stop_loss_pct=pct, take_profit_pct=pct))
    stop, take = state.stop_level(), state.take_level()
    assert stop is not None
    assert take is not None
    if take - stop > 1:
        tick = data.draw(st.integers(int(stop) + 1, int(take) - 1).map(Decimal))
        assert evaluate(state, tick, AT)[1] is None


@given(st.sampled_from([None, Decimal(1), Decimal(7)]), st.sampled_from([None, Decimal(2)]))
def test_merge_property(stop: Decimal | None, trail: Decimal | None) -> None:
    merged = merge_rules(RULES, {"stop_loss_pct": stop, "trailing_pct": trail})
    assert merged.stop_loss_pct == stop
    assert merged.trailing_pct == trail
    assert merged.take_profit_pct == RULES.take_profit_pct


def test_rules_reject_nonsense() -> None:
    with pytest.raises(InvalidValue):
        ExitRules(stop_loss_pct=Decimal(-1))
    with pytest.raises(InvalidValue):
        ExitRules(trailing_pct=Decimal(100))
    with pytest.raises(InvalidValue):
        ExitRules(ticks_through=-1)


@given(prices, st.integers(0, 50), st.one_of(st.none(), prices.map(round_to_tick)))
def test_ticks_through_stays_on_grid_and_above_floor(
    tick: Decimal, steps: int, lower: Decimal | None
) -> None:
    rules = ExitRules(pricing=ExitPricing.TICKS_THROUGH, ticks_through=steps)
    price = exit_order_price(rules, tick, lower)
    assert price is not None
    assert is_on_tick(price)
    assert price <= max(tick, lower or tick)
    if lower is not None:
        assert price >= lower
