"""`hantu sim`: run the KIS simulator standalone; `hantu sim-fault`: inject faults into it."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from hantu.simulator.accounts import Account, demo_account, load_accounts
from hantu.simulator.control_client import DEFAULT_URL, SimControlClient, SimControlError
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
    lines.append(f"  장애 주입 / inject faults: hantu sim-fault --help  (--url {sim.rest_url})")
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
    """Attach the `sim` command and the `sim-fault` sub-app to the root app."""
    app.add_typer(fault_app, name="sim-fault")

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


# --- hantu sim-fault ---------------------------------------------------------------------

_FAULT_HELP = (
    "실행 중인 KIS 시뮬레이터에 장애를 주입합니다 (WebSocket 끊기, 지연, 주문 거부, 거래정지, "
    "시세 이동 등). / Inject faults into a running KIS simulator through its REST port."
)
fault_app = typer.Typer(help=_FAULT_HELP, no_args_is_help=True, add_completion=False)

Url = Annotated[
    str,
    typer.Option(
        "--url", envvar="HANTU_SIM_URL", help="시뮬레이터 REST 주소 / the simulator's REST URL"
    ),
]
SymbolCode = Annotated[str, typer.Option("--symbol", help="종목코드 / symbol code, e.g. 005930")]
Seconds = Annotated[float, typer.Option("--seconds", min=0, help="초 / seconds")]


def _inject(url: str, fault: str, body: dict[str, Any] | None = None) -> None:
    try:
        with SimControlClient(url) as client:
            answer = client.inject(fault, body)
    except SimControlError as exc:
        typer.echo(f"오류 / error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(str(answer.get("message", answer)))


@fault_app.command("drop-ws")
def drop_ws(
    url: Url = DEFAULT_URL,
    graceful: Annotated[
        bool, typer.Option(help="종료 프레임을 보내고 닫기 / send a close frame first")
    ] = False,
) -> None:
    """WebSocket 세션을 모두 끊습니다 / Drop every WebSocket session."""
    _inject(url, "drop-ws", {"graceful": graceful})


@fault_app.command("refuse-ws")
def refuse_ws(seconds: Seconds, url: Url = DEFAULT_URL) -> None:
    """N초 동안 WebSocket 접속을 거부합니다 (HTTP 503) / Refuse WebSocket connections."""
    _inject(url, "refuse-ws", {"seconds": seconds})


@fault_app.command("delay-orders")
def delay_orders(
    seconds: Seconds,
    url: Url = DEFAULT_URL,
    all_paths: Annotated[
        bool, typer.Option(help="주문 외 조회도 지연 / delay inquiries too")
    ] = False,
) -> None:
    """주문 응답을 지연하되 주문은 실행합니다 (0=해제) / Delay answers; orders still execute."""
    _inject(url, "delay-orders", {"seconds": seconds, "all_paths": all_paths})


@fault_app.command("reject-next")
def reject_next(
    url: Url = DEFAULT_URL,
    code: Annotated[str, typer.Option(help="KIS msg_cd")] = "APBK0919",
    message: Annotated[str, typer.Option(help="KIS msg1")] = "주문이 거부되었습니다.",
) -> None:
    """다음 주문 하나를 이 코드로 거부합니다 / Reject the next order with this code."""
    _inject(url, "reject-next", {"code": code, "message": message})


@fault_app.command("reject-exchange")
def reject_exchange(url: Url = DEFAULT_URL) -> None:
    """다음 신규 주문을 접수 후 거래소 거부합니다 / Accept the next order, then refuse it."""
    _inject(url, "reject-exchange")


@fault_app.command("halt")
def halt(symbol: SymbolCode, url: Url = DEFAULT_URL) -> None:
    """종목 거래를 정지합니다 (H0STMKO0) / Halt trading in a symbol."""
    _inject(url, "halt", {"symbol": symbol})


@fault_app.command("vi")
def vi(
    symbol: SymbolCode,
    url: Url = DEFAULT_URL,
    kind: Annotated[
        str, typer.Option(help="1 정적, 2 동적, 3 둘 다 / static, dynamic, both")
    ] = "2",
) -> None:
    """종목에 VI를 발동합니다 / Trigger a VI on a symbol."""
    _inject(url, "vi", {"symbol": symbol, "kind": kind})


@fault_app.command("resume")
def resume(symbol: SymbolCode, url: Url = DEFAULT_URL) -> None:
    """거래정지·VI를 해제합니다 / Lift a halt or VI."""
    _inject(url, "resume", {"symbol": symbol})


@fault_app.command("price")
def price(
    symbol: SymbolCode,
    to: Annotated[str, typer.Option("--to", help="체결가 (원) / trade price in won")],
    url: Url = DEFAULT_URL,
    qty: Annotated[int, typer.Option(min=1, help="체결 수량 / shares traded")] = 1,
) -> None:
    """지금 이 가격에 체결시킵니다 / Trade a symbol at a given price now."""
    _inject(url, "price", {"symbol": symbol, "to": to, "qty": qty})


def parse_rate(raw: str) -> int | None:
    """`off` turns the limit off; otherwise a whole number of requests per second."""
    if raw.strip().lower() == "off":
        return None
    if not raw.strip().isdigit() or int(raw) < 1:
        raise typer.BadParameter("1 이상의 정수 또는 off / a whole number ≥ 1, or off")
    return int(raw)


@fault_app.command("rate-limit")
def rate_limit(
    per_second: Annotated[
        str, typer.Option("--per-second", help="초당 한도 또는 off / requests per second, or off")
    ],
    url: Url = DEFAULT_URL,
) -> None:
    """앱키별 초당 요청 한도를 바꿉니다 (EGW00201) / Set or lift the rate limit."""
    _inject(url, "rate-limit", {"per_second": parse_rate(per_second)})


@fault_app.command("expire-tokens")
def expire_tokens(url: Url = DEFAULT_URL) -> None:
    """모든 접근토큰을 만료시킵니다 (EGW00123) / Expire every access token."""
    _inject(url, "expire-tokens")


@fault_app.command("state")
def state(
    url: Url = DEFAULT_URL,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 그대로 / raw JSON")] = False,
) -> None:
    """종목 시세, 계좌, 주입된 장애를 보여 줍니다 / Show prices, accounts and active faults."""
    try:
        with SimControlClient(url) as client:
            answer = client.state()
    except SimControlError as exc:
        typer.echo(f"오류 / error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    for line in describe_state(answer):
        typer.echo(line)


def describe_state(answer: dict[str, Any]) -> list[str]:
    """The lines `hantu sim-fault state` prints."""
    lines = ["종목 / symbols:"]
    for s in answer.get("symbols", []):
        flags = (" [거래정지/halted]" if s["halted"] else "") + (
            f" [VI {s['vi']}]" if s["vi"] != "N" else ""
        )
        lines.append(
            f"  {s['symbol']} {s['name']}: {s['price']} "
            f"({s['lower']}~{s['upper']}, vol {s['volume']}){flags}"
        )
    lines.append("계좌 / accounts:")
    for a in answer.get("accounts", []):
        held = ", ".join(f"{code}×{qty}" for code, qty in a["holdings"].items()) or "-"
        lines.append(
            f"  {a['account']} ({a['hts_id']}): 현금/cash {a['cash']}, "
            f"주문가능/available {a['available_cash']}, 보유/held {held}, "
            f"미체결/open {a['open_orders']}"
        )
    faults = answer.get("faults", {})
    active = {k: v for k, v in faults.items() if _in_force(k, v)}
    if active.get("delay_seconds"):
        active["delay_scope"] = faults.get("delay_scope")
    lines.append("장애 / faults: " + (json.dumps(active, ensure_ascii=False) if active else "-"))
    return lines


def _in_force(name: str, value: Any) -> bool:
    return name != "delay_scope" and value not in (None, 0, 0.0, [], {})
