"""`hantu sim`: run the KIS simulator standalone."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from hantu.simulator.accounts import Account, demo_account, load_accounts
from hantu.simulator.feed import DEFAULT_SYMBOLS
from hantu.simulator.server import Simulator

_HELP = (
    "KIS 시뮬레이터를 단독으로 실행합니다: KIS REST/WebSocket 프로토콜을 그대로 말하는 "
    "로컬 서버입니다. 어떤 KIS 클라이언트든 URL만 바꾸면 연결됩니다. / Run the KIS "
    "simulator standalone: any KIS client works against it by changing its URLs alone."
)


def parse_symbols(spec: str | None) -> dict[str, tuple[str, Decimal]]:
    """`005930,000660` picks listed symbols; `123456:15000` adds one at a base price."""
    if not spec:
        return dict(DEFAULT_SYMBOLS)
    chosen: dict[str, tuple[str, Decimal]] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        code, _, price = item.partition(":")
        if price:
            chosen[code] = (code, Decimal(price))
        elif code in DEFAULT_SYMBOLS:
            chosen[code] = DEFAULT_SYMBOLS[code]
        else:
            raise typer.BadParameter(f"알 수 없는 종목 / unknown symbol {code} (use CODE:PRICE)")
    return chosen


def describe(sim: Simulator) -> list[str]:
    """The lines `hantu sim` prints: URLs and each account's credentials."""
    lines = [
        "KIS 시뮬레이터 실행 중 / KIS simulator running",
        f"  REST: {sim.rest_url}",
        f"  WS:   {sim.ws_url}",
        f"  종목 / symbols: {', '.join(sim.feed.symbols)}",
    ]
    for account in sim.accounts:
        lines += [
            f"  계좌 / account: {account.number}  (HTS ID: {account.hts_id})",
            f"    app key:    {account.app_key}",
            f"    app secret: {account.app_secret}",
        ]
    lines.append("  Ctrl-C로 종료 / Ctrl-C to stop")
    return lines


async def _run(sim: Simulator, walk_interval: float, duration: float | None) -> None:
    await sim.start()
    try:
        for line in describe(sim):
            typer.echo(line)
        if walk_interval > 0:
            sim.start_walk(walk_interval)
        if duration is None:
            await asyncio.Event().wait()
        else:
            await asyncio.sleep(duration)
    finally:
        await sim.stop()


def register(app: typer.Typer) -> None:
    """Attach the `sim` command to the root app."""

    @app.command("sim", help=_HELP)
    def sim(
        host: Annotated[str, typer.Option(help="바인드 주소 / bind address")] = "127.0.0.1",
        rest_port: Annotated[int, typer.Option(help="REST 포트 (0=자동) / REST port")] = 9443,
        ws_port: Annotated[int, typer.Option(help="WebSocket 포트 (0=자동) / WS port")] = 21000,
        config: Annotated[
            Path | None,
            typer.Option(help="계좌 선언 파일 (TOML/JSON) / accounts file", exists=True),
        ] = None,
        seed: Annotated[int, typer.Option(help="난수 시드 / random seed")] = 0,
        symbols: Annotated[
            str | None,
            typer.Option(help="종목 목록, 예: 005930,000660,123456:15000 / symbols"),
        ] = None,
        market_hours: Annotated[
            bool, typer.Option(help="장 운영시간 외 주문 거부 / reject orders off-hours")
        ] = False,
        rate_limit: Annotated[
            int | None, typer.Option(help="앱키별 초당 요청 한도 (실전 20, 모의 2) / req/s")
        ] = None,
        walk_interval: Annotated[
            float, typer.Option(help="시세 변동 간격 초 (0=정지) / price walk seconds")
        ] = 1.0,
        duration: Annotated[
            float | None, typer.Option(help="N초 후 종료 / stop after N seconds")
        ] = None,
    ) -> None:
        accounts: list[Account] = load_accounts(config) if config else [demo_account(seed)]
        simulator = Simulator(
            accounts=accounts,
            seed=seed,
            host=host,
            rest_port=rest_port,
            ws_port=ws_port,
            market_hours=market_hours,
            rate_limit=rate_limit,
            symbols=parse_symbols(symbols),
        )
        try:
            asyncio.run(_run(simulator, walk_interval, duration))
        except KeyboardInterrupt:
            typer.echo("종료 / stopped")
