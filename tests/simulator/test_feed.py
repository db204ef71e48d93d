"""The price feed: band, tick grid, scripts, seeded walks, halts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hantu.domain.values import is_on_tick
from hantu.simulator.feed import PriceFeed, StatusChange, Trade
from tests.fakes import FakeClock

D = Decimal


def make_feed(seed: int = 0) -> PriceFeed:
    return PriceFeed(
        FakeClock(), {"005930": ("삼성전자", D(70_000)), "035720": ("카카오", D(1_990))}, seed=seed
    )


def test_band_base_70000_thirty_percent_on_tick() -> None:
    state = make_feed()["005930"]
    assert (state.lower, state.upper) == (D(49_000), D(91_000))


def test_band_rounds_inward_onto_tick_grid() -> None:
    state = make_feed()["035720"]  # 1,990 × 1.3 = 2,587 → tick 5 → 2,585; × 0.7 = 1,393
    assert (state.lower, state.upper) == (D(1_393), D(2_585))


def test_set_price_off_tick_raises() -> None:
    with pytest.raises(ValueError, match="tick"):
        make_feed().set_price("005930", 70_050)


def test_set_price_outside_band_raises() -> None:
    with pytest.raises(ValueError, match="band"):
        make_feed().set_price("005930", 91_100)


def test_set_price_updates_ohlc_and_volume_and_notifies() -> None:
    feed = make_feed()
    seen: list[Trade] = []
    feed.trade_listeners.append(seen.append)
    feed.set_price("005930", 71_000, qty=5)
    feed.set_price("005930", 69_500, qty=2)
    state = feed["005930"]
    assert (state.open, state.high, state.low, state.last) == (
        D(71_000),
        D(71_000),
        D(69_500),
        D(69_500),
    )
    assert state.volume == 7
    assert [t.qty for t in seen] == [5, 2]


def test_script_step_plays_prices_in_order() -> None:
    feed = make_feed()
    feed.script("005930", [70_100, 70_200])
    assert [t.price for t in feed.step()] == [D(70_100)]
    assert [t.price for t in feed.step()] == [D(70_200)]
    assert feed.step() == []


def test_walk_same_seed_same_path_on_grid_within_band() -> None:
    paths = []
    for _ in range(2):
        feed = make_feed(seed=7)
        feed.walk(["005930", "035720"])
        path = [t.price for _ in range(200) for t in feed.step()]
        paths.append(path)
    assert paths[0] == paths[1]
    assert len(paths[0]) == 400
    assert all(is_on_tick(p) for p in paths[0])


def test_halt_and_vi_publish_status_changes() -> None:
    feed = make_feed()
    seen: list[StatusChange] = []
    feed.status_listeners.append(seen.append)
    feed.halt("005930")
    assert feed["005930"].halted
    feed.resume("005930")
    feed.trigger_vi("005930", "1")
    assert feed["005930"].vi == "1"
    assert [s.symbol for s in seen] == ["005930"] * 3


def test_add_symbol_off_tick_base_raises() -> None:
    with pytest.raises(ValueError, match="tick"):
        make_feed().add_symbol("123456", "X", D(70_050))


def test_walk_burst_trades_a_symbol_several_times_per_step() -> None:
    feed = make_feed(seed=3)
    feed.walk(["005930"])
    counts = [len(feed.step(burst=4)) for _ in range(100)]
    assert set(counts) == {1, 2, 3, 4}
    assert feed["005930"].buy_count + feed["005930"].sell_count == sum(counts)
