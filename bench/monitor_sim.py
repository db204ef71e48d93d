"""The KIS simulator of `bench/monitor.py`'s first figure, in a process of its own as KIS is.

In the bench's own process its WebSocket publishing and REST handling ran on hantu's event
loop, taking about 1 ms of every crossing that KIS, another machine, never takes. Times are
CLOCK_MONOTONIC seconds (`time.monotonic()`), comparable between processes on Linux.

Prints one JSON line (URLs and the demo account's keys), then answers commands on stdin:

    price CODE N   the last trade of CODE is N (untimed); answers "ok"
    cross CODE N   the timed trade; once CODE's SELL came in, answers a JSON line of
                   "traded" (just before the trade is made), "published" (its H0STCNT0
                   frame, built, handed to the WebSocket), "arrived" (the SELL's request
                   read from its socket: on the wire) and "engine" (the SELL past the
                   simulator's HTTP stack, reaching its matching engine)

Usage (by bench/monitor.py): python bench/monitor_sim.py CODE [CODE...]
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import sys
import time
from decimal import Decimal
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from hantu.domain.enums import Side
from hantu.simulator.server import Simulator

# When the bytes of the request being handled were read: set as uvicorn reads them, and
# copied into the task it starts for that request.
ARRIVED: contextvars.ContextVar[float] = contextvars.ContextVar("arrived", default=0.0)


class Frames:
    """When the trade frames of the symbol being crossed are handed to a WebSocket."""

    def __init__(self) -> None:
        self.code = ""
        self.at: list[float] = []

    def watch(self, sim: Simulator, code: str) -> None:
        """Stamp `code`'s frames from now on, on every WebSocket (once wrapped, kept)."""
        self.code, self.at = code, []
        for session in sim.ws.sessions:
            conn = session.conn
            if getattr(conn, "bench_stamped", False):
                continue
            send = conn.send

            async def stamped(message: Any, *args: Any, _send: Any = send, **kw: Any) -> Any:
                if isinstance(message, str) and self._of_code(message):
                    self.at.append(time.monotonic())
                return await _send(message, *args, **kw)

            conn.send = stamped  # type: ignore[method-assign]
            conn.bench_stamped = True  # type: ignore[attr-defined]

    def _of_code(self, message: str) -> bool:
        return message.startswith("0|H0STCNT0|") and f"|{self.code}^" in message


def _stamp_arrivals() -> None:
    receive = H11Protocol.data_received

    def data_received(self: H11Protocol, data: bytes) -> None:
        ARRIVED.set(time.monotonic())
        receive(self, data)

    H11Protocol.data_received = data_received  # type: ignore[method-assign]


async def _lines() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def serve(codes: list[str]) -> None:
    _stamp_arrivals()
    symbols = {code: (code, Decimal(70_000)) for code in codes}
    sells: dict[str, tuple[float, float]] = {}
    came = asyncio.Event()
    frames = Frames()
    async with Simulator(symbols=symbols, rate_limit=20, pingpong_interval=None) as sim:
        place = sim.engine.place

        def timed(account: Any, symbol: str, side: Side, *args: Any) -> Any:
            if side is Side.SELL:
                sells[symbol] = (ARRIVED.get(), time.monotonic())
                came.set()
            return place(account, symbol, side, *args)

        sim.engine.place = timed  # type: ignore[method-assign,assignment]
        account = sim.accounts[0]
        keys = [account.app_key, account.app_secret, account.number, account.hts_id]
        _say(json.dumps({"rest": sim.rest_url, "ws": sim.ws_url, "account": keys}))
        reader = await _lines()
        while line := (await reader.readline()).decode().split():
            command, code, price = line
            if command == "price":
                sim.feed.set_price(code, int(price))
                _say("ok")
                continue
            sells.pop(code, None)
            frames.watch(sim, code)
            traded = time.monotonic()
            sim.feed.set_price(code, int(price))
            while code not in sells:
                came.clear()
                await came.wait()
            arrived, engine = sells.pop(code)
            stamps = {"traded": traded, "published": frames.at[0]}
            _say(json.dumps({**stamps, "arrived": arrived, "engine": engine}))


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1:]))
