"""Benchmark: the pure PnL domain over a large fill history.

Builds `--fills` valid fills over `--days` Seoul days, `--symbols` symbols, 2 strategies and
2 accounts (a seeded walk), then times the report the `/pnl` page computes: one summary of
everything, one per strategy and one per account, at shared marks. Prints the time of each.

    .venv/bin/python bench/pnl.py [--fills 100000] [--days 250] [--symbols 50]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hantu.domain.enums import Side
from hantu.domain.pnl import MarkBook, PnlFill, summarize, summarize_by
from hantu.domain.values import Symbol


def _fills(count: int, days: int, symbols: int, seed: int = 7) -> list[PnlFill]:
    rng = random.Random(seed)
    codes = [Symbol(f"{100_000 + i * 10:06d}") for i in range(symbols)]
    price = {code: 50_000 for code in codes}
    held: dict[tuple[int, int, Symbol], int] = defaultdict(int)
    start = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)
    fills = []
    for i in range(count):
        code = rng.choice(codes)
        book = (rng.randint(1, 2), rng.randint(1, 2), code)
        price[code] = max(1_000, price[code] + rng.randint(-5, 5) * 100)
        side = Side.SELL if held[book] and rng.random() < 0.45 else Side.BUY
        qty = rng.randint(1, held[book]) if side is Side.SELL else rng.randint(1, 50)
        held[book] += qty if side is Side.BUY else -qty
        when = start + timedelta(days=i * days // count, seconds=i % 20_000)
        fills.append(
            PnlFill(*book[:2], code, side, Decimal(qty), Decimal(price[code]), when, fill_id=str(i))
        )
    return fills


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--symbols", type=int, default=50)
    args = parser.parse_args()
    fills = _fills(args.fills, args.days, args.symbols)
    as_of = max(f.day for f in fills) + timedelta(days=1)
    began = time.perf_counter()
    marks = MarkBook(fills, {}, as_of)
    total = summarize(fills, marks)
    middle = time.perf_counter()
    summarize_by(fills, marks, lambda f: f.strategy)
    summarize_by(fills, marks, lambda f: f.account)
    ended = time.perf_counter()
    print(f"fills={len(fills):,} days={len(total.days)} trades={total.stats.trades:,}")
    print(f"marks + total summary: {(middle - began) * 1000:.0f} ms")
    print(f"per strategy + per account: {(ended - middle) * 1000:.0f} ms")
    print(f"realized={total.realized:,.0f} unrealized={total.unrealized:,.0f} as of {as_of}")


if __name__ == "__main__":
    main()
