"""`hantu sim-fault` against a running simulator (the command runs in a worker thread)."""

from __future__ import annotations

import asyncio
import json
import re
import socket

import pytest
import typer
from typer.testing import CliRunner, Result

from hantu.entrypoints.cli import app
from hantu.entrypoints.cli_sim import fault_app, parse_rate, parse_timeout
from hantu.simulator.control import FAULTS
from hantu.simulator.faults import Faults
from tests.fixtures.kis_simulator import KisSimHandle


async def run_cli(*args: str) -> Result:
    """Invoke `hantu` off the event loop, which keeps serving the simulator meanwhile."""
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_sim_fault_halt_and_resume_change_symbol(kis_sim: KisSimHandle) -> None:
    halted = await run_cli("sim-fault", "halt", "--symbol", "005930", "--url", kis_sim.rest_url)
    was_halted = kis_sim.feed["005930"].halted
    resumed = await run_cli("sim-fault", "resume", "--symbol", "005930", "--url", kis_sim.rest_url)
    assert halted.exit_code == 0, halted.output
    assert "halted 005930" in halted.output
    assert was_halted is True
    assert resumed.exit_code == 0, resumed.output
    assert kis_sim.feed["005930"].halted is False


async def test_sim_fault_price_moves_last_price(kis_sim: KisSimHandle) -> None:
    result = await run_cli(
        "sim-fault", "price", "--symbol", "005930", "--to", "65000", "--url", kis_sim.rest_url
    )
    assert result.exit_code == 0, result.output
    assert "65000" in result.output
    assert str(kis_sim.feed["005930"].last) == "65000"


async def test_sim_fault_delay_orders_sets_order_delay(kis_sim: KisSimHandle) -> None:
    result = await run_cli("sim-fault", "delay-orders", "--seconds", "6", "--url", kis_sim.rest_url)
    assert result.exit_code == 0, result.output
    assert kis_sim.faults.delay_for("/uapi/domestic-stock/v1/trading/order-cash") == 6
    assert kis_sim.faults.delay_for("/uapi/domestic-stock/v1/quotations/inquire-price") == 0


async def test_sim_fault_reject_next_queues_code(kis_sim: KisSimHandle) -> None:
    args = ["reject-next", "--code", "APBK0918", "--message", "수량 부족"]
    result = await run_cli("sim-fault", *args, "--url", kis_sim.rest_url)
    assert result.exit_code == 0, result.output
    assert kis_sim.faults.take_reject() == ("APBK0918", "수량 부족")


async def test_sim_fault_rate_limit_number_then_off(kis_sim: KisSimHandle) -> None:
    on = await run_cli("sim-fault", "rate-limit", "--per-second", "2", "--url", kis_sim.rest_url)
    limit = kis_sim.sim.limiter.per_second
    off = await run_cli("sim-fault", "rate-limit", "--per-second", "off", "--url", kis_sim.rest_url)
    assert (on.exit_code, off.exit_code) == (0, 0)
    assert limit == 2
    assert kis_sim.sim.limiter.per_second is None


async def test_sim_fault_refuse_and_drop_ws_report_what_they_did(kis_sim: KisSimHandle) -> None:
    refused = await run_cli("sim-fault", "refuse-ws", "--seconds", "30", "--url", kis_sim.rest_url)
    dropped = await run_cli("sim-fault", "drop-ws", "--url", kis_sim.rest_url)
    assert refused.exit_code == 0, refused.output
    assert kis_sim.faults.refusing_websockets is True
    assert "dropped 0 WebSocket session(s)" in dropped.output


async def test_sim_fault_state_prints_symbols_accounts_faults(kis_sim: KisSimHandle) -> None:
    kis_sim.faults.halt("000660")
    kis_sim.faults.delay_rest(6)
    text = await run_cli("sim-fault", "state", "--url", kis_sim.rest_url)
    raw = await run_cli("sim-fault", "state", "--json", "--url", kis_sim.rest_url)
    assert text.exit_code == 0, text.output
    assert "005930 삼성전자: 71,000원" in text.output
    assert re.search(r"현금/cash [\d,]+원, 주문가능/available [\d,]+원", text.output)
    assert kis_sim.account in text.output
    assert '"halted": ["000660"]' in text.output
    assert '"delay_scope": "orders"' in text.output
    assert json.loads(raw.output)["faults"]["halted"] == ["000660"]


async def test_sim_fault_unknown_symbol_exit_1_with_field(kis_sim: KisSimHandle) -> None:
    result = await run_cli("sim-fault", "halt", "--symbol", "999999", "--url", kis_sim.rest_url)
    assert result.exit_code == 1
    assert "symbol" in result.output
    assert "999999" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


async def test_sim_fault_off_tick_price_exit_1(kis_sim: KisSimHandle) -> None:
    result = await run_cli(
        "sim-fault", "price", "--symbol", "005930", "--to", "65050", "--url", kis_sim.rest_url
    )
    assert result.exit_code == 1
    assert "HTTP 422" in result.output
    assert str(kis_sim.feed["005930"].last) == "71000"


def test_sim_fault_no_simulator_exit_1_clear_message() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(app, ["sim-fault", "drop-ws", "--url", url])
    assert result.exit_code == 1
    assert "no simulator is running" in result.output
    assert isinstance(result.exception, SystemExit)


