"""What every fake remote shares: an aiohttp app on its own thread and loop, a request log,
and scriptable faults for the next N requests.

The server runs on its own thread so that synchronous clients (slack_sdk's `WebClient` in the
logging handler's thread) and a test blocking in `close()` can still be answered.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web


class Fault(StrEnum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    HANG = "hang"


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it; `at` is `time.monotonic()` on arrival."""

    method: str
    params: Mapping[str, Any]
    headers: Mapping[str, str]
    at: float


@dataclass
class Faults:
    """Faults answered, in order, to the next requests (of one API method, or any)."""

    retry_after: int = 1
    hang_seconds: float = 30.0
    _queue: deque[tuple[Fault, str | None]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, fault: Fault, times: int = 1, method: str | None = None) -> None:
        with self._lock:
            self._queue.extend([(fault, method)] * times)

    def take(self, method: str) -> Fault | None:
        with self._lock:
            for index, (fault, only) in enumerate(self._queue):
                if only is None or only.lower() == method.lower():
                    del self._queue[index]
                    return fault
            return None

    async def in_front(self, fault: Fault) -> web.Response | None:
        """The faults of what stands in front of any API (a proxy, the network): a hang,
        an HTML 502. None for the faults each API words its own way."""
        if fault is Fault.HANG:
            await asyncio.sleep(self.hang_seconds)
            return web.Response(status=504)
        if fault is Fault.BAD_GATEWAY:
            return web.Response(status=502, text="<html>502 Bad Gateway</html>")
        return None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


class ThreadedServer:
    """Runs `app` on 127.0.0.1 at an ephemeral port in a daemon thread."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-remote", daemon=True)
        self.port = 0
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake server did not start")

    def stop(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        future.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def record(self, method: str, params: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        with self._lock:
            self.requests.append(Recorded(method, dict(params), dict(headers), time.monotonic()))

    def calls(self, method: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if method is None or r.method == method]

    def run_soon(self, factory: Callable[[], Any]) -> Future[Any]:
        """Start a coroutine made by `factory` on the server's loop (e.g. push a webhook);
        an async test awaits `asyncio.wrap_future(...)` of the result, never `.result()`,
        when the coroutine calls back into the test's own loop."""
        return asyncio.run_coroutine_threadsafe(factory(), self._loop)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()


async def read_params(request: web.Request) -> dict[str, Any]:
    """Parameters from the query, a JSON body, or a form / multipart body, like the vendors."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params
