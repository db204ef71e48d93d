"""Exit rules layered position → strategy → settings, and the levels they make."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.exit_rule_settings import (
    FIELDS,
    RuleInvalid,
    from_json,
    parse_layer,
    resolve,
    settings_layer,
    to_json,
)
from hantu.domain.exits import (
    Candle,
    ExitPricing,
    ExitState,
    ExitTrigger,
    average_true_range,
    evaluate,
)
from hantu.domain.values import is_on_tick

AT = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def base(**changes: object) -> dict[str, object]:
    layer = settings_layer(
        stop_loss_pct=Decimal(3),
        take_profit_pct=Decimal(5),
        trailing_pct=None,
        pricing="limit",
        ticks_through=0,
        atr_enabled=False,
        atr_stop_k=Decimal(2),
        atr_take_k=Decimal(3),
        atr_period=14,
    )
    return layer | changes


def test_position_over_strategy_over_settings() -> None:
    plan = resolve(
        base(),
        {"stop_loss_pct": Decimal(2), "take_profit_pct": Decimal(8)},
        {"take_profit_pct": Decimal(10)},
    )
    assert plan.stop_loss_pct == Decimal(2)  # the strategy's
    assert plan.take_profit_pct == Decimal(10)  # the position's
    assert plan.pricing is ExitPricing.LIMIT  # the settings'


def test_none_in_a_layer_switches_the_rule_off() -> None:
    plan = resolve(base(), {"trailing_pct": Decimal(4)}, {"stop_loss_pct": None})
    rules = plan.rules()
    assert rules.stop_loss_pct is None
    assert rules.trailing_pct == Decimal(4)


def test_atr_mode_uses_atr_levels_and_falls_back_to_percentages_without_atr() -> None:
    plan = resolve(base(atr_enabled=True))
    with_atr = ExitState.open(
        "1:005930", 1, Decimal(70000), plan.rules(Decimal(1000)), Decimal(1000)
    )
    assert with_atr.stop_level() == Decimal(68000)  # 70,000 - 2 x 1,000
    assert with_atr.take_level() == Decimal(73000)  # 70,000 + 3 x 1,000
    without = ExitState.open("1:005930", 1, Decimal(70000), plan.rules(None))
    assert without.stop_level() == Decimal(67900)  # 3 %
    assert without.take_level() == Decimal(73500)  # 5 %


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("stop_loss_pct", "-1", "not_positive"),
        ("stop_loss_pct", "0", "not_positive"),
        ("stop_loss_pct", "100", "below_hundred"),
        ("trailing_pct", "abc", "not_a_number"),
        ("take_profit_pct", "NaN", "not_a_number"),
        ("take_profit_pct", True, "not_a_number"),
        ("pricing", "best", "unknown_pricing"),
        ("ticks_through", "1.5", "not_an_integer"),
        ("ticks_through", -1, "out_of_range"),
        ("atr_period", 1, "out_of_range"),
        ("atr_stop_k", "-0.5", "not_positive"),
        ("atr_enabled", "yes", "not_a_bool"),
        ("colour", "red", "unknown_field"),
    ],
)
def test_bad_values_name_the_field_and_why(field: str, value: object, reason: str) -> None:
    with pytest.raises(RuleInvalid) as caught:
        parse_layer({field: value})
    assert (caught.value.field, caught.value.reason) == (field, reason)


def test_blank_is_off_and_json_round_trips() -> None:
    layer = parse_layer({"stop_loss_pct": "", "take_profit_pct": "7.5", "atr_period": "20"})
    assert layer == {"stop_loss_pct": None, "take_profit_pct": Decimal("7.5"), "atr_period": 20}
    assert from_json(to_json(layer)) == layer


pct = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("50"), places=2)
price = st.integers(min_value=1000, max_value=500_000).map(Decimal)
maybe_pct = st.none() | pct
layers = st.fixed_dictionaries(
    {},
    optional={"stop_loss_pct": maybe_pct, "take_profit_pct": maybe_pct, "trailing_pct": maybe_pct},
)


@given(layers, layers, price, st.none() | st.integers(1, 20_000).map(Decimal), st.booleans())
def test_levels_sit_on_the_right_side_of_the_average(
    strategy: dict[str, object],
    position: dict[str, object],
    average: Decimal,
    atr: Decimal | None,
    atr_mode: bool,
) -> None:
    plan = resolve(base(atr_enabled=atr_mode), strategy, position)
    state = ExitState.open("1:005930", 1, average, plan.rules(atr), atr)
    stop, take = state.stop_level(), state.take_level()
    if stop is not None:
        assert stop <= average
    if take is not None:
        assert take > average
    assert set(plan.as_layer()) == set(FIELDS)


# A trailing stop by percentage, or in ATR mode by a multiple of a known ATR.
trails = st.tuples(st.just("trailing_pct"), pct, st.none()) | st.tuples(
    st.just("atr_trail_k"),
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal(20), places=1),
    st.integers(1, 30_000).map(Decimal),
)


@given(trails, price, st.lists(st.integers(-3000, 3000), min_size=1, max_size=40))
def test_trailing_never_lowers_the_stop(
    trail: tuple[str, Decimal, Decimal | None], average: Decimal, moves: list[int]
) -> None:
    field, value, atr = trail
    settings = base(stop_loss_pct=None, take_profit_pct=None, atr_stop_k=None, atr_take_k=None)
    plan = resolve(settings | {"atr_enabled": atr is not None}, {field: value})
    state = ExitState.open("1:005930", 1, average, plan.rules(atr), atr)
    last = state.trailing_level()
    assert last is not None
    tick = average
    for move in moves:
        tick = max(Decimal(1), tick + move)
        state, trigger = evaluate(state, tick, AT)
        level = state.trailing_level()
        assert level is not None
        assert is_on_tick(level)
        assert level >= last
        if atr is not None:  # rounded up onto the grid: never looser than k x ATR
            assert level >= state.high_water - value * atr
        last = level
        if trigger is not None:
            assert trigger.kind is ExitTrigger.TRAILING
            assert tick <= level
            break
        assert tick > level


candle_rows = st.lists(
    st.tuples(st.integers(1_000, 200_000), st.integers(0, 5_000), st.integers(0, 100)),
    min_size=2,
    max_size=40,
)


def _bars(rows: list[tuple[int, int, int]]) -> list[Candle]:
    return [
        Candle(Decimal(low + spread), Decimal(low), Decimal(low) + Decimal(spread) * pct / 100)
        for low, spread, pct in rows
    ]


@given(candle_rows, st.integers(1, 20))
def test_atr_lies_between_the_smallest_and_largest_true_range(
    rows: list[tuple[int, int, int]], period: int
) -> None:
    candles = _bars(rows)
    atr = average_true_range(candles, period)
    if len(candles) < period:
        assert atr is None
        return
    assert atr is not None
    ranges = [candles[0].high - candles[0].low] + [
        max(c.high - c.low, abs(c.high - p.close), abs(c.low - p.close))
        for p, c in pairwise(candles)
    ]
    assert min(ranges) - Decimal("0.0001") <= atr <= max(ranges) + Decimal("0.0001")


def test_atr_counts_an_overnight_gap() -> None:
    calm = [Candle(Decimal(101), Decimal(99), Decimal(100))] * 3
    gapped = [*calm, Candle(Decimal(111), Decimal(109), Decimal(110))]
    assert average_true_range(calm, 3) == Decimal(2)
    # The gap day's true range is 111 − 100 = 11, not its own 2: Wilder (2·2 + 11) / 3 = 5.
    assert average_true_range(gapped, 3) == Decimal(5)
