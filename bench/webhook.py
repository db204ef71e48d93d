"""Webhook throughput and latency over HTTP against `hantu serve`, in both simulator modes.

In one run, one after the other so they never share the CPU, with the same load generator:
  - bare FastAPI: a bare endpoint served by uvicorn the same way (the ceiling);
  - embedded sim: `hantu serve` on embedded defaults (uvicorn, SQLite, the KIS simulator
    in-process on hantu's event loop, reached through the real KisBroker);
  - external sim: a `hantu sim` process, and `hantu serve` pointed at it with
    HANTU_KIS_SIMULATOR_REST_URL/_WS_URL and the account `hantu sim` prints.
The simulator's rate limit is off in both modes and the adapter's limiter raised. For each:
  1. paced: 50 requests/s for a few seconds -> p50/p99 latency from request to answer;
  2. sustained: a fixed number of concurrent clients as fast as answers come -> requests/s,
     and the CPU each process used meanwhile (100 % = one core; and per request answered).
Orders alternate market BUY/SELL of one share so the demo account never runs dry.
`--gc-freeze off|both` also runs hantu with its start-up `gc.freeze()` disabled, to compare.

Usage: .venv/bin/python bench/webhook.py [--seconds 8] [--rate 50] [--concurrency 16]
                                         [--modes embedded,external] [--gc-freeze on|off|both]
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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

# `hantu serve` with its start-up gc.freeze() made a no-op, to measure what the freeze buys.
SERVE_WITHOUT_FREEZE = textwrap.dedent(
    """
    import gc
    import sys
    gc.freeze = lambda: None
    sys.argv = ["hantu", "serve"]
    from hantu.entrypoints.cli import main
    main()
    """
)

# What `hantu sim` prints, as the settings that point `hantu serve` at it.
SIM_LINES = {
    "HANTU_KIS_SIMULATOR_REST_URL": r"REST:\s+(\S+)",
    "HANTU_KIS_SIMULATOR_WS_URL": r"WS:\s+(\S+)",
    "HANTU_KIS_ACCOUNT": r"account:\s+(\d{8}-\d{2})",
    "HANTU_KIS_HTS_ID": r"HTS ID:\s+([^)\s]+)",
    "HANTU_KIS_APP_KEY": r"app key:\s+(\S+)",
    "HANTU_KIS_APP_SECRET": r"app secret:\s+(\S+)",
}


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


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HANTU_")}


def read_until(process: subprocess.Popen[str], pattern: str, what: str) -> str:
    """Read output until a line matches; then keep draining it so the pipe never fills."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    for line in process.stdout:
        seen.append(line)
        if re.search(pattern, line):
            threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
            return "".join(seen)
        if time.monotonic() > deadline:
            break
    process.kill()
    raise RuntimeError(f"{what} did not start:\n" + "".join(seen))


def _drain(stream: IO[str]) -> None:
    for _line in stream:
        pass


def start_hantu(
    data_dir: Path, port: int, extra_env: dict[str, str], freeze: bool
) -> tuple[subprocess.Popen[str], str]:
    env = clean_env() | extra_env
    env |= {
        "HANTU_DATA_DIR": str(data_dir),
        "HANTU_WEB_PORT": str(port),
        "HANTU_KIS_REST_RATE_LIMIT": "100000",
    }
    command = ["-m", "hantu", "serve"] if freeze else ["-c", SERVE_WITHOUT_FREEZE]
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [PYTHON, *command],
        cwd=data_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner = read_until(process, r'"token": "whk_', "hantu serve")
    token = re.search(r'"token": "(whk_[^"]+)"', banner)
    assert token is not None
    return process, token.group(1)


