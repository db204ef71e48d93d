"""`/positions` and `/api/balance` latency with realistic holdings (issue 10: p95 <= 200 ms).

The product on its embedded defaults (SQLite, the KIS simulator in-process on loopback
reached through the real KisBroker, prices walking), with the demo account holding 20
symbols at the simulator and hantu holding 20 positions: 15 agree with the broker, 3 differ in
quantity, 2 the broker holds alone and 2 hantu holds alone (those need an inquire-price
each). Requests go to the ASGI app in the same process (no HTTP server in between), signed
in as the demo user.

Three runs, one after the other:
  - warm: one page every `--interval` (live updates re-fetch the page like this); broker
    reads are kept a few seconds (`QuoteBoard`), so most loads ask the broker nothing;
  - cold: the board is emptied before every load, so each asks KIS for the balance, the
    buying power and two quotes (paced at 4 loads/s to stay under KIS's 20 requests/s);
  - /api/balance warm, as the page.

Usage: .venv/bin/python bench/pages_positions.py [--requests 200] [--interval 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import httpx

from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.domain.position import Position
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.entrypoints.web.app import create_app
from hantu.entrypoints.web.runtime import Runtime
from hantu.simulator.accounts import Holding

_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
EXTRA = 17  # the demo holds 3 symbols already: 20 in all
AGREE, DIFFER = 15, 3  # of the broker's 20; hantu also holds 2 the broker does not


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
            position = Position(StrategyAccountId(1), Symbol(code), Quantity(quantity))
            position.average_price = Price(average)
            await uow.positions.add(position)
        await uow.commit()


async def _login(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    found = _CSRF.search(page.text)
    assert found is not None
    form = {"username": "demo", "password": "hantu-demo", "csrf_token": found.group(1)}
    assert (await client.post("/login", data=form)).status_code == 303


async def _run(
    client: httpx.AsyncClient,
    path: str,
    requests: int,
    interval: float,
    before: Callable[[], Awaitable[None]] | None = None,
) -> list[float]:
    took: list[float] = []
    for _ in range(requests):
        if before is not None:
            await before()
        started = time.perf_counter()
        response = await client.get(path)
        took.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:300]
        await asyncio.sleep(max(0.0, interval - took[-1] / 1000))
    return took


def _report(name: str, took: list[float]) -> None:
    cuts = statistics.quantiles(took, n=100)
    print(
        f"{name:<28} n={len(took):<4} p50={cuts[49]:7.1f} ms  p95={cuts[94]:7.1f} ms  "
        f"max={max(took):7.1f} ms"
    )


async def main(requests: int, interval: float) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, data_dir=Path(data_dir))  # type: ignore[call-arg]
        app = create_app(settings, hasher=PasswordHashing(time_cost=1, memory_cost=8))
        async with app.router.lifespan_context(app):
            runtime: Runtime = app.state.runtime
            await _stage(runtime)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                await _login(client)
                check = (await client.get("/api/balance")).json()["accounts"][0]
                print(
                    f"broker holdings: {len(check['holdings'])}, differences: "
                    f"{len(check['differences'])}, status: {check['broker_status']}"
                )
                await _run(client, "/positions", 10, interval)  # warm up templates, pools

                async def forget() -> None:
                    runtime.state.quotes.forget()

                _report("/positions warm", await _run(client, "/positions", requests, interval))
                cold = await _run(client, "/positions", max(20, requests // 4), 0.25, forget)
                _report("/positions cold (no cache)", cold)
                _report("/api/balance warm", await _run(client, "/api/balance", requests, interval))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05)
    options = parser.parse_args()
    asyncio.run(main(options.requests, options.interval))
