"""`hantu sim`: run the KIS simulator standalone; `hantu sim-fault`: inject faults into it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hantu import messages_ko as ko
from hantu.domain.values import plain_decimal
from hantu.simulator.accounts import Account, demo_account, load_accounts
from hantu.simulator.control_defaults import (
    DEFAULT_REJECT_CODE,
    DEFAULT_REJECT_MESSAGE,
    DEFAULT_URL,
)
from hantu.simulator.feed import DEFAULT_SYMBOLS

if TYPE_CHECKING:  # the server (uvicorn, starlette) only for `hantu sim` itself
    from hantu.simulator.server import Simulator


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
            base = plain_decimal(price)
            if base is None or base <= 0:
                raise typer.BadParameter(ko.CLI_SIM_BAD_PRICE.format(item=item))
            chosen[code] = (code, base)
        elif code in DEFAULT_SYMBOLS:
            chosen[code] = DEFAULT_SYMBOLS[code]
        else:
            raise typer.BadParameter(ko.CLI_SIM_UNKNOWN_SYMBOL.format(code=code))
    return chosen


def describe(sim: Simulator) -> list[str]:
    """The lines `hantu sim` prints: URLs and each account's credentials."""
    lines = [
        ko.CLI_SIM_RUNNING,
        f"  REST: {sim.rest_url}",
        f"  WS:   {sim.ws_url}",
        ko.CLI_SIM_SYMBOLS.format(symbols=", ".join(sim.feed.symbols)),
    ]
    for account in sim.accounts:
        lines += [
            ko.CLI_SIM_ACCOUNT.format(number=account.number, hts_id=account.hts_id),
            f"    app key:    {account.app_key}",
            f"    app secret: {account.app_secret}",
        ]
    lines.append(
        ko.CLI_SIM_REALTIME.format(
            pingpong=_seconds_or_off(sim.ws.pingpong_interval),
            timeout=_seconds_or_off(sim.faults.pingpong_timeout),
            send=_seconds_or_off(sim.ws.send_interval),
            batch="on" if sim.ws.batch_records else "off",
        )
    )
    lines.append(ko.CLI_SIM_FAULTS.format(url=sim.rest_url))
    lines.append(ko.CLI_SIM_HOW_TO_STOP)
    return lines


@dataclass(frozen=True, slots=True)
class WalkPlan:
    """How `hantu sim` moves prices: every `interval` seconds, 1..`burst` trades a symbol."""

    interval: float
    burst: int


def _seconds_or_off(seconds: float | None) -> str:
    return f"{seconds:g}s" if seconds else "off"


async def _run(sim: Simulator, walk: WalkPlan, duration: float | None) -> None:
    await sim.start()
    try:
        for line in describe(sim):
            typer.echo(line)
        if walk.interval > 0:
            sim.start_walk(walk.interval, burst=walk.burst)
        if duration is None:
            await asyncio.Event().wait()
        else:
            await asyncio.sleep(duration)
    finally:
        await sim.stop()


def _off_if_zero(seconds: float | None) -> float | None:
    return seconds if seconds else None


def register(app: typer.Typer) -> None:
    """Attach the `sim` command and the `sim-fault` sub-app to the root app."""
    app.add_typer(fault_app, name="sim-fault")
    app.command("sim", help=ko.CLI_SIM_HELP)(sim)


