"""Add-buy opportunities: the support-touch rule, once per symbol per day, and the watcher
judging ticks of held symbols only (its ports as small recording classes)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.add_buy import DailyGate, SupportTouch
from hantu.domain.exits import Candle
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer.add_buy import AddBuyWatcher
from hantu.service_layer.daily_candles import CachedCandles
from hantu.service_layer.exit_rules_ports import AccountOwner
from hantu.service_layer.ports import Tick
from tests.fakes import FakeClock

SAMSUNG, HYNIX = Symbol("005930"), Symbol("000660")
ACCOUNT = StrategyAccountId(7)


def _candles(lows: list[int]) -> list[Candle]:
    return [Candle(Decimal(low + 500), Decimal(low), Decimal(low + 200)) for low in lows]


def test_support_is_the_lowest_low_of_the_lookback_and_needs_enough_history() -> None:
    rule = SupportTouch(lookback=3)
    assert rule.level(_candles([60_000, 61_000, 62_000, 63_000])) == Decimal(61_000)
    assert rule.level(_candles([61_000, 62_000])) is None
    assert rule.touched(Decimal(61_000), Decimal(61_000))
    assert not rule.touched(Decimal(61_100), Decimal(61_000))


def test_a_configured_support_price_wins() -> None:
    rule = SupportTouch(lookback=20, support=Decimal(58_000))
    assert rule.level([]) == Decimal(58_000)


@given(st.lists(st.integers(1_000, 500_000), min_size=5, max_size=40), st.integers(1, 5))
def test_the_support_is_never_above_any_recent_low(lows: list[int], lookback: int) -> None:
    level = SupportTouch(lookback=lookback).level(_candles(lows))
    assert level is not None
    assert all(level <= low for low in lows[-lookback:])
    assert level in {Decimal(low) for low in lows[-lookback:]}


def test_the_gate_passes_each_key_once_a_day() -> None:
    gate = DailyGate()
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    assert gate.first("005930", monday)
    assert not gate.first("005930", monday)
    assert gate.first("000660", monday)
    assert gate.first("005930", tuesday)


class _Candles:
    def __init__(self, lows: list[int]) -> None:
        self.lows = lows
        self.asked: list[tuple[str, date, int]] = []

    async def daily_candles(
        self, account: StrategyAccountId, symbol: Symbol, day: date, count: int
    ) -> list[Candle]:
        self.asked.append((symbol.code, day, count))
        return _candles(self.lows)[-count:]


class _Owners:
    async def owner_of(self, strategy_account_id: int) -> AccountOwner | None:
        return AccountOwner(StrategyAccountId(strategy_account_id), 3, 9, "AUTO", 5, Decimal(1))


class _Teller:
    def __init__(self) -> None:
        self.told: list[tuple[int, str, Decimal, Decimal]] = []

    async def tell(
        self, owner: AccountOwner, symbol: Symbol, price: Decimal, level: Decimal, rule: str
    ) -> None:
        self.told.append((owner.user_id, symbol.code, price, level))


def _tick(symbol: Symbol, price: int, clock: FakeClock) -> Tick:
    return Tick(symbol, Price(price), Quantity(1), clock.now())


async def test_the_watcher_tells_a_touch_of_a_held_symbol_once_a_day() -> None:
    clock = FakeClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # Monday 10:00 KST
    candles, teller = _Candles([60_000, 61_000, 62_000]), _Teller()
    held = [(ACCOUNT, SAMSUNG)]
    watcher = AddBuyWatcher(
        SupportTouch(lookback=3),
        candles,
        lambda: held,
        _Owners(),
        teller,
        clock,
    )

    watcher.on_tick(_tick(HYNIX, 1_000, clock))  # not held: nothing asked
    watcher.on_tick(_tick(SAMSUNG, 65_000, clock))  # loads the support (60,000)
    await watcher.drain()
    for price in (60_500, 60_000, 59_900, 60_000):
        watcher.on_tick(_tick(SAMSUNG, price, clock))
    await watcher.drain()

    assert candles.asked == [("005930", date(2026, 11, 22), 3)]  # finished days, once
    assert teller.told == [(9, "005930", Decimal(60_000), Decimal(60_000))]

    clock.advance(timedelta(days=1).total_seconds())  # Tuesday: a new day, a new chance
    watcher.on_tick(_tick(SAMSUNG, 59_000, clock))
    await watcher.drain()
    assert len(teller.told) == 2
    assert teller.told[1][2] == Decimal(59_000)


async def test_a_broker_without_candles_means_no_check_and_no_error() -> None:
    class _Broken:
        async def daily_candles(
            self, account: StrategyAccountId, symbol: Symbol, day: date, count: int
        ) -> list[Candle]:
            raise ConnectionError("down")

    clock, teller = FakeClock(), _Teller()
    watcher = AddBuyWatcher(
        SupportTouch(lookback=3),
        _Broken(),
        lambda: [(ACCOUNT, SAMSUNG)],
        _Owners(),
        teller,
        clock,
    )
    watcher.on_tick(_tick(SAMSUNG, 1_000, clock))
    await watcher.drain()
    watcher.on_tick(_tick(SAMSUNG, 1, clock))
    await watcher.drain()
    assert teller.told == []


async def test_candles_that_failed_are_asked_again_after_a_while() -> None:
    class _Flaky(_Candles):
        failures = 1

        async def daily_candles(
            self, account: StrategyAccountId, symbol: Symbol, day: date, count: int
        ) -> list[Candle]:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("down")
            return await super().daily_candles(account, symbol, day, count)

    clock, teller = FakeClock(), _Teller()
    candles = _Flaky([60_000, 61_000, 62_000])
    watcher = AddBuyWatcher(
        SupportTouch(lookback=3), candles, lambda: [(ACCOUNT, SAMSUNG)], _Owners(), teller, clock
    )
    watcher.on_tick(_tick(SAMSUNG, 60_000, clock))
    await watcher.drain()
    clock.advance(60)
    watcher.on_tick(_tick(SAMSUNG, 60_000, clock))  # within the pause: not asked again
    await watcher.drain()
    assert teller.told == []
    clock.advance(5 * 60)
    watcher.on_tick(_tick(SAMSUNG, 60_000, clock))
    await watcher.drain()
    assert len(candles.asked) == 1  # the successful ask
    assert teller.told == [(9, "005930", Decimal(60_000), Decimal(60_000))]


async def test_cached_candles_ask_the_source_once_per_symbol_and_day() -> None:
    source = _Candles(list(range(60_000, 60_040)))
    cache = CachedCandles(source)
    day = date(2026, 11, 20)

    answers = await asyncio.gather(
        *(cache.daily_candles(ACCOUNT, SAMSUNG, day, n) for n in (15, 20, 15))
    )
    again = await cache.daily_candles(ACCOUNT, SAMSUNG, day, 20)
    other_day = await cache.daily_candles(ACCOUNT, SAMSUNG, day + timedelta(days=1), 20)

    assert [len(a) for a in answers] == [15, 20, 15]
    assert again == answers[1]
    assert len(other_day) == 20
    assert cache.calls == 2
    assert [asked[2] for asked in source.asked] == [30, 30]  # enough for ATR and supports
