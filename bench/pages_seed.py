"""Seeding for `bench/pages.py`: a realistic trading history written straight into the app's
database (two users, several strategies, broker accounts and symbols, every status, fills for
every filled and partly filled order, failed orders for refused ones, a year of trading days).

The history is settled (filled, canceled, rejected, refused) but for `QUIET_OPEN` resting
SENT/PARTIAL orders and `PENDING_RETRY` failed orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from tests.integration.web.server import ServerThread

from hantu.adapters.db import tables as t
from hantu.adapters.db.engine import Database
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import NewBrokerAccount
from hantu.service_layer.orders import order_id_for

SEOUL = ZoneInfo("Asia/Seoul")
PASSWORD = "bench-password-1"
SYMBOLS = ["005930", "000660", "035420", "051910", "005380", "035720", "068270", "105560"]
SYMBOLS += ["055550", "012330", "028260", "066570"]
STATUSES = [  # (status, share of orders): a settled history; QUIET_OPEN recent ones stay live
    ("FILLED", 0.62),
    ("CANCELED", 0.20),
    ("ERROR", 0.10),
    ("REJECTED", 0.08),
]
QUIET_OPEN = 40  # the newest orders, alternately SENT and PARTIAL (resting at the broker)
PENDING_RETRY = 10  # of the refused orders, this many still wait for a retry; the rest are done


@dataclass
class Seeded:
    trader_accounts: list[int]
    other_accounts: list[int]


async def _people(server: ServerThread) -> Seeded:
    assert server.runtime is not None
    deps = server.runtime.state.accounts
    found: dict[str, list[int]] = {}
    for name, strategies, brokers in (("trader", 4, 2), ("other", 1, 1)):
        user = await accounts_service.create_user(deps, name, PASSWORD)
        made = []
        for b in range(brokers):
            form = NewBrokerAccount(
                f"계좌{b + 1}", "SIMULATOR", "k" * 36, "s" * 180, f"5012345{b}-01", "hts"
            )
            # Made-up keys no broker knows: the history pages never ask a broker.
            account = await accounts_service.add_broker_account(
                deps, user.id, form, check_keys=False
            )
            made.append(account)
        links = []
        for s in range(strategies):
            strategy, _ = await accounts_service.create_strategy(deps, user.id, f"전략{s + 1}")
            for account in made:
                link = await accounts_service.link_account(deps, user.id, strategy.id, account.id)
                links.append(int(link.id))
        found[name] = links
    return Seeded(found["trader"], found["other"])


def _trading_days(count: int, last: date) -> list[date]:
    days: list[date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days


def _plan(
    orders: int, fills: int, seeded: Seeded, rng: random.Random
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], bool]]:
    """Yield (order row, its fill rows, refused?) for the whole history."""
    days = _trading_days(250, datetime.now(SEOUL).date())
    statuses = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES], k=orders)
    for k in range(min(QUIET_OPEN, orders)):
        statuses[orders - 1 - k] = "SENT" if k % 2 else "PARTIAL"
    filling = [i for i, s in enumerate(statuses) if s in ("FILLED", "PARTIAL")]
    pieces = dict.fromkeys(filling, 1)
    for i in rng.choices(filling, k=max(0, fills - len(filling))):
        pieces[i] += 1
    for i, status in enumerate(statuses):
        account = rng.choice(seeded.other_accounts if i % 5 == 0 else seeded.trader_accounts)
        day = days[i * len(days) // orders]
        opened = datetime(day.year, day.month, day.day, 9, 0, tzinfo=SEOUL)
        created = (
            opened
            + timedelta(seconds=rng.randrange(6 * 3600 + 1800), microseconds=rng.randrange(10**6))
        ).astimezone(UTC)
        n = pieces.get(i, 0)
        quantity = max(n, rng.randrange(1, 300))
        price = 1000 * rng.randrange(20, 400)
        market = rng.random() < 0.2
        key = f"bench:{i}"
        broker_id = None if status in ("NEW", "REJECTED", "ERROR") else f"{i:010d}"
        filled = quantity if status == "FILLED" else (n if status == "PARTIAL" else 0)
        order = {
            "id": order_id_for(key),
            "idempotency_key": key,
            "strategy_account_id": account,
            "symbol": rng.choice(SYMBOLS),
            "side": rng.choice(("BUY", "SELL")),
            "order_type": "MARKET" if market else "LIMIT",
            "quantity": quantity,
            "price": None if market else price,
            "status": status,
            "broker_order_id": broker_id,
            "filled_quantity": filled,
            "average_fill_price": price if filled else None,
            "reason": "주문가능금액을 초과 했습니다" if status in ("ERROR", "REJECTED") else None,
            "source": "webhook",
            "version": 1,
            "created_at": created,
            "updated_at": created,
        }
        yield order, _fills(order, n, filled, rng), status == "ERROR"


def _fills(order: dict[str, Any], n: int, filled: int, rng: random.Random) -> list[dict[str, Any]]:
    if not n:
        return []
    sizes = [filled // n] * n
    sizes[-1] += filled - sum(sizes)
    at = order["created_at"]
    rows = []
    for k, size in enumerate(sizes):
        at += timedelta(seconds=rng.randrange(1, 120))
        rows.append(
            {
                "fill_id": f"{order['broker_order_id']}-{k}",
                "order_id": order["id"],
                "broker_order_id": order["broker_order_id"],
                "broker_account": f"broker_account:{order['strategy_account_id']}",
                "strategy_account_id": order["strategy_account_id"],
                "symbol": order["symbol"],
                "side": order["side"],
                "quantity": size,
                "price": order["average_fill_price"],
                "filled_at": at,
                "recorded_at": at,
            }
        )
    return rows


def _failed(order: dict[str, Any], pending: bool, rng: random.Random) -> dict[str, Any]:
    """A refused order's failed row: most were retried (resolved) or removed long ago."""
    done = "resolved" if rng.random() < 0.6 else "removed"
    return {
        "strategy_account_id": order["strategy_account_id"],
        "symbol": order["symbol"],
        "side": order["side"],
        "order_type": order["order_type"],
        "quantity": order["quantity"],
        "price": order["price"],
        "reason": order["reason"],
        "broker_error": "APBK0919 주문가능금액을 초과 했습니다",
        "order_params": {"idempotency_key": order["idempotency_key"]},
        "status": "pending_retry" if pending else done,
        "retry_count": 0 if pending or done == "removed" else 1,
        "order_id": order["id"],
        "created_at": order["created_at"],
        "updated_at": order["created_at"],
    }


