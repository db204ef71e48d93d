"""The `positions` section of `bench/pages.py`: `/positions` and `/api/balance` with realistic
holdings (issue 10: p95 ≤ 200 ms, quotes from the simulator).

The demo account holds 20 symbols at the embedded KIS simulator and hantu holds 20 positions:
15 agree with the broker, 3 differ in quantity, 2 the broker holds alone and 2 hantu holds
alone (those need an inquire-price each). Requests go over HTTP to the running server,
signed in as the demo user. Three runs, one after the other:

  - warm: one page every `INTERVAL` (live updates re-fetch the page like this); broker reads
    are kept a few seconds (`QuoteBoard`), so most loads ask the broker nothing;
  - cold: the board is emptied before every load, so each asks KIS for the balance, the
    buying power and two quotes (paced at 4 loads/s to stay under KIS's 20 requests/s);
  - /api/balance warm, as the page.

    PYTHONPATH=src:. .venv/bin/python bench/pages_positions.py [pages.py options]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hantu.domain.position import Position
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.entrypoints.web.runtime import Runtime
from hantu.simulator.accounts import Holding

if TYPE_CHECKING:
    from bench.pages import Bench, Samples

EXTRA = 17  # the demo holds 3 symbols already: 20 in all
AGREE, DIFFER = 15, 3  # of the broker's 20; hantu also holds 2 the broker does not
INTERVAL = 0.05  # seconds between warm loads
DEMO_STRATEGY_ACCOUNT = 1  # the demo's, made at the first start before anything else


def _symbols() -> list[tuple[str, Decimal]]:
    return [(f"9{n:05d}", Decimal(10_000 + 500 * n)) for n in range(1, EXTRA + 3)]


async def _stage(runtime: Runtime) -> None:
    """Give the simulator's demo account 20 holdings and hantu its 20 positions."""
    simulator = runtime.simulator
    assert simulator is not None, "run on the embedded defaults (HANTU_KIS_ENVIRONMENT unset)"
    account = simulator.accounts[0]
    listed = _symbols()
    for code, base in listed:
        simulator.feed.add_symbol(code, f"벤치{code[-2:]}", base)
    for code, base in listed[:EXTRA]:
        account.holdings[code] = Holding(qty=50, avg_price=base)
    broker = [(c, Decimal(h.qty), h.avg_price) for c, h in sorted(account.holdings.items())]
    ours = [(c, q, a) for c, q, a in broker[:AGREE]]
    ours += [(c, q + 7, a) for c, q, a in broker[AGREE : AGREE + DIFFER]]
    ours += [(code, Decimal(10), base) for code, base in listed[EXTRA:]]
    async with runtime.app.uow() as uow:
        for code, quantity, average in ours:
            strategy_account = StrategyAccountId(DEMO_STRATEGY_ACCOUNT)
            position = Position(strategy_account, Symbol(code), Quantity(quantity))
            position.average_price = Price(average)
            await uow.positions.add(position)
        await uow.commit()


def _paced(
    client: httpx.Client,
    path: str,
    count: int,
    interval: float,
    before: Callable[[], None] | None = None,
) -> list[float]:
    took: list[float] = []
    for _ in range(count):
        if before is not None:
            before()
        started = time.perf_counter()
        response = client.get(path)
        took.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
        time.sleep(max(0.0, interval - took[-1] / 1000))
    return took


def positions_section(bench: Bench) -> Samples:
    from bench.pages import DEMO

    server = bench.server
    runtime = server.runtime
    assert runtime is not None
    server.run(lambda: _stage(runtime))
    client = bench.sign_in(*DEMO)
    check = client.get("/api/balance").json()["accounts"][0]
    print(
        f"  (positions: broker holdings {len(check['holdings'])}, differences "
        f"{len(check['differences'])}, broker {check['broker_status']})"
    )
    _paced(client, "/positions", 10, INTERVAL)  # warm up templates and pools

    def forget() -> None:
        async def empty() -> None:
            runtime.state.quotes.forget()

        server.run(empty)

    warm = _paced(client, "/positions", bench.requests, INTERVAL)
    cold = _paced(client, "/positions", max(20, bench.requests // 4), 0.25, forget)
    balance = _paced(client, "/api/balance", bench.requests, INTERVAL)
    client.close()
    return [
        ("/positions warm (20 holdings)", warm),
        ("/positions cold (asks KIS each load)", cold),
        ("/api/balance warm", balance),
    ]


if __name__ == "__main__":
    from bench.pages import main

    main(["--sections", "positions", *sys.argv[1:]])
