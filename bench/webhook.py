"""Webhook throughput and latency over HTTP against `hantu serve` on embedded defaults.

Starts `hantu serve` (uvicorn, SQLite, the KIS simulator in-process reached through the real
KisBroker; the simulator's rate limit is off and the adapter's limiter raised) and, in the
same run, a bare FastAPI endpoint served by uvicorn the same way. Then, for each:
  1. paced: 50 requests/s for a few seconds → p50/p99 latency from request to answer;
  2. sustained: a fixed number of concurrent clients as fast as answers come → requests/s.
Orders alternate market BUY/SELL of one share so the demo account never runs dry.

Usage: .venv/bin/python bench/webhook.py [--seconds 8] [--rate 50] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

BARE_APP = textwrap.dedent(
    """
    import sys
    import uvicorn
    from fastapi import FastAPI, Request

    app = FastAPI()

    @app.post("/bare")
    async def bare(request: Request) -> dict[str, object]:
        await request.body()
        return {"success": True, "order_id": "0"}

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_hantu(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {
        **os.environ,
        "HANTU_DATA_DIR": str(data_dir),
        "HANTU_WEB_PORT": str(port),
        "HANTU_KIS_REST_RATE_LIMIT": "100000",
    }
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [PYTHON, "-m", "hantu", "serve"],
        cwd=data_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    for line in process.stdout:
        found = re.search(r'"token": "(whk_[^"]+)"', line)
        if found:
            # Keep reading the log (default level, one line per webhook) so the pipe never fills.
            threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
            return process, found.group(1)
        if time.monotonic() > deadline:
            break
    process.kill()
    raise RuntimeError("hantu serve printed no demo webhook")


def _drain(stream: IO[str]) -> None:
    for _line in stream:
        pass


def start_bare(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([PYTHON, "-c", BARE_APP, str(port)])  # noqa: S603


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


BodyFn = Callable[[int], bytes]


async def paced(url: str, body: BodyFn, rate: float, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    async with httpx.AsyncClient(timeout=10.0, limits=httpx.Limits(max_connections=200)) as client:

        async def one(n: int) -> None:
            nonlocal failures
            started = time.perf_counter()
            response = await client.post(url, content=body(n))
            latencies.append(time.perf_counter() - started)
            failures += response.status_code != 200

        tasks = []
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return latencies, failures


async def sustained(url: str, body: BodyFn, concurrency: int, seconds: float) -> tuple[float, int]:
    done = 0
    failures = 0
    counter = iter(range(10**9))
    async with httpx.AsyncClient(timeout=10.0) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done, failures
            while time.perf_counter() < deadline:
                response = await client.post(url, content=body(1_000_000 + next(counter)))
                done += 1
                failures += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return done / elapsed, failures


def webhook_body(token: str, run: str) -> BodyFn:
    def make(n: int) -> bytes:
        side = "BUY" if n % 2 == 0 else "SELL"
        return json.dumps(
            {
                "token": token,
                "symbol": "005930",
                "side": side,
                "order_type": "MARKET",
                "quantity": "1",
                "id": f"{run}-{n}",
            }
        ).encode()

    return make


async def measure(name: str, url: str, body: BodyFn, args: argparse.Namespace) -> None:
    # Warm up (connections, tokens, caches) with ids of its own: a repeated id is a cheap replay.
    await paced(url, lambda n: body(2_000_000 + n), args.rate, 1.0)
    latencies, paced_failures = await paced(url, body, args.rate, args.seconds)
    rate, sustained_failures = await sustained(url, body, args.concurrency, args.seconds)
    print(
        f"{name:<16} paced {args.rate:.0f}/s: p50 {percentile(latencies, 0.5) * 1000:6.1f} ms"
        f"  p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  (non-200: {paced_failures})"
        f" | sustained x{args.concurrency}: {rate:7.1f} req/s  (non-200: {sustained_failures})"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="hantu-bench-") as tmp:
        hantu_port, bare_port = free_port(), free_port()
        hantu, token = start_hantu(Path(tmp), hantu_port)
        bare = start_bare(bare_port)
        try:
            wait_for(f"http://127.0.0.1:{hantu_port}/healthz")
            wait_for(f"http://127.0.0.1:{bare_port}/docs")
            print(f"cpus: {os.cpu_count()}  seconds per phase: {args.seconds}")
            await measure(
                "bare FastAPI",
                f"http://127.0.0.1:{bare_port}/bare",
                webhook_body("bare", "bare"),
                args,
            )
            await measure(
                "hantu webhook",
                f"http://127.0.0.1:{hantu_port}/api/webhook",
                webhook_body(token, f"bench{int(time.time())}"),
                args,
            )
        finally:
            for process in (hantu, bare):
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(main(parser.parse_args()))