def _decimals(row: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(v) if isinstance(v, int) and k in _MONEY else v for k, v in row.items()}


_MONEY = {"quantity", "price", "filled_quantity", "average_fill_price"}


def seed(server: ServerThread, orders: int, fills: int) -> tuple[int, int]:
    """Write the history through the app's own database, in chunks; return the counts."""
    seeded = server.run(lambda: _people(server))
    rng = random.Random(20261202)
    assert server.runtime is not None
    db = server.runtime.app.db
    chunk: list[tuple[dict[str, Any], list[dict[str, Any]], bool]] = []
    counts = [0, 0]
    refusals = [0]

    async def write(rows: list[tuple[dict[str, Any], list[dict[str, Any]], bool]]) -> None:
        async with db.begin() as connection:
            await connection.execute(insert(t.orders), [_decimals(o) for o, _, _ in rows])
            fill_rows = [_decimals(f) for _, fs, _ in rows for f in fs]
            if fill_rows:
                await connection.execute(insert(t.fills), fill_rows)
            failed = []
            for o, _, refused in rows:
                if refused:
                    failed.append(_decimals(_failed(o, refusals[0] < PENDING_RETRY, rng)))
                    refusals[0] += 1
            if failed:
                await connection.execute(insert(t.failed_orders), failed)

    for planned in _plan(orders, fills, seeded, rng):
        chunk.append(planned)
        counts[0] += 1
        counts[1] += len(planned[1])
        if len(chunk) == 5000:
            server.run(lambda rows=chunk: write(rows))  # type: ignore[misc]
            chunk = []
    if chunk:
        server.run(lambda: write(chunk))
    if not db.is_sqlite:
        server.run(lambda: _analyze(db))
    return counts[0], counts[1]


async def _analyze(db: Database) -> None:
    """Planner statistics, as autovacuum would gather them soon after such a bulk load (the
    bench must not time plans made for empty tables)."""
    async with db.begin() as connection:
        await connection.execute(text("ANALYZE"))
