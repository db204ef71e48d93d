"""A real uvicorn server running the app in a background thread, for tests that need HTTP
over a socket (schemathesis, the browser, the benchmark)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import uvicorn

from hantu.config import Settings
from hantu.entrypoints.cli_serve import SERVER_OPTIONS
from hantu.entrypoints.web.app import create_app
from hantu.entrypoints.web.runtime import Runtime

T = TypeVar("T")


def wait_listening(url: str, seconds: float = 10.0) -> None:
    """Wait until a server answers at `url` (a subprocess prints before it binds)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerThread:
    """Start with `start()`, stop with `stop()`; `run(coro_factory)` runs in the server loop."""

    settings: Settings
    app_options: dict[str, Any] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    runtime: Runtime | None = None
    loop: asyncio.AbstractEventLoop | None = None
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _ready(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.loop = asyncio.get_running_loop()

    def start(self) -> None:
        app = create_app(self.settings, on_ready=self._ready, **self.app_options)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            **SERVER_OPTIONS,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def run(self, factory: Callable[[], Awaitable[T]]) -> T:
        """Run a coroutine on the server's event loop and wait for its result."""
        if self.loop is None:
            raise RuntimeError("server not started")

        async def wrapper() -> T:
            return await factory()

        future: Future[T] = asyncio.run_coroutine_threadsafe(wrapper(), self.loop)
        return future.result(timeout=30)

    def trade(self, code: str, price: int) -> None:
        """Trade one share on the embedded simulator now: its trade and book stream out."""
        simulator = None if self.runtime is None else self.runtime.app.simulator
        if simulator is None:
            raise RuntimeError("no embedded simulator")

        async def move() -> None:
            simulator.feed.set_price(code, price)

        self.run(move)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
