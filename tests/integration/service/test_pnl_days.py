"""The PnL report from stored days plus live fills equals the report from replaying every
fill (Decimal exact), on both databases: random fills over several days, the clock moving
day by day, a late fill of a folded day (seen at once) and a fill flagged in place (seen by the
next day's fold)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update

from hantu.adapters.db import tables as t
from hantu.adapters.db.tables_pnl import pnl_days
from hantu.bootstrap import App
from hantu.domain.accounts import BrokerAccountId, StrategyAccountView, StrategyId
from hantu.domain.enums import Side
from hantu.domain.pnl import SEOUL, MarkBook, PnlFill, summarize, summarize_by
from hantu.domain.values import Price, StrategyAccountId, Symbol
from hantu.service_layer.pnl_report import PnlQuery, PnlReport, pnl_report
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.conftest import MakeApp

FIRST = date(2026, 11, 2)  # a Monday
SYMBOLS = ("005930", "000660", "035420")
# (view id, strategy, broker account): two strategies on two broker accounts
ACCOUNTS = ((11, 1, 7), (12, 1, 8), (13, 2, 7), (14, 2, 8))
VIEWS = [
    StrategyAccountView(
        StrategyAccountId(i), StrategyId(s), f"s{s}", BrokerAccountId(a), f"a{a}", f"**{a}"
    )
    for i, s, a in ACCOUNTS
]


def _random_fills(rng: random.Random, days: int, count: int) -> list[dict[str, Any]]:
    held: dict[tuple[int, str], int] = {}
    rows = []
    for n in range(count):
        view, _, account = rng.choice(ACCOUNTS)
        symbol = rng.choice(SYMBOLS)
        have = held.get((view, symbol), 0)
        side = Side.SELL if have and rng.random() < 0.45 else Side.BUY
        qty = rng.randint(1, have) if side is Side.SELL else rng.randint(1, 40)
        if side is Side.SELL and rng.random() < 0.5:
            qty = have  # close the round trip now and then
        held[(view, symbol)] = have + (qty if side is Side.BUY else -qty)
        day = FIRST + timedelta(days=n * days // count)
        local = datetime.combine(day, time(9, 0), tzinfo=SEOUL) + timedelta(minutes=n % 300)
        rows.append(
            _row(f"f{n}", account, view, symbol, side, qty, rng.randint(900, 1100) * 50, local)
        )
    return rows


def _row(
    fill_id: str,
    account: int,
    view: int,
    symbol: str,
    side: Side,
    qty: int,
    price: int,
    at: datetime,
) -> dict[str, Any]:
    return {
        "fill_id": fill_id,
        "broker_order_id": f"b{fill_id}",
        "broker_account": f"acct{account}",
        "strategy_account_id": view,
        "symbol": symbol,
        "side": side.value,
        "quantity": Decimal(qty),
        "price": Decimal(price),
        "filled_at": at.astimezone(UTC),
        "recorded_at": at.astimezone(UTC),
    }


async def _replayed(app: App, report: PnlReport) -> dict[str, Any]:
    """The report the old way: every applied fill up to the as-of day through the domain."""
    async with app.db.connect() as conn:
        rows = (await conn.execute(select(t.fills).where(t.fills.c.problem.is_(None)))).mappings()
        records = list(rows)
    by_view = {int(v.id): v for v in VIEWS}
    fills = [
        PnlFill(
            int(by_view[r["strategy_account_id"]].strategy_id),
            int(by_view[r["strategy_account_id"]].broker_account_id),
            Symbol(r["symbol"]),
            Side(r["side"]),
            Decimal(r["quantity"]),
            Decimal(r["price"]),
            r["filled_at"],
            fill_id=f"{r['broker_account']}:{r['fill_id']}",
        )
        for r in records
    ]
    end = report.as_of
    fills = [f for f in fills if f.day <= end]
    current = {m.symbol: m.price for m in report.marks if not m.estimated and m.price is not None}
    marks = MarkBook(fills, current, end)  # every fill of the user: shared marks and days
    q = report.query
    fills = [
        f
        for f in fills
        if q.strategy_id in (None, f.strategy) and q.broker_account_id in (None, f.account)
    ]
    return {
        "total": summarize(fills, marks, start=q.start, end=end),
        "strategies": summarize_by(fills, marks, lambda f: f.strategy, start=q.start, end=end),
        "accounts": summarize_by(fills, marks, lambda f: f.account, start=q.start, end=end),
    }


async def _check(app: App, query: PnlQuery | None = None) -> PnlReport:
    query = query or PnlQuery()
    report = await pnl_report(app.deps, VIEWS, query)
    again = await _replayed(app, report)
    assert report.total == again["total"]
    assert {g.id: g.summary for g in report.strategies} == again["strategies"]
    assert {g.id: g.summary for g in report.accounts} == again["accounts"]
    return report


async def test_pnl_stored_days_plus_live_fills_equal_the_full_replay(
    make_app: MakeApp, clock: FakeClock, broker: InProcessBroker
) -> None:
    app = await make_app()
    rng = random.Random(20261102)
    rows = _random_fills(rng, days=8, count=160)
    async with app.db.begin() as conn:
        await conn.execute(insert(t.fills), rows)
    for code in SYMBOLS[:2]:  # the third symbol has no quote: its mark is estimated
        broker.prices[Symbol(code)] = Price(51_000)
    for offset in range(1, 11):  # the clock moves day by day past the last fill
        clock.set(datetime.combine(FIRST + timedelta(days=offset), time(15, 0), tzinfo=SEOUL))
        report = await _check(app)
        assert report.has_fills
    async with app.db.connect() as conn:
        stored = (await conn.execute(select(func.count()).select_from(pnl_days))).scalar_one()
    assert stored > 0  # the closed days were folded and stored

    # A late fill of a folded day (broker sync) and a fill flagged afterwards.
    late = datetime.combine(FIRST + timedelta(days=2), time(14, 0), tzinfo=SEOUL)
    async with app.db.begin() as conn:
        await conn.execute(
            insert(t.fills), [_row("late", 7, 11, "005930", Side.BUY, 5, 49_000, late)]
        )
    await _check(app)
    async with app.db.begin() as conn:
        await conn.execute(
            update(t.fills).where(t.fills.c.fill_id == "f3").values(problem="확인 필요")
        )
    clock.advance(86_400)  # flagged in place: the next day's fold recounts and sees it
    await _check(app)
    # Filters and a past range read the stored days only.
    await _check(app, PnlQuery(strategy_id=2, start=FIRST + timedelta(days=3)))
    await _check(app, PnlQuery(broker_account_id=8, end=FIRST + timedelta(days=5)))
    await _check(app, PnlQuery(end=FIRST + timedelta(days=9)))  # a day after the last fill


async def test_pnl_today_fills_are_live_and_fold_the_next_day(
    make_app: MakeApp, clock: FakeClock, broker: InProcessBroker
) -> None:
    app = await make_app()
    rows = _random_fills(random.Random(5), days=4, count=60)
    async with app.db.begin() as conn:
        await conn.execute(insert(t.fills), rows)
    broker.prices[Symbol("005930")] = Price(52_000)
    day_three = datetime.combine(FIRST + timedelta(days=3), time(12, 0), tzinfo=SEOUL)
    clock.set(day_three)  # the last day's fills are today's: live, not stored
    report = await _check(app)
    async with app.db.connect() as conn:
        last = (await conn.execute(select(func.max(pnl_days.c.day)))).scalar_one()
    assert last == FIRST + timedelta(days=2)
    assert report.total.days[-1].day == day_three.date()
    clock.set(day_three + timedelta(days=1))
    await _check(app)
    async with app.db.connect() as conn:
        last = (await conn.execute(select(func.max(pnl_days.c.day)))).scalar_one()
    assert last == FIRST + timedelta(days=3)
