"""Exits priced from the book: the best bid while fresh, the tick otherwise; examples and
properties (on the grid, never above the tick, never below the lower limit, never more than
the cap's ticks below the tick)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.exit_book_price import (
    BOOK_FRESH,
    MAX_BID_GAP_TICKS,
    BestBid,
    book_exit_price,
    fresh_bid,
    ticks_below,
)
from hantu.domain.exits import ExitPricing, ExitRules, exit_order_price, step_down
from hantu.domain.values import Symbol, is_on_tick, round_to_tick, tick_size
from hantu.service_layer.best_bids import BestBids

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
LIMIT = ExitRules(stop_loss_pct=Decimal(3))
THROUGH = ExitRules(stop_loss_pct=Decimal(3), pricing=ExitPricing.TICKS_THROUGH, ticks_through=2)
MARKET = ExitRules(stop_loss_pct=Decimal(3), pricing=ExitPricing.MARKET)
prices = st.integers(min_value=1, max_value=900_000).map(Decimal)
ages = st.integers(min_value=0, max_value=5_000).map(lambda ms: timedelta(milliseconds=ms))
all_rules = st.sampled_from([LIMIT, THROUGH, MARKET, ExitRules(pricing=ExitPricing.TICKS_THROUGH)])


def _bid(price: int, age: timedelta = timedelta(milliseconds=300)) -> BestBid:
    return BestBid(Decimal(price), NOW - age)


def test_a_fresh_bid_below_the_tick_prices_the_limit_at_the_bid() -> None:
    assert book_exit_price(LIMIT, Decimal(67_800), _bid(67_500), NOW) == Decimal(67_500)


def test_ticks_through_count_from_the_bid() -> None:
    assert book_exit_price(THROUGH, Decimal(67_800), _bid(67_500), NOW) == Decimal(67_300)


def test_a_bid_above_the_tick_leaves_the_tick_price() -> None:
    # A sell at the tick still executes at a real higher bid; a stale one would not fill.
    assert book_exit_price(LIMIT, Decimal(67_800), _bid(68_000), NOW) == Decimal(67_800)


def test_a_stale_empty_or_absent_book_prices_as_before() -> None:
    tick = Decimal(67_800)
    stale = _bid(67_500, BOOK_FRESH + timedelta(milliseconds=1))
    for bid in (stale, _bid(0), None):
        assert book_exit_price(LIMIT, tick, bid, NOW) == exit_order_price(LIMIT, tick)
        assert book_exit_price(THROUGH, tick, bid, NOW) == exit_order_price(THROUGH, tick)
    assert book_exit_price(LIMIT, tick, _bid(67_500, BOOK_FRESH), NOW) == Decimal(67_500)


def test_market_pricing_ignores_the_book() -> None:
    assert book_exit_price(MARKET, Decimal(67_800), _bid(67_500), NOW) is None


def test_an_off_grid_bid_rounds_down_onto_the_grid_and_stops_at_the_lower_limit() -> None:
    assert book_exit_price(LIMIT, Decimal(67_800), _bid(67_450), NOW) == Decimal(67_400)
    lower = Decimal(67_600)
    assert book_exit_price(LIMIT, Decimal(67_800), _bid(67_500), NOW, lower) == lower


@given(all_rules, prices, prices, ages, st.one_of(st.none(), prices))
def test_the_price_is_on_the_grid_never_above_the_tick_nor_below_the_limit(
    rules: ExitRules, tick: Decimal, bid: Decimal, age: timedelta, lower: Decimal | None
) -> None:
    price = book_exit_price(rules, tick, BestBid(bid, NOW - age), NOW, lower)
    if rules.pricing is ExitPricing.MARKET:
        assert price is None
        return
    assert price is not None
    assert is_on_tick(price)
    floor = round_to_tick(lower, up=True) if lower else Decimal(1)
    assert price >= floor
    assert price <= max(round_to_tick(tick), floor)
    capped = round_to_tick(min(bid, tick)) < ticks_below(tick, MAX_BID_GAP_TICKS)
    if age <= BOOK_FRESH and floor <= round_to_tick(min(bid, tick)) and not capped:
        assert price <= round_to_tick(bid)  # a fresh bid bounds the limit from above
    if age > BOOK_FRESH:
        assert price == exit_order_price(rules, tick, lower)


def test_a_bid_beyond_the_cap_prices_at_the_tick_minus_the_cap() -> None:
    tick = Decimal(67_800)
    assert MAX_BID_GAP_TICKS == 5
    assert book_exit_price(LIMIT, tick, _bid(67_300), NOW) == Decimal(67_300)  # 5 ticks: kept
    assert book_exit_price(LIMIT, tick, _bid(67_200), NOW) == Decimal(67_300)  # 6: capped
    assert book_exit_price(LIMIT, tick, _bid(1_000), NOW) == Decimal(67_300)
    assert book_exit_price(THROUGH, tick, _bid(1_000), NOW) == Decimal(67_100)  # then 2 more
    assert book_exit_price(LIMIT, tick, _bid(60_000), NOW, max_gap_ticks=0) == tick


def test_the_cap_counts_ticks_across_a_band_edge() -> None:
    # 50,100 → 50,000 is one 100-won tick, then 50-won ticks below 50,000.
    assert ticks_below(Decimal(50_100), 3) == Decimal(49_900)
    assert book_exit_price(LIMIT, Decimal(50_100), _bid(40_000), NOW, max_gap_ticks=3) == 49_900


def _grid_steps(high: Decimal, low: Decimal) -> int:
    steps, price = 0, high
    while price > low:
        price, steps = step_down(price), steps + 1
    return steps


@given(prices, prices, st.integers(min_value=0, max_value=30))
def test_a_fresh_bid_never_pulls_a_limit_more_than_the_cap_below_the_tick(
    tick: Decimal, bid: Decimal, cap: int
) -> None:
    price = book_exit_price(LIMIT, tick, BestBid(bid, NOW), NOW, max_gap_ticks=cap)
    assert price is not None
    assert is_on_tick(price)
    assert price <= round_to_tick(tick)
    assert _grid_steps(round_to_tick(tick), price) <= cap
    within = _grid_steps(round_to_tick(tick), round_to_tick(min(bid, tick))) <= cap
    assert within == (price == max(round_to_tick(min(bid, tick)), Decimal(1)))


@given(prices, prices, st.integers(min_value=0, max_value=29))
def test_a_wider_cap_never_prices_higher(tick: Decimal, bid: Decimal, cap: int) -> None:
    narrow = book_exit_price(LIMIT, tick, BestBid(bid, NOW), NOW, max_gap_ticks=cap)
    wide = book_exit_price(LIMIT, tick, BestBid(bid, NOW), NOW, max_gap_ticks=cap + 1)
    assert narrow is not None
    assert wide is not None
    assert wide <= narrow
    assert narrow - wide in (0, tick_size(wide))  # one more tick at most


@given(prices, ages)
def test_fresh_bid_is_the_price_exactly_while_fresh(bid: Decimal, age: timedelta) -> None:
    assert fresh_bid(BestBid(bid, NOW - age), NOW) == (bid if age <= BOOK_FRESH else None)


class _Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def test_best_bids_keep_one_entry_per_retained_symbol_and_age_with_the_clock() -> None:
    clock = _Clock()
    bids = BestBids(clock)
    samsung, hynix = Symbol("005930"), Symbol("000660")
    bids.record(samsung, Decimal(67_500))
    bids.record(samsung, Decimal(67_400))
    bids.record(hynix, Decimal(180_000))
    assert len(bids) == 2
    assert bids.exit_price(LIMIT, samsung, Decimal(67_800)) == Decimal(67_400)

    bids.retain([samsung])
    assert len(bids) == 1
    assert bids.get(hynix) is None
    clock.at += BOOK_FRESH + timedelta(seconds=1)
    assert bids.exit_price(LIMIT, samsung, Decimal(67_800)) == Decimal(67_800)
