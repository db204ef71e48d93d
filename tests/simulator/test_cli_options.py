"""`hantu sim`'s behaviour switches, end to end: a `hantu sim` process, a raw KIS client."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.simulator.helpers import recv_data, recv_json, sub_message


@dataclass(frozen=True)
class Running:
    rest_url: str
    ws_url: str
    app_key: str
    app_secret: str


async def start_sim(*flags: str) -> tuple[asyncio.subprocess.Process, Running]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANTU_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hantu", "sim", "--rest-port", "0", "--ws-port", "0", *flags,
        env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    text = ""
    while "app secret:" not in text:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line, f"hantu sim exited early:\n{text}"
        text += line.decode()

    def found(pattern: str) -> str:
        match = re.search(pattern, text)
        assert match is not None, text
        return match.group(1)

    return process, Running(
        found(r"REST:\s+(\S+)"),
        found(r"WS:\s+(\S+)"),
        found(r"app key:\s+(\S+)"),
        found(r"app secret:\s+(\S+)"),
    )


@pytest.fixture
async def strict_bursty_sim() -> AsyncIterator[Running]:
    process, running = await start_sim(
        "--walk-interval", "0.05", "--walk-burst", "4", "--send-interval", "0.2",
        "--pingpong-interval", "0.3", "--pingpong-timeout", "0.3",
        "--symbols", "005930",
    )  # fmt: skip
    try:
        yield running
    finally:
        process.terminate()
        await process.wait()


async def test_sim_flags_reach_the_running_simulator(strict_bursty_sim: Running) -> None:
    sim = strict_bursty_sim
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        body = {"grant_type": "client_credentials", "appkey": sim.app_key}
        answer = await client.post("/oauth2/Approval", json={**body, "secretkey": sim.app_secret})
        state = (await client.get("/__sim__/state")).json()
    key = answer.json()["approval_key"]
    counts: list[int] = []
    async with connect(sim.ws_url, ping_interval=None) as ws:
        await ws.send(sub_message(key, "H0STCNT0", "005930"))
        await recv_json(ws)
        with pytest.raises(ConnectionClosed):  # PINGPONG never answered: cut
            await count_records(ws, counts)
    assert ws.close_reason == "PINGPONG not answered"
    assert max(counts) > 1  # bursts gathered over the send interval share frames
    assert state["faults"]["pingpong_timeout"] == 0.3
    pages = state["pages"]
    assert (pages["daily_ccld"], pages["balance"]) == (100, 50)  # real TR ids
    assert (pages["paper_daily_ccld"], pages["paper_balance"]) == (15, 20)  # V… TR ids


async def count_records(ws: ClientConnection, counts: list[int]) -> None:
    while True:
        counts.append(int((await recv_data(ws)).split("|")[2]))
