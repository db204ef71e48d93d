"""PnL figures on hand-computed examples (the rules are in `hantu.domain.pnl`)."""

from __future__ import annotations

from decimal import Decimal

from hantu.domain.enums import Side
from hantu.domain.pnl import MarkBook, PnlFill, closed_trades, summarize, summarize_by
from hantu.domain.pnl_stats import max_drawdown, trade_stats
from hantu.domain.position import Position
from hantu.domain.values import StrategyAccountId, Symbol
from tests.unit.domain.pnl_fills import MONDAY, a_pnl_fill

BUY, SELL = Side.BUY, Side.SELL
SAMSUNG, HYNIX = Symbol("005930"), Symbol("000660")
FRIDAY = MONDAY.replace(day=20)
NANO = Decimal("1e-9")  # the average price is a rounded division: compare below a won


def q(amount: Decimal) -> Decimal:
    return amount.quantize(NANO)


def _week() -> list[PnlFill]:
    return [
        a_pnl_fill(BUY, 10, 70_000, day=0),
        a_pnl_fill(BUY, 20, 71_000, day=0, minute=1),  # average 70,666.67
        a_pnl_fill(SELL, 15, 72_000, day=1),  # +20,000
        a_pnl_fill(SELL, 15, 69_000, day=2),  # -25,000: the round trip closes at -5,000
        a_pnl_fill(BUY, 5, 70_000, day=3),
        a_pnl_fill(SELL, 5, 71_000, day=3, minute=5),  # +5,000: a winning round trip
        a_pnl_fill(BUY, 10, 50_000, day=3, symbol="000660", strategy=2, account=2),
    ]


def test_summarize_week_matches_hand_computation() -> None:
    fills = _week()
    marks = MarkBook(fills, {HYNIX: Decimal(52_000)}, FRIDAY)

    summary = summarize(fills, marks)

    assert q(summary.realized) == 0
    assert q(summary.unrealized) == 20_000
    assert [(p.day.day, round(p.pnl), round(p.equity)) for p in summary.days] == [
        (16, 10_000, 10_000),  # 30 held at 70,666.67, marked at the day's last fill 71,000
        (17, 30_000, 40_000),
        (18, -45_000, -5_000),
        (19, 5_000, 0),
        (20, 20_000, 20_000),  # the current mark of 000660
    ]
    assert [q(p.realized) for p in summary.days] == [0, 20_000, -25_000, 5_000, 0]
    assert q(summary.max_drawdown) == 45_000
    assert [t.pnl for t in closed_trades(fills)] == [-5_000, 5_000]  # exact: the trips' cash
    assert summary.stats.trades == 2
    assert summary.stats.win_rate == Decimal("0.5")
    assert summary.stats.average_win == 5_000
    assert summary.stats.average_loss == -5_000
    assert summary.stats.profit_factor == 1
    assert summary.open_symbols == {HYNIX}


def test_summarize_realized_matches_position_realized_pnl() -> None:
    fills = [f for f in _week() if f.symbol == SAMSUNG]
    position = Position(StrategyAccountId(1), SAMSUNG)
    for fill in fills:
        position.apply_fill(fill.side, fill.quantity, fill.price)

    summary = summarize(fills, MarkBook(fills, {}, FRIDAY))

    assert q(summary.realized) == q(position.realized_pnl) == 0


def test_summarize_by_strategy_and_account_split_the_week() -> None:
    fills = _week()
    marks = MarkBook(fills, {HYNIX: Decimal(52_000)}, FRIDAY)

    by_strategy = summarize_by(fills, marks, lambda f: f.strategy)

    assert q(by_strategy[1].realized) == 0
    assert by_strategy[1].unrealized == 0
    assert by_strategy[2].unrealized == 20_000
    assert [p.day.day for p in by_strategy[2].days] == [19, 20]  # from its first fill on
    assert by_strategy[2].stats.trades == 0


def test_summarize_date_range_keeps_inside_days_and_drawdown_from_baseline() -> None:
    fills = _week()
    marks = MarkBook(fills, {HYNIX: Decimal(52_000)}, FRIDAY)

    summary = summarize(fills, marks, start=MONDAY.replace(day=18), end=MONDAY.replace(day=19))

    assert [p.day.day for p in summary.days] == [18, 19]
    assert q(summary.realized) == -20_000  # -25,000 on Wednesday, +5,000 on Thursday
    assert summary.unrealized == 0  # Thursday: 000660 at its own fill price
    assert q(summary.max_drawdown) == 45_000  # from Tuesday's 40,000 just before the range
    assert [t.pnl for t in closed_trades(fills, start=MONDAY.replace(day=18))] == [-5_000, 5_000]
    assert summary.stats.trades == 2


def test_summarize_fees_are_realized_costs_on_their_day() -> None:
    fills = [
        a_pnl_fill(BUY, 10, 10_000, day=0, fee=150),
        a_pnl_fill(SELL, 10, 11_000, day=1, fee=180),
    ]

    summary = summarize(fills, MarkBook(fills, {}, FRIDAY))

    assert [p.realized for p in summary.days[:2]] == [-150, 10_000 - 180]
    assert summary.realized == 10_000 - 330
    assert summary.fees == 330
    assert [t.pnl for t in closed_trades(fills)] == [10_000 - 330]
    assert summary.stats.gross_profit == 10_000 - 330


def test_summarize_sell_beyond_fills_realizes_the_held_part_and_flags_the_rest() -> None:
    fills = [a_pnl_fill(BUY, 3, 10_000), a_pnl_fill(SELL, 5, 12_000, minute=1)]

    summary = summarize(fills, MarkBook(fills, {}, FRIDAY))

    assert summary.realized == 6_000
    assert summary.unmatched_quantity == 2
    assert summary.stats.trades == 1


def test_summarize_without_fills_is_empty_with_undefined_ratios() -> None:
    summary = summarize([], MarkBook([], {}, FRIDAY))

    assert summary.days == ()
    assert summary.total == 0
    assert summary.stats.win_rate is None
    assert summary.stats.profit_factor is None
    assert summary.max_drawdown == 0


def test_summarize_open_position_without_current_mark_uses_last_fill_price() -> None:
    fills = [a_pnl_fill(BUY, 2, 10_000), a_pnl_fill(BUY, 2, 12_000, day=1)]
    marks = MarkBook(fills, {}, FRIDAY)

    summary = summarize(fills, marks)

    assert summary.unrealized == 4_000  # 4 held at 11,000, marked at 12,000
    assert not marks.has_current(SAMSUNG)


def test_trade_stats_without_losses_has_no_profit_factor() -> None:
    stats = trade_stats([Decimal(1_000), Decimal(0), Decimal(3_000)])

    assert stats.trades == 3
    assert stats.win_rate == Decimal(2) / 3
    assert stats.average_win == 2_000
    assert stats.average_loss is None
    assert stats.profit_factor is None


def test_trade_stats_only_losses_has_zero_profit_factor() -> None:
    stats = trade_stats([Decimal(-1_000), Decimal(-3_000)])

    assert stats.win_rate == 0
    assert stats.profit_factor == 0
    assert stats.average_loss == -2_000


def test_max_drawdown_counts_a_fall_from_the_start() -> None:
    assert max_drawdown([Decimal(-5), Decimal(10), Decimal(2)]) == 8
    assert max_drawdown([Decimal(-5), Decimal(-9)]) == 9
    assert max_drawdown([]) == 0
