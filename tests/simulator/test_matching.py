"""The matching engine on its own: no sockets, a FakeClock, a scripted feed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hantu.domain.enums import Side
from hantu.simulator.accounts import Account, Holding, make_account
from hantu.simulator.feed import PriceFeed
from hantu.simulator.matching import LIMIT, MARKET, MatchingEngine, Notice, OrderRejected
from tests.fakes import FakeClock

D = Decimal


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def feed(clock: FakeClock) -> PriceFeed:
    return PriceFeed(clock, {"005930": ("삼성전자", D(70_000)), "000660": ("SK", D(180_000))})


@pytest.fixture
def account() -> Account:
    return make_account(
        "12345678-01",
        cash=D(10_000_000),
        holdings={"005930": Holding(qty=50, avg_price=D(60_000))},
    )


@pytest.fixture
def notices() -> list[Notice]:
    return []


@pytest.fixture
def engine(
    feed: PriceFeed, clock: FakeClock, account: Account, notices: list[Notice]
) -> MatchingEngine:
    engine = MatchingEngine(feed, clock, [account])
    engine.notice_listeners.append(notices.append)
    return engine


def test_limit_buy_below_price_rests_and_reserves_cash(
    engine: MatchingEngine, account: Account
) -> None:
    order = engine.place(account, "005930", Side.BUY, LIMIT, 10, D(69_000))
    assert order.filled_qty == 0
    assert order.is_open
    assert account.reserved_cash == D(690_000)
    assert account.available_cash == D(10_000_000 - 690_000)


def test_resting_buy_price_reached_fills_at_limit(
    engine: MatchingEngine, feed: PriceFeed, account: Account, notices: list[Notice]
) -> None:
    order = engine.place(account, "005930", Side.BUY, LIMIT, 10, D(69_000))
    feed.set_price("005930", 68_900)
    assert order.filled_qty == 10
    assert order.avg_price == D(69_000)
    assert account.cash == D(10_000_000 - 690_000)
    assert account.reserved_cash == 0
    assert account.holdings["005930"].qty == 60
    assert [(n.is_fill, n.qty) for n in notices] == [(False, 10), (True, 10)]


def test_marketable_limit_buy_fills_at_last_price(engine: MatchingEngine, account: Account) -> None:
    order = engine.place(account, "005930", Side.BUY, LIMIT, 5, D(71_000))
    assert order.filled_qty == 5
    assert order.avg_price == D(70_000)
    assert account.cash == D(10_000_000 - 350_000)
    assert account.reserved_cash == 0


def test_market_buy_reserves_upper_limit_then_settles_at_fill(
    engine: MatchingEngine, feed: PriceFeed, account: Account
) -> None:
    feed.set_liquidity("005930", 0)
    order = engine.place(account, "005930", Side.BUY, MARKET, 2, D(0))
    assert account.reserved_cash == feed["005930"].upper * 2
    feed.set_liquidity("005930", None)
    feed.set_price("005930", 70_100)
    assert order.filled_qty == 2
    assert account.reserved_cash == 0
    assert account.cash == D(10_000_000 - 140_200)


def test_liquidity_per_step_splits_fill_into_partials(
    engine: MatchingEngine, feed: PriceFeed, account: Account, notices: list[Notice]
) -> None:
    feed.set_liquidity("005930", 3)
    order = engine.place(account, "005930", Side.SELL, LIMIT, 10, D(70_000))
    assert order.filled_qty == 3
    feed.script("005930", [70_000, 70_100, 70_000])
    feed.step()
    feed.step()
    assert order.filled_qty == 9
    feed.step()
    assert order.filled_qty == 10
    assert [n.qty for n in notices if n.is_fill] == [3, 3, 3, 1]
    assert account.holdings["005930"].qty == 40
    assert account.holdings["005930"].reserved == 0


def test_cancel_open_order_releases_reservation_under_new_odno(
    engine: MatchingEngine, account: Account
) -> None:
    order = engine.place(account, "005930", Side.BUY, LIMIT, 10, D(69_000))
    cancel = engine.cancel(account, order.odno, None)
    assert cancel.odno != order.odno
    assert cancel.orgn_odno == order.odno
    assert cancel.qty == 10
    assert not order.is_open
    assert account.reserved_cash == 0


def test_partial_cancel_leaves_rest_open(engine: MatchingEngine, account: Account) -> None:
    order = engine.place(account, "005930", Side.SELL, LIMIT, 10, D(71_000))
    engine.cancel(account, order.odno, 4)
    assert order.remaining == 6
    assert account.holdings["005930"].reserved == 6


def test_modify_moves_remaining_to_new_price_and_fills(
    engine: MatchingEngine, account: Account
) -> None:
    order = engine.place(account, "005930", Side.BUY, LIMIT, 10, D(69_000))
    modified = engine.modify(account, order.odno, LIMIT, None, D(70_000))
    assert modified.orgn_odno == order.odno
    assert modified.action == "modify"
    assert order.remaining == 0
    assert modified.filled_qty == 10
    assert account.reserved_cash == 0
    assert account.cash == D(10_000_000 - 700_000)


def test_cancel_filled_order_rejected(engine: MatchingEngine, account: Account) -> None:
    order = engine.place(account, "005930", Side.BUY, LIMIT, 1, D(70_000))
    with pytest.raises(OrderRejected) as caught:
        engine.cancel(account, order.odno, None)
    assert caught.value.msg_cd == "APBK0344"


@pytest.mark.parametrize(
    ("side", "qty", "price", "code", "words"),
    [
        (Side.BUY, 1000, 70_000, "APBK0919", "주문가능금액"),
        (Side.SELL, 51, 70_000, "APBK0918", "주문가능수량"),
        (Side.BUY, 1, 70_050, "APBK0507", "호가단위"),
        (Side.BUY, 1, 91_100, "APBK0508", "상하한가"),
        (Side.BUY, 1, 48_900, "APBK0508", "상하한가"),
        (Side.BUY, 0, 70_000, "APBK0511", "주문수량"),
    ],
)
def test_place_invalid_order_rejected_with_kis_code(
    engine: MatchingEngine,
    account: Account,
    side: Side,
    qty: int,
    price: int,
    code: str,
    words: str,
) -> None:
    with pytest.raises(OrderRejected) as caught:
        engine.place(account, "005930", side, LIMIT, qty, D(price))
    assert caught.value.msg_cd == code
    assert words in caught.value.msg1
    assert account.reserved_cash == 0


def test_place_unknown_symbol_rejected(engine: MatchingEngine, account: Account) -> None:
    with pytest.raises(OrderRejected) as caught:
        engine.place(account, "999999", Side.BUY, LIMIT, 1, D(1_000))
    assert caught.value.msg_cd == "APBK0656"


def test_place_market_hours_at_night_rejected(
    feed: PriceFeed, clock: FakeClock, account: Account
) -> None:
    engine = MatchingEngine(feed, clock, [account], market_hours=True)
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # 21:00 KST
    with pytest.raises(OrderRejected) as caught:
        engine.place(account, "005930", Side.BUY, LIMIT, 1, D(70_000))
    assert caught.value.msg1.startswith("장운영시간")


def test_place_market_hours_in_session_accepted(
    feed: PriceFeed, clock: FakeClock, account: Account
) -> None:
    engine = MatchingEngine(feed, clock, [account], market_hours=True)
    order = engine.place(account, "005930", Side.BUY, LIMIT, 1, D(69_000))  # 09:30 KST Friday
    assert order.is_open


def test_halt_pauses_matching_until_resume(
    engine: MatchingEngine, feed: PriceFeed, account: Account
) -> None:
    feed.halt("005930")
    order = engine.place(account, "005930", Side.BUY, LIMIT, 1, D(70_000))
    assert order.filled_qty == 0
    feed.resume("005930")
    feed.set_price("005930", 70_000)
    assert order.filled_qty == 1


def test_vi_pauses_matching(engine: MatchingEngine, feed: PriceFeed, account: Account) -> None:
    order = engine.place(account, "005930", Side.BUY, LIMIT, 1, D(69_000))
    feed.trigger_vi("005930")
    feed.set_price("005930", 69_000)
    assert order.filled_qty == 0


def test_time_priority_gives_liquidity_to_older_order(
    engine: MatchingEngine, feed: PriceFeed, account: Account
) -> None:
    first = engine.place(account, "005930", Side.BUY, LIMIT, 5, D(69_000))
    second = engine.place(account, "005930", Side.BUY, LIMIT, 5, D(69_000))
    feed.set_liquidity("005930", 6)
    feed.set_price("005930", 69_000)
    assert (first.filled_qty, second.filled_qty) == (5, 1)


def test_sell_fill_credits_cash_and_keeps_avg_price(
    engine: MatchingEngine, account: Account
) -> None:
    engine.place(account, "005930", Side.SELL, MARKET, 10, D(0))
    assert account.cash == D(10_000_000 + 700_000)
    holding = account.holdings["005930"]
    assert (holding.qty, holding.avg_price) == (40, D(60_000))


def test_buy_updates_weighted_average_price(engine: MatchingEngine, account: Account) -> None:
    engine.place(account, "005930", Side.BUY, MARKET, 50, D(0))
    assert account.holdings["005930"].avg_price == D(65_000)


def test_exchange_reject_accepts_then_refuses_by_notice(
    engine: MatchingEngine, account: Account, notices: list[Notice]
) -> None:
    engine.exchange_rejects = 1
    order = engine.place(account, "005930", Side.BUY, LIMIT, 10, D(71_000))
    assert order.rejected_qty == 10
    assert order.filled_qty == 0
    assert not order.is_open
    assert account.reserved_cash == 0
    assert [(n.rejected, n.is_fill) for n in notices] == [(True, False)]
    assert engine.place(account, "005930", Side.BUY, LIMIT, 1, D(71_000)).filled_qty == 1