def test_sim_fault_invalid_url_exit_1() -> None:
    result = CliRunner().invoke(app, ["sim-fault", "state", "--url", "not a url"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)


async def test_sim_fault_pingpong_timeout_then_off(kis_sim: KisSimHandle) -> None:
    on = await run_cli("sim-fault", "pingpong", "--timeout", "5", "--url", kis_sim.rest_url)
    timeout_on = kis_sim.faults.pingpong_timeout
    off = await run_cli("sim-fault", "pingpong", "--timeout", "off", "--url", kis_sim.rest_url)
    assert (on.exit_code, off.exit_code) == (0, 0), on.output + off.output
    assert timeout_on == 5
    assert kis_sim.faults.pingpong_timeout is None


async def test_sim_fault_liquidity_and_script_reach_the_feed(kis_sim: KisSimHandle) -> None:
    url = ["--symbol", "005930", "--url", kis_sim.rest_url]
    capped = await run_cli("sim-fault", "liquidity", "--qty", "3", *url)
    scripted = await run_cli("sim-fault", "script", "--prices", "71100, 71200", *url)
    assert (capped.exit_code, scripted.exit_code) == (0, 0), capped.output + scripted.output
    assert kis_sim.feed["005930"].liquidity == 3
    assert list(kis_sim.feed["005930"].script) == [71_100, 71_200]


@pytest.mark.parametrize("raw", ["0", "-2", "soon", "inf", "nan"])
def test_parse_timeout_garbage_raises_bad_parameter(raw: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_timeout(raw)


def test_every_control_fault_has_a_sim_fault_command() -> None:
    commands = typer.main.get_group(fault_app).commands
    assert set(FAULTS) <= set(commands)


# Each public switch of `Faults` and the control endpoint (and so sim-fault command) for it.
SWITCHES = {
    "drop_websockets": "drop-ws",
    "refuse_websockets": "refuse-ws",
    "refuse_subscriptions": "refuse-subscribe",
    "strict_pingpong": "pingpong",
    "delay_rest": "delay-orders",
    "fail_rest": "fail-rest",
    "reject_next_order": "reject-next",
    "reject_at_exchange_next": "reject-exchange",
    "set_rate_limit": "rate-limit",
    "expire_tokens": "expire-tokens",
    "halt": "halt",
    "trigger_vi": "vi",
    "resume": "resume",
    "move_price": "price",
    "limit_liquidity": "liquidity",
    "script_prices": "script",
}
NOT_SWITCHES = {
    "delay_for",
    "hold",
    "take_reject",
    "subscription_refused",
    "active",
    "refusing_websockets",
    "failing_rest",
}


def test_every_fault_switch_is_reachable_at_runtime() -> None:
    public = {name for name in vars(Faults) if not name.startswith("_")}
    assert public - NOT_SWITCHES == set(SWITCHES)
    assert set(SWITCHES.values()) == set(FAULTS)


def test_sim_help_lists_every_behaviour_flag() -> None:
    result = CliRunner().invoke(app, ["sim", "--help"], env={"COLUMNS": "200"})
    for flag in (
        "--market-hours", "--rate-limit", "--walk-interval", "--walk-burst",
        "--pingpong-interval", "--pingpong-timeout", "--send-interval", "--no-batch",
    ):  # fmt: skip
        assert flag in result.output


def test_sim_fault_help_is_bilingual() -> None:
    result = CliRunner().invoke(app, ["sim-fault", "--help"])
    assert result.exit_code == 0
    assert "시뮬레이터" in result.output
    assert "simulator" in result.output
    assert "delay-orders" in result.output


def test_parse_rate_off_and_number_parse() -> None:
    assert parse_rate("OFF") is None
    assert parse_rate("20") == 20


@pytest.mark.parametrize("raw", ["0", "-1", "fast", "2.5"])
def test_parse_rate_garbage_raises_bad_parameter(raw: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_rate(raw)


def test_sim_fault_bad_rate_exit_2_without_contacting() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(app, ["sim-fault", "rate-limit", "--per-second", "x", "--url", url])
    assert result.exit_code == 2


async def test_sim_fault_refuse_subscribe_refuses_symbols_and_the_next_n_then_lifts(
    kis_sim: KisSimHandle,
) -> None:
    args = ["--symbols", "005930", "--count", "2", "--url", kis_sim.rest_url]
    on = await run_cli("sim-fault", "refuse-subscribe", *args)
    symbol = [kis_sim.faults.subscription_refused("005930") for _ in range(3)]
    others = [kis_sim.faults.subscription_refused("000660") for _ in range(3)]
    off = await run_cli("sim-fault", "refuse-subscribe", "--url", kis_sim.rest_url)
    assert (on.exit_code, off.exit_code) == (0, 0), on.output + off.output
    assert "OPSP0007" in on.output
    assert symbol == [True, True, True]
    assert others == [True, True, False]
    assert kis_sim.faults.subscription_refused("005930") is False


async def test_sim_fault_refuse_subscribe_unknown_symbol_exit_1(kis_sim: KisSimHandle) -> None:
    args = ["--symbols", "005930,999999", "--url", kis_sim.rest_url]
    result = await run_cli("sim-fault", "refuse-subscribe", *args)
    assert result.exit_code == 1
    assert "symbols" in result.output
    assert kis_sim.faults.subscription_refused("005930") is False
