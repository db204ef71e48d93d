"""A position's fixed add-buy support price: validated whole won on the KRX tick grid, a
position's alone (never a strategy's), replacing the N-day low for that position only, and
read again by the running watcher as soon as it changes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.add_buy import SupportTouch, position_level
from hantu.domain.exit_rule_settings import RuleInvalid, from_json, parse_layer, resolve, to_json
from hantu.domain.values import StrategyAccountId, Symbol, is_on_tick, round_to_tick
from hantu.service_layer.add_buy import AddBuyWatcher, SupportPrices
from tests.fakes import FakeClock
from tests.unit.test_add_buy import SAMSUNG, _Candles, _candles, _Owners, _Teller, _tick
from tests.unit.test_exit_rule_settings import base

SETTINGS = base()
MONDAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 10:00 KST
ALICE, BOB = StrategyAccountId(7), StrategyAccountId(8)


def test_a_position_support_price_is_stored_as_whole_won_and_read_back() -> None:
    layer = parse_layer({"support_price": "70000.0", "stop_loss_pct": "2"}, position=True)
    assert layer["support_price"] == Decimal(70_000)
    assert to_json(layer)["support_price"] == "70000"
    assert from_json(to_json(layer)) == layer
    assert resolve(SETTINGS, None, layer).support_price == Decimal(70_000)
    assert parse_layer({"support_price": ""}, position=True) == {"support_price": None}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("-70000", "not_positive"),
        ("0", "not_positive"),
        ("70050", "off_tick"),  # 50,000-200,000 trades in 100 won steps
        ("1999.5", "off_tick"),
        ("abc", "not_a_number"),
        ("1e9", "out_of_range"),
        (True, "not_a_number"),
    ],
)
def test_bad_support_prices_name_the_field_and_why(value: object, reason: str) -> None:
    with pytest.raises(RuleInvalid) as caught:
        parse_layer({"support_price": value}, position=True)
    assert (caught.value.field, caught.value.reason) == ("support_price", reason)


def test_a_strategy_cannot_carry_a_support_price_nor_pass_one_down() -> None:
    with pytest.raises(RuleInvalid) as caught:
        parse_layer({"support_price": "70000"})
    assert (caught.value.field, caught.value.reason) == ("support_price", "position_only")
    inherited = resolve(SETTINGS, {"support_price": Decimal(70_000)}, {})
    assert inherited.support_price is None


@given(st.integers(1, 3_000_000).map(Decimal))
def test_every_price_on_the_grid_is_a_valid_support_and_no_other(price: Decimal) -> None:
    if is_on_tick(price):
        assert parse_layer({"support_price": price}, position=True)["support_price"] == price
        return
    with pytest.raises(RuleInvalid):
        parse_layer({"support_price": price}, position=True)
    snapped = round_to_tick(price)
    assert parse_layer({"support_price": snapped}, position=True)["support_price"] == snapped


lows = st.lists(st.integers(1_000, 500_000), min_size=0, max_size=30)


@given(lows, st.none() | st.integers(1_000, 500_000).map(Decimal), st.integers(1, 600_000))
def test_a_fixed_support_replaces_the_n_day_low(
    recent: list[int], support: Decimal | None, price: int
) -> None:
    rule = SupportTouch(lookback=5)
    candles = _candles(recent)
    level = position_level(rule.level(candles), support)
    if support is not None:
        assert level == support
        assert rule.touched(Decimal(price), level) is (price <= support)
    else:
        assert level == rule.level(candles)


def _watcher(
    teller: _Teller,
    supports: SupportPrices,
    *accounts: StrategyAccountId,
    clock: FakeClock | None = None,
) -> AddBuyWatcher:
    """Held by `accounts`; the 3-day low of the candles is 60,000."""
    return AddBuyWatcher(
        SupportTouch(lookback=3),
        _Candles([60_000, 61_000, 62_000]),
        lambda: [(account, SAMSUNG) for account in accounts],
        _Owners(),
        teller,
        clock or FakeClock(MONDAY),
        supports,
    )


async def _ticks(watcher: AddBuyWatcher, *prices: int) -> None:
    for price in prices:
        watcher.on_tick(_tick(SAMSUNG, price, FakeClock(MONDAY)))
        await watcher.drain()


class _Supports:
    def __init__(self, prices: dict[int, Decimal | None]) -> None:
        self.prices = prices
        self.asked: list[tuple[int, str]] = []

    async def support_price(self, account: StrategyAccountId, symbol: Symbol) -> Decimal | None:
        self.asked.append((int(account), symbol.code))
        return self.prices.get(int(account))


async def test_each_position_is_judged_against_its_own_fixed_support() -> None:
    teller = _Teller()
    supports = _Supports({int(ALICE): Decimal(63_000)})  # Bob keeps the 3-day low, 60,000
    watcher = _watcher(teller, supports, ALICE, BOB)
    await _ticks(watcher, 65_000, 63_100, 63_000, 62_500, 60_000, 59_900)

    assert teller.told == [
        (9, "005930", Decimal(63_000), Decimal(63_000)),  # Alice at her fixed support
        (9, "005930", Decimal(60_000), Decimal(60_000)),  # Bob at the N-day low
    ]
    assert sorted(supports.asked) == [(7, "005930"), (8, "005930")]  # once each for the day


async def test_a_changed_support_is_read_again_at_once_and_may_speak_again() -> None:
    teller = _Teller()
    supports = _Supports({int(ALICE): Decimal(63_000)})
    watcher = _watcher(teller, supports, ALICE)
    await _ticks(watcher, 65_000, 63_000)

    supports.prices[int(ALICE)] = Decimal(64_000)
    await watcher.refresh_supports(None, None)  # a strategy's change: no support in it
    await _ticks(watcher, 63_900)
    assert len(teller.told) == 1

    await watcher.refresh_supports(ALICE, SAMSUNG)
    await _ticks(watcher, 63_900, 63_800)  # the first reads the new 64,000

    assert teller.told == [
        (9, "005930", Decimal(63_000), Decimal(63_000)),
        (9, "005930", Decimal(63_900), Decimal(64_000)),  # a new level: told once more
    ]


async def test_an_unreadable_support_falls_back_to_the_rules_level() -> None:
    class _Broken:
        async def support_price(self, account: StrategyAccountId, symbol: Symbol) -> Decimal | None:
            raise ConnectionError("database down")

    teller = _Teller()
    await _ticks(_watcher(teller, _Broken(), ALICE), 65_000, 60_000)
    assert teller.told == [(9, "005930", Decimal(60_000), Decimal(60_000))]


async def test_a_support_read_that_failed_is_tried_again_after_a_while() -> None:
    class _Flaky(_Supports):
        failures = 1

        async def support_price(self, account: StrategyAccountId, symbol: Symbol) -> Decimal | None:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("database down")
            return await super().support_price(account, symbol)

    clock, teller = FakeClock(MONDAY), _Teller()
    supports = _Flaky({int(ALICE): Decimal(63_000)})
    watcher = _watcher(teller, supports, ALICE, clock=clock)
    await _ticks(watcher, 63_000, 63_000)  # the first read failed: the 3-day low applies
    assert teller.told == []
    clock.advance(5 * 60)
    await _ticks(watcher, 63_000)
    assert supports.asked == [(7, "005930")]  # the successful read
    assert teller.told == [(9, "005930", Decimal(63_000), Decimal(63_000))]