def start_sim(data_dir: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    # Rate limit off (the default) and no random walk, as the embedded simulator runs.
    command = ["-m", "hantu", "sim", "--rest-port", "0", "--ws-port", "0", "--walk-interval", "0"]
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [PYTHON, *command],
        cwd=data_dir,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    text = read_until(process, r"app secret:", "hantu sim")
    settings = {}
    for name, pattern in SIM_LINES.items():
        found = re.search(pattern, text)
        if found is None:
            process.kill()
            raise RuntimeError(f"hantu sim printed no {name}")
        settings[name] = found.group(1)
    return process, settings


def start_bare(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([PYTHON, "-c", BARE_APP, str(port)])  # noqa: S603


def stop(processes: list[subprocess.Popen[str]] | list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_seconds() -> tuple[float, float]:
    """CPU seconds the whole machine spent busy, and stolen by the hypervisor (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


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


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    body: BodyFn
    pids: dict[str, int]  # process label -> pid, for CPU accounting


async def measure(target: Target, args: argparse.Namespace) -> None:
    # Warm up (connections, tokens, caches) with ids of its own: a repeated id is a cheap replay.
    await paced(target.url, lambda n: target.body(2_000_000 + n), args.rate, 1.0)
    latencies, paced_failures = await paced(target.url, target.body, args.rate, args.seconds)
    pids = {**target.pids, "client": os.getpid()}  # the load generator shares the machine
    cpu_before = {label: cpu_seconds(pid) for label, pid in pids.items()}
    busy_before, steal_before = machine_seconds()
    started = time.perf_counter()
    rate, sustained_failures = await sustained(
        target.url, target.body, args.concurrency, args.seconds
    )
    elapsed = time.perf_counter() - started
    busy_after, steal_after = machine_seconds()
    done = rate * elapsed
    used = {label: cpu_seconds(pid) - cpu_before[label] for label, pid in pids.items()}
    cpu = ", ".join(
        f"{label} {used[label] / elapsed * 100:3.0f}% ({used[label] / done * 1000:.1f} ms/req)"
        for label in pids
    )
    others = busy_after - busy_before - sum(used.values())
    cpu += f"; everything else {others / elapsed * 100:3.0f}%"
    cpu += f", stolen {(steal_after - steal_before) / elapsed * 100:3.0f}%"
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"{target.name:<33} paced {args.rate:.0f}/s: p50 {p50:5.1f} ms  p99 {p99:5.1f} ms"
        f"  (non-200: {paced_failures})"
        f" | sustained x{args.concurrency}: {rate:6.1f}/s  (non-200: {sustained_failures})"
        f"\n{'':<33} cpu while sustained: {cpu}",
        flush=True,
    )


@contextmanager
def hantu_embedded(tmp: Path, freeze: bool) -> Iterator[Target]:
    port, data = free_port(), tmp / f"embedded-{freeze}"
    data.mkdir()
    process, token = start_hantu(data, port, {}, freeze)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        body = webhook_body(token, f"bench{int(time.time())}")
        url = f"http://127.0.0.1:{port}/api/webhook"
        yield Target(_label("hantu, embedded sim", freeze), url, body, {"hantu": process.pid})
    finally:
        stop([process])


@contextmanager
def hantu_external(tmp: Path, freeze: bool) -> Iterator[Target]:
    port, data = free_port(), tmp / f"external-{freeze}"
    data.mkdir()
    sim, sim_settings = start_sim(data)
    try:
        process, token = start_hantu(data, port, sim_settings, freeze)
    except BaseException:
        stop([sim])
        raise
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        body = webhook_body(token, f"bench{int(time.time())}")
        url = f"http://127.0.0.1:{port}/api/webhook"
        pids = {"hantu": process.pid, "sim": sim.pid}
        yield Target(_label("hantu, external sim", freeze), url, body, pids)
    finally:
        stop([process, sim])


def _label(name: str, freeze: bool) -> str:
    return name if freeze else f"{name} (no freeze)"


async def main(args: argparse.Namespace) -> None:
    freezes = {"on": [True], "off": [False], "both": [True, False]}[args.gc_freeze]
    modes = {"embedded": hantu_embedded, "external": hantu_external}
    print(
        f"cpus: {os.cpu_count()}  load average: {os.getloadavg()[0]:.2f}"
        f"  seconds per phase: {args.seconds}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="hantu-bench-") as tmp:
        bare_port = free_port()
        bare = start_bare(bare_port)
        try:
            wait_for(f"http://127.0.0.1:{bare_port}/docs")
            url = f"http://127.0.0.1:{bare_port}/bare"
            await measure(
                Target("bare FastAPI", url, webhook_body("bare", "bare"), {"bare": bare.pid}), args
            )
        finally:
            stop([bare])
        for mode in args.modes.split(","):
            for freeze in freezes:
                with modes[mode](Path(tmp), freeze) as target:
                    await measure(target, args)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--modes", default="embedded,external")
    parser.add_argument("--gc-freeze", choices=["on", "off", "both"], default="on")
    asyncio.run(main(parser.parse_args()))