def sim(
    host: Annotated[str, typer.Option(help=ko.CLI_SIM_HOST_HELP)] = "127.0.0.1",
    rest_port: Annotated[int, typer.Option(help=ko.CLI_SIM_REST_PORT_HELP)] = 9443,
    ws_port: Annotated[int, typer.Option(help=ko.CLI_SIM_WS_PORT_HELP)] = 21000,
    config: Annotated[Path | None, typer.Option(help=ko.CLI_SIM_CONFIG_HELP, exists=True)] = None,
    seed: Annotated[int, typer.Option(help=ko.CLI_SIM_SEED_HELP)] = 0,
    symbols: Annotated[str | None, typer.Option(help=ko.CLI_SIM_SYMBOLS_HELP)] = None,
    market_hours: Annotated[bool, typer.Option(help=ko.CLI_SIM_MARKET_HOURS_HELP)] = False,
    rate_limit: Annotated[int | None, typer.Option(help=ko.CLI_SIM_RATE_LIMIT_HELP)] = None,
    walk_interval: Annotated[float, typer.Option(help=ko.CLI_SIM_WALK_HELP)] = 1.0,
    walk_burst: Annotated[int, typer.Option(min=1, help=ko.CLI_SIM_WALK_BURST_HELP)] = 3,
    pingpong_interval: Annotated[
        float, typer.Option(min=0, help=ko.CLI_SIM_PINGPONG_INTERVAL_HELP)
    ] = 10.0,
    pingpong_timeout: Annotated[
        float | None, typer.Option(min=0, help=ko.CLI_SIM_PINGPONG_TIMEOUT_HELP)
    ] = None,
    send_interval: Annotated[float, typer.Option(min=0, help=ko.CLI_SIM_SEND_INTERVAL_HELP)] = 0.0,
    batch: Annotated[bool, typer.Option(help=ko.CLI_SIM_BATCH_HELP)] = True,
    duration: Annotated[float | None, typer.Option(help=ko.CLI_SIM_DURATION_HELP)] = None,
) -> None:
    from hantu.simulator.server import Simulator  # not loaded by the other commands

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
        pingpong_interval=_off_if_zero(pingpong_interval),
        pingpong_timeout=_off_if_zero(pingpong_timeout),
        send_interval=send_interval,
        batch_records=batch,
    )
    try:
        asyncio.run(_run(simulator, WalkPlan(walk_interval, walk_burst), duration))
    except KeyboardInterrupt:
        typer.echo(ko.CLI_SIM_STOPPED)


# --- hantu sim-fault ---------------------------------------------------------------------

fault_app = typer.Typer(help=ko.CLI_FAULT_HELP, no_args_is_help=True, add_completion=False)

Url = Annotated[str, typer.Option("--url", envvar="HANTU_SIM_URL", help=ko.CLI_FAULT_URL_HELP)]
SymbolCode = Annotated[str, typer.Option("--symbol", help=ko.CLI_FAULT_SYMBOL_HELP)]
Seconds = Annotated[float, typer.Option("--seconds", min=0, help=ko.CLI_FAULT_SECONDS_HELP)]


