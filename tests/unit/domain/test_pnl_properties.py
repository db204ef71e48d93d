"""Property tests: PnL figures hold for any sequence of fills (hypothesis)."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.enums import Side
from hantu.domain.pnl import (
    FoldState,
    MarkBook,
    PnlFill,
    closed_trades,
    fold,
    held_symbols,
    summarize,
    summarize_by,
    summarize_days,
)
from hantu.domain.pnl_stats import max_drawdown, trade_stats
from hantu.domain.position import Position
from hantu.domain.values import StrategyAccountId, Symbol
from tests.unit.domain.pnl_fills import MONDAY, a_pnl_fill

AS_OF = MONDAY.replace(day=28)
TINY = Decimal("1e-12")  # far below a won: the average price is a 28-digit division
SYMBOLS = ("005930", "000660")

ops = st.lists(
    st.tuples(
        st.integers(1, 2),  # strategy
        st.integers(1, 2),  # account
        st.sampled_from(SYMBOLS),
        st.sampled_from(Side),
        st.integers(1, 300),  # quantity
        st.integers(1, 500_000),  # price
        st.integers(0, 5),  # day
        st.integers(0, 2_000),  # fee
    ),
    max_size=40,
)
marks_now = st.fixed_dictionaries({s: st.integers(1, 500_000) for s in SYMBOLS})


Raw = list[tuple[int, int, str, Side, int, int, int, int]]
Now = dict[str, int]


def _fills(raw: Raw) -> list[PnlFill]:
    """Valid fills (a sell never exceeds the book's holding), one minute apart, by day."""
    held: dict[tuple[int, int, str], int] = defaultdict(int)
    fills = []
    for index, (strategy, account, symbol, side, qty, price, day, fee) in enumerate(
        sorted(raw, key=lambda op: op[6])
    ):
        book = (strategy, account, symbol)
        if side is Side.SELL:
            qty = min(qty, held[book])
            if qty == 0:
                continue
        held[book] += qty if side is Side.BUY else -qty
        fills.append(
            a_pnl_fill(
                side,
                qty,
                price,
                day=day,
                minute=index,
                symbol=symbol,
                strategy=strategy,
                account=account,
                fee=fee,
                fill_id=f"f{index:03d}",
            )
        )
    return fills


def _book(fills: list[PnlFill], now: dict[str, int]) -> MarkBook:
    return MarkBook(fills, {Symbol(s): Decimal(p) for s, p in now.items()}, AS_OF)


@given(ops, marks_now)
def test_pnl_realized_plus_unrealized_is_cash_flow_at_the_mark(raw: Raw, now: Now) -> None:
    fills = _fills(raw)
    summary = summarize(fills, _book(fills, now))

    cash = Decimal(0)
    held: dict[str, Decimal] = defaultdict(Decimal)
    for fill in fills:
        sign = 1 if fill.side is Side.SELL else -1
        cash += sign * fill.quantity * fill.price - fill.fee
        held[fill.symbol.code] -= sign * fill.quantity
    value = sum((q * now[s] for s, q in held.items()), Decimal(0))
    assert abs(summary.total - (cash + value)) < TINY
    if summary.days:
        assert abs(summary.days[-1].equity - summary.total) < TINY
        assert abs(sum(p.pnl for p in summary.days) - summary.total) < TINY


@given(ops, marks_now)
def test_pnl_by_strategy_adds_up_to_the_total(raw: Raw, now: Now) -> None:
    fills = _fills(raw)
    marks = _book(fills, now)
    total = summarize(fills, marks)
    parts = summarize_by(fills, marks, lambda f: f.strategy).values()

    assert abs(sum(p.realized for p in parts) - total.realized) < TINY
    assert abs(sum(p.unrealized for p in parts) - total.unrealized) < TINY
    assert sum(p.fees for p in parts) == total.fees
    assert sum(p.stats.trades for p in parts) == total.stats.trades
    daily: dict[object, Decimal] = defaultdict(Decimal)
    for part in parts:
        for point in part.days:
            daily[point.day] += point.pnl
    for point in total.days:
        assert abs(daily.pop(point.day, Decimal(0)) - point.pnl) < TINY
    assert not daily
    # Drawdowns of parts on the same days can only offset each other, never compound.
    assert total.max_drawdown <= sum(p.max_drawdown for p in parts) + TINY


@given(ops, marks_now, st.randoms(use_true_random=False))
def test_pnl_ignores_the_order_fills_arrive_in(raw: Raw, now: Now, rng: random.Random) -> None:
    fills = _fills(raw)
    shuffled = list(fills)
    rng.shuffle(shuffled)

    assert summarize(shuffled, _book(shuffled, now)) == summarize(fills, _book(fills, now))


@given(ops, marks_now)
def test_pnl_drawdown_is_within_the_curve(raw: Raw, now: Now) -> None:
    fills = _fills(raw)
    summary = summarize(fills, _book(fills, now))
    equity = [Decimal(0), *(p.equity for p in summary.days)]

    assert summary.max_drawdown >= 0
    assert summary.max_drawdown <= max(equity) - min(equity)


@given(ops, marks_now)
def test_pnl_realized_agrees_with_positions(raw: Raw, now: Now) -> None:
    # Fees zeroed, not fee-bearing fills dropped: dropping a buy could leave a later sell unbacked.
    fills = [dataclasses.replace(f, fee=Decimal(0)) for f in _fills(raw)]
    positions: dict[tuple[int, int, Symbol], Position] = {}
    for fill in fills:
        position = positions.setdefault(
            fill.book, Position(StrategyAccountId(fill.strategy), fill.symbol)
        )
        position.apply_fill(fill.side, fill.quantity, fill.price)
    summary = summarize(fills, _book(fills, now))

    stored = sum((p.realized_pnl for p in positions.values()), Decimal(0))
    assert abs(summary.realized - stored) < TINY
    assert summary.unmatched_quantity == 0


@given(ops, marks_now)
def test_pnl_closed_trades_are_exact_cash_flows(raw: Raw, now: Now) -> None:
    fills = _fills(raw)
    summary = summarize(fills, _book(fills, now))

    trades = closed_trades(fills)
    assert summary.stats.trades == len(trades)
    for trade in trades:
        trip = [
            f
            for f in fills
            if (f.strategy, f.account, f.symbol) == (trade.strategy, trade.account, trade.symbol)
            and trade.opened_at <= f.filled_at <= trade.closed_at
        ]
        cash = sum(
            (f.quantity * f.price * (1 if f.side is Side.SELL else -1) - f.fee for f in trip),
            Decimal(0),
        )
        assert trade.pnl == cash


@given(st.lists(st.integers(-1_000_000, 1_000_000).map(Decimal), max_size=30))
def test_trade_stats_edges(pnls: list[Decimal]) -> None:
    stats = trade_stats(pnls)

    assert stats.wins + stats.losses <= stats.trades == len(pnls)
    assert (stats.win_rate is None) == (not pnls)
    if stats.win_rate is not None:
        assert 0 <= stats.win_rate <= 1
    assert (stats.profit_factor is None) == (stats.losses == 0)
    if stats.profit_factor is not None:
        assert stats.profit_factor >= 0
        assert (stats.profit_factor == 0) == (stats.wins == 0)
    assert stats.gross_profit + stats.gross_loss == sum(pnls, Decimal(0))


@given(st.lists(st.integers(-1_000, 1_000).map(Decimal), max_size=30))
def test_max_drawdown_is_between_zero_and_the_range(curve: list[Decimal]) -> None:
    drawdown = max_drawdown(curve)
    points = [Decimal(0), *curve]

    assert 0 <= drawdown <= max(points) - min(points)
    if curve == sorted(curve) and curve[:1] >= [Decimal(0)]:
        assert drawdown == 0  # a curve that never falls has no drawdown


@given(ops, marks_now)
def test_pnl_held_symbols_match_the_replay(raw: Raw, now: Now) -> None:
    fills = _fills(raw)

    assert held_symbols(fills) == summarize(fills, _book(fills, now)).open_symbols


@given(ops, marks_now, st.integers(0, 6))
def test_pnl_fold_splits_anywhere_between_days(raw: Raw, now: Now, cut: int) -> None:
    fills = _fills(raw)
    current = {Symbol(s): Decimal(p) for s, p in now.items()}
    whole, _ = fold(FoldState(), fills, current=current, as_of=AS_OF)
    start = MONDAY.replace(day=MONDAY.day + cut)
    first, state = fold(FoldState(), [f for f in fills if f.day < start])
    rest, _ = fold(state, [f for f in fills if f.day >= start], current=current, as_of=AS_OF)

    assert [*first, *rest] == whole
    days = {r.day for r in whole if r.fills}
    stored = summarize_days([*first, *rest], days, AS_OF)
    assert stored == summarize(fills, _book(fills, now))
