"""The memory run of `bench/monitor.py`, one process per step, as the monitor runs in production.

The KIS simulator is another process (the bench's), reached by settings only, as KIS is. The
measured process imports what the standalone monitor process does (`hantu monitor start`
with no server replaces itself with `hantu.entrypoints.monitor_process`): that module, then
`standalone_monitor(settings)` (the application without the web server, its monitor started,
its start-up objects frozen); it never imports the command line, the simulator's server, the
web app, or Alembic (the database is at head by then). hantu's modules are read from their
compiled bytecode, as from an installed package (the bench compiles them first).

    prepare DIR N ...   first start on DIR (demo user, account, strategy), buy N shares, stop
    measure DIR N ...   start on DIR, wait until N positions are watched, print VmRSS/VmHWM

Arguments after N: seconds, simulator REST and WS URLs, app key, secret, account, HTS ID.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hantu.bootstrap import App, build
from hantu.config import Settings
from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.order import OrderRequest
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.domain.watch_budget import WatchPath
from hantu.service_layer import queries
from hantu.service_layer.orders import submit

ACCOUNT = StrategyAccountId(1)  # the demo's strategy
BASE = 70_000


def codes(count: int) -> list[str]:
    """The bench's listed codes (the simulator is started with the same)."""
    return [f"{100_000 + n:06d}" for n in range(count)]


def settings_for(data_dir: Path, urls_and_keys: list[str]) -> Settings:
    rest, ws, key, secret, number, hts = urls_and_keys
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'hantu.db'}",
        "kis_simulator_rest_url": rest,
        "kis_simulator_ws_url": ws,
        "kis_app_key": key,
        "kis_app_secret": secret,
        "kis_account": number,
        "kis_hts_id": hts,
        "kis_ws_subscribe_interval": 0.0,
        "settle_interval_seconds": 1.0,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def until(predicate: Callable[[], Awaitable[bool]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


async def prepare(settings: Settings, count: int) -> None:
    """The first start (migrations, the demo, whose password hash alone peaks at ~20 MB) and
    the buys, in a process of their own, as they would be on earlier days."""
    async with build(settings) as app:
        ids = []
        for n, code in enumerate(codes(count)):
            request = OrderRequest(
                idempotency_key=f"rss-{n}",
                strategy_account_id=ACCOUNT,
                symbol=Symbol(code),
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                quantity=Quantity(1),
                price=Price(BASE),
            )
            ids.append(str((await submit(app.deps, request)).order.id))

        async def filled() -> bool:
            for order_id in ids:
                order = await queries.get_order(app.deps, order_id)
                if order is None or order.status is not OrderStatus.FILLED:
                    return False
            return True

        await until(filled, 120)


async def measure(settings: Settings, count: int, seconds: float) -> dict[str, Any]:
    """A later start, as the standalone monitor process (`monitor_process.standalone_monitor`):
    the positions loaded and watched, streamed within the registrations and the rest polled;
    figures after `seconds`."""
    from hantu.entrypoints.monitor_process import standalone_monitor

    async with standalone_monitor(settings) as app:
        monitor = app.monitor
        assert monitor is not None

        async def watching() -> bool:
            return len(monitor.watch_paths()) == count

        await until(watching, 120)
        await asyncio.sleep(seconds)
        return {
            "rss_mb": _status_mb("VmRSS"),
            "peak_mb": _status_mb("VmHWM"),
            "registrations": await _registrations(app),
            "watched": len(monitor.watched()),
            "polled": sum(p.path is WatchPath.REST_POLLING for p in monitor.watch_paths().values()),
            "polls": 0 if monitor.poller is None else monitor.poller.polls,
            "modules": len(sys.modules),
        }


async def _registrations(app: App) -> int:
    broker = await app.deps.brokers.broker_for(int(ACCOUNT))
    realtime = getattr(broker, "realtime", None)
    return 0 if realtime is None else len(realtime.acknowledged)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    step, data_dir, count, seconds, *rest = sys.argv[1:]
    settings = settings_for(Path(data_dir), rest)
    if step == "prepare":
        asyncio.run(prepare(settings, int(count)))
        return
    figures = asyncio.run(measure(settings, int(count), float(seconds)))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