def _control(url: str, fault: str | None, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One call to the simulator's control API: inject `fault`, or read the state (None)."""
    # Imported here: its HTTP client is not loaded by every other `hantu` command.
    from hantu.simulator.control_client import SimControlClient, SimControlError

    try:
        with SimControlClient(url) as client:
            return client.state() if fault is None else client.inject(fault, body)
    except SimControlError as exc:
        typer.echo(ko.CLI_SIM_FAULT_ERROR.format(error=exc), err=True)
        raise typer.Exit(1) from None


def _inject(url: str, fault: str, body: dict[str, Any] | None = None) -> None:
    answer = _control(url, fault, body)
    typer.echo(str(answer.get("message", answer)))


@fault_app.command("drop-ws", help=ko.CLI_FAULT_DROP_WS)
def drop_ws(
    url: Url = DEFAULT_URL,
    graceful: Annotated[bool, typer.Option(help=ko.CLI_FAULT_GRACEFUL_HELP)] = False,
) -> None:
    _inject(url, "drop-ws", {"graceful": graceful})


@fault_app.command("refuse-ws", help=ko.CLI_FAULT_REFUSE_WS)
def refuse_ws(seconds: Seconds, url: Url = DEFAULT_URL) -> None:
    _inject(url, "refuse-ws", {"seconds": seconds})


@fault_app.command("delay-orders", help=ko.CLI_FAULT_DELAY_ORDERS)
def delay_orders(
    seconds: Seconds,
    url: Url = DEFAULT_URL,
    all_paths: Annotated[bool, typer.Option(help=ko.CLI_FAULT_ALL_PATHS_HELP)] = False,
) -> None:
    _inject(url, "delay-orders", {"seconds": seconds, "all_paths": all_paths})


@fault_app.command("fail-rest", help=ko.CLI_FAULT_FAIL_REST)
def fail_rest(
    seconds: Seconds,
    url: Url = DEFAULT_URL,
    status: Annotated[int, typer.Option(help=ko.CLI_FAULT_STATUS_HELP)] = 503,
) -> None:
    _inject(url, "fail-rest", {"seconds": seconds, "status": status})


@fault_app.command("reject-next", help=ko.CLI_FAULT_REJECT_NEXT)
def reject_next(
    url: Url = DEFAULT_URL,
    code: Annotated[str, typer.Option(help="KIS msg_cd")] = DEFAULT_REJECT_CODE,
    message: Annotated[str, typer.Option(help="KIS msg1")] = DEFAULT_REJECT_MESSAGE,
) -> None:
    _inject(url, "reject-next", {"code": code, "message": message})


@fault_app.command("reject-exchange", help=ko.CLI_FAULT_REJECT_EXCHANGE)
def reject_exchange(url: Url = DEFAULT_URL) -> None:
    _inject(url, "reject-exchange")


@fault_app.command("halt", help=ko.CLI_FAULT_HALT)
def halt(symbol: SymbolCode, url: Url = DEFAULT_URL) -> None:
    _inject(url, "halt", {"symbol": symbol})


@fault_app.command("vi", help=ko.CLI_FAULT_VI)
def vi(
    symbol: SymbolCode,
    url: Url = DEFAULT_URL,
    kind: Annotated[str, typer.Option(help=ko.CLI_FAULT_VI_KIND_HELP)] = "2",
) -> None:
    _inject(url, "vi", {"symbol": symbol, "kind": kind})


@fault_app.command("resume", help=ko.CLI_FAULT_RESUME)
def resume(symbol: SymbolCode, url: Url = DEFAULT_URL) -> None:
    _inject(url, "resume", {"symbol": symbol})


@fault_app.command("price", help=ko.CLI_FAULT_PRICE)
def price(
    symbol: SymbolCode,
    to: Annotated[str, typer.Option("--to", help=ko.CLI_FAULT_PRICE_TO_HELP)],
    url: Url = DEFAULT_URL,
    qty: Annotated[int, typer.Option(min=1, help=ko.CLI_FAULT_PRICE_QTY_HELP)] = 1,
) -> None:
    _inject(url, "price", {"symbol": symbol, "to": to, "qty": qty})


def parse_rate(raw: str) -> int | None:
    """`off` turns the limit off; otherwise a whole number of requests per second."""
    if raw.strip().lower() == "off":
        return None
    if not raw.strip().isdigit() or int(raw) < 1:
        raise typer.BadParameter(ko.CLI_FAULT_BAD_RATE)
    return int(raw)


@fault_app.command("rate-limit", help=ko.CLI_FAULT_RATE_LIMIT)
def rate_limit(
    per_second: Annotated[str, typer.Option("--per-second", help=ko.CLI_FAULT_PER_SECOND_HELP)],
    url: Url = DEFAULT_URL,
) -> None:
    _inject(url, "rate-limit", {"per_second": parse_rate(per_second)})


@fault_app.command("expire-tokens", help=ko.CLI_FAULT_EXPIRE_TOKENS)
def expire_tokens(url: Url = DEFAULT_URL) -> None:
    _inject(url, "expire-tokens")


@fault_app.command("pingpong", help=ko.CLI_FAULT_PINGPONG)
def pingpong(
    timeout: Annotated[str, typer.Option("--timeout", help=ko.CLI_FAULT_PINGPONG_TIMEOUT_HELP)],
    url: Url = DEFAULT_URL,
) -> None:
    _inject(url, "pingpong", {"timeout": parse_timeout(timeout)})


def parse_timeout(raw: str) -> float | None:
    """`off` lifts strict PINGPONG; otherwise a positive number of seconds."""
    if raw.strip().lower() == "off":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise typer.BadParameter(ko.CLI_FAULT_BAD_TIMEOUT) from None
    if not 0 < value < float("inf"):
        raise typer.BadParameter(ko.CLI_FAULT_BAD_TIMEOUT)
    return value


@fault_app.command("liquidity", help=ko.CLI_FAULT_LIQUIDITY)
def liquidity(
    symbol: SymbolCode,
    qty: Annotated[str, typer.Option("--qty", help=ko.CLI_FAULT_LIQUIDITY_QTY_HELP)],
    url: Url = DEFAULT_URL,
) -> None:
    _inject(url, "liquidity", {"symbol": symbol, "qty": parse_rate(qty)})


@fault_app.command("script", help=ko.CLI_FAULT_SCRIPT)
def script(
    symbol: SymbolCode,
    prices: Annotated[str, typer.Option("--prices", help=ko.CLI_FAULT_SCRIPT_PRICES_HELP)],
    url: Url = DEFAULT_URL,
) -> None:
    levels = [p.strip() for p in prices.split(",") if p.strip()]
    _inject(url, "script", {"symbol": symbol, "prices": levels})


@fault_app.command("refuse-subscribe", help=ko.CLI_FAULT_REFUSE_SUBSCRIBE)
def refuse_subscribe(
    url: Url = DEFAULT_URL,
    symbols: Annotated[str, typer.Option("--symbols", help=ko.CLI_FAULT_REFUSE_SYMBOLS_HELP)] = "",
    count: Annotated[int, typer.Option("--count", min=0, help=ko.CLI_FAULT_REFUSE_COUNT_HELP)] = 0,
) -> None:
    codes = [code.strip() for code in symbols.split(",") if code.strip()]
    _inject(url, "refuse-subscribe", {"symbols": codes, "count": count})


@fault_app.command("state", help=ko.CLI_FAULT_STATE)
def state(
    url: Url = DEFAULT_URL,
    as_json: Annotated[bool, typer.Option("--json", help=ko.CLI_FAULT_JSON_HELP)] = False,
) -> None:
    answer = _control(url, None)
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    for line in describe_state(answer):
        typer.echo(line)


def describe_state(answer: dict[str, Any]) -> list[str]:
    """The lines `hantu sim-fault state` prints."""
    lines = [ko.CLI_STATE_SYMBOLS]
    for s in answer.get("symbols", []):
        flags = (ko.CLI_STATE_HALTED if s["halted"] else "") + (
            f" [VI {s['vi']}]" if s["vi"] != "N" else ""
        )
        low, high = ko.format_won(Decimal(s["lower"])), ko.format_won(Decimal(s["upper"]))
        lines.append(
            f"  {s['symbol']} {s['name']}: {ko.format_won(Decimal(s['price']))} "
            f"({low}~{high}, vol {ko.format_shares(Decimal(s['volume']))}){flags}"
        )
    lines.append(ko.CLI_STATE_ACCOUNTS)
    for a in answer.get("accounts", []):
        held = (
            ", ".join(
                f"{code} {ko.format_shares(Decimal(qty))}" for code, qty in a["holdings"].items()
            )
            or "-"
        )
        lines.append(
            ko.CLI_STATE_ACCOUNT.format(
                account=a["account"],
                hts_id=a["hts_id"],
                cash=ko.format_won(Decimal(a["cash"])),
                available=ko.format_won(Decimal(a["available_cash"])),
                held=held,
                open_orders=a["open_orders"],
            )
        )
    faults = answer.get("faults", {})
    active = {k: v for k, v in faults.items() if _in_force(k, v)}
    if active.get("delay_seconds"):
        active["delay_scope"] = faults.get("delay_scope")
    shown = json.dumps(active, ensure_ascii=False) if active else "-"
    lines.append(ko.CLI_STATE_FAULTS.format(faults=shown))
    return lines


def _in_force(name: str, value: Any) -> bool:
    return name != "delay_scope" and value not in (None, 0, 0.0, [], {})
