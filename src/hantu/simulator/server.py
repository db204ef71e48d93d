"""`Simulator`: the KIS REST and WebSocket servers on loopback, over one market.

Usable in-process (tests, `hantu serve`) and standalone (`hantu sim`)::

    async with Simulator(accounts=[demo_account()]) as sim:
        sim.rest_url, sim.ws_url, sim.engine, sim.feed, sim.faults

Market hours are **off by default** ("always open"): the simulator's first users are tests
and a newcomer's demo, which must work at any hour. Pass `market_hours=True` (CLI:
`--market-hours`) to reject orders outside the KRX regular session, as KIS does.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from decimal import Decimal
from types import TracebackType
from typing import Self

import uvicorn

from hantu.adapters.clock import SystemClock
from hantu.service_layer.ports import Clock
from hantu.simulator.accounts import Account, demo_account
from hantu.simulator.faults import Faults
from hantu.simulator.feed import PriceFeed
from hantu.simulator.gateway import RateLimiter, TokenStore
from hantu.simulator.matching import MatchingEngine
from hantu.simulator.rest import build_rest_app
from hantu.simulator.rest_common import PageSizes, SimContext
from hantu.simulator.ws import WsServer

REAL_RATE_LIMIT = 20  # requests per second per app key at KIS real (reference §5.1)
PAPER_RATE_LIMIT = 2


class Simulator:
    """A local KIS: REST on one port, WebSocket on another, a market behind both."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        accounts: list[Account] | None = None,
        symbols: dict[str, tuple[str, Decimal]] | None = None,
        seed: int = 0,
        host: str = "127.0.0.1",
        rest_port: int = 0,
        ws_port: int = 0,
        market_hours: bool = False,
        rate_limit: int | None = None,
        pages: PageSizes | None = None,
        pingpong_interval: float | None = 10.0,
        pingpong_strict: bool = False,
        pingpong_timeout: float | None = None,
        send_interval: float = 0.0,
        batch_records: bool = True,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.host = host
        self._ports = (rest_port, ws_port)
        self.feed = PriceFeed(self.clock, symbols, seed=seed)
        self.engine = MatchingEngine(
            self.feed, self.clock, accounts or [demo_account(seed)], market_hours=market_hours
        )
        self.tokens = TokenStore(self.clock)
        self.limiter = RateLimiter(self.clock, rate_limit)
        self.faults = Faults(self.clock, self.engine, self.tokens, self.limiter)
        self.context = SimContext(
            self.clock,
            self.feed,
            self.engine,
            self.tokens,
            self.limiter,
            self.faults,
            pages or PageSizes(),
        )
        if pingpong_strict and pingpong_timeout is None:
            pingpong_timeout = pingpong_interval  # strict: answer before the next PINGPONG
        self.faults.strict_pingpong(pingpong_timeout)
        self.ws = WsServer(
            self.context,
            pingpong_interval=pingpong_interval,
            batch_records=batch_records,
            send_interval=send_interval,
        )
        self._uvicorn: uvicorn.Server | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._walk_task: asyncio.Task[None] | None = None
        self.rest_port = 0
        self.ws_port = 0

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.rest_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}"

    @property
    def accounts(self) -> list[Account]:
        return self.engine.accounts

    async def start(self) -> None:
        """Bind both ports and start answering; after `stop()` it restarts on the same ports."""
        self.faults.stopping.clear()
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say TCP,
        # and without it every answer waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.rest_port or self._ports[0]))
        self.rest_port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            build_rest_app(self.context),
            log_config=None,
            access_log=False,
            # The control API trusts the socket's peer address alone, never X-Forwarded-For.
            proxy_headers=False,
            lifespan="off",
            ws="none",
            # h11 writes header names as the app spells them; httptools lowercases them all,
            # and KIS clients read `Content-Type` vs `tr_id` literally (see `rest_headers`).
            http="h11",
            # Both are lower-case from uvicorn; KIS sends no `server`, `Date` comes from the app.
            server_header=False,
            date_header=False,
            timeout_graceful_shutdown=2,
        )
        self._uvicorn = uvicorn.Server(config)
        self._serve_task = asyncio.create_task(self._serve(self._uvicorn, sock))
        while not self._uvicorn.started:
            if self._serve_task.done():
                self._serve_task.result()
                raise RuntimeError("the simulator's REST server did not start")
            await asyncio.sleep(0.005)
        try:
            self.ws_port = await self.ws.start(self.host, self.ws_port or self._ports[1])
        except OSError:
            await self.stop()
            raise

    @staticmethod
    async def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            # `_serve` skips uvicorn's signal capture: the host process owns its signals.
            await server._serve(sockets=[sock])
        finally:
            sock.close()

    async def stop(self) -> None:
        """Stop both servers and any random walk; release the ports."""
        self.faults.stopping.set()
        if self._walk_task is not None:
            self._walk_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._walk_task
            self._walk_task = None
        await self.ws.stop()
        if self._uvicorn is not None and self._serve_task is not None:
            self._uvicorn.should_exit = True
            await self._serve_task
        self._uvicorn = None
        self._serve_task = None

    def start_walk(self, interval: float, symbols: list[str] | None = None, burst: int = 1) -> None:
        """Random-walk prices every `interval` seconds of the clock, 1..`burst` trades each."""
        self.feed.walk(symbols or self.feed.symbols)

        async def walk() -> None:
            while True:
                await self.clock.sleep(interval)
                self.feed.step(burst)

        self._walk_task = asyncio.create_task(walk())

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
