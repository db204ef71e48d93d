"""`hantu sim` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hantu.entrypoints.cli import app
from hantu.entrypoints.cli_sim import parse_symbols


def test_sim_runs_and_prints_urls_and_demo_credentials() -> None:
    result = CliRunner().invoke(
        app,
        [
            "sim",
            "--rest-port",
            "0",
            "--ws-port",
            "0",
            "--duration",
            "0.2",
            "--walk-interval",
            "0.05",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "REST: http://127.0.0.1:" in result.output
    assert "WS:   ws://127.0.0.1:" in result.output
    assert "HTS ID: hantudemo" in result.output
    assert "app key:    PS" in result.output
    assert "hantu sim-fault" in result.output
    assert "PINGPONG 10s" in result.output
    assert "strict off" in result.output


def test_sim_realtime_line_shows_the_flags_given() -> None:
    args = ["sim", "--rest-port", "0", "--ws-port", "0", "--duration", "0"]
    flags = ["--pingpong-interval", "5", "--pingpong-timeout", "2", "--send-interval", "0.25"]
    result = CliRunner().invoke(app, [*args, *flags, "--no-batch"])
    assert result.exit_code == 0, result.output
    assert "PINGPONG 5s" in result.output
    assert "strict 2s" in result.output
    assert "send interval 0.25s" in result.output
    assert "multi-record off" in result.output


def test_sim_config_file_declares_accounts(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text('[[accounts]]\naccount = "11112222-01"\nhts_id = "alice"\n', encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["sim", "--rest-port", "0", "--ws-port", "0", "--duration", "0", "--config", str(path)],
    )
    assert result.exit_code == 0, result.output
    assert "11112222-01" in result.output
    assert "HTS ID: alice" in result.output


def test_sim_help_is_bilingual() -> None:
    result = CliRunner().invoke(app, ["sim", "--help"])
    assert result.exit_code == 0
    assert "시뮬레이터" in result.output
    assert "simulator" in result.output


def test_parse_symbols_known_and_custom() -> None:
    symbols = parse_symbols("005930, 123456:15000")
    assert list(symbols) == ["005930", "123456"]
    assert str(symbols["123456"][1]) == "15000"


def test_parse_symbols_unknown_without_price_raises() -> None:
    with pytest.raises(typer.BadParameter):
        parse_symbols("999999")


@pytest.mark.parametrize(
    "spec", ["123456:abc", "123456:1_000", "123456:１５０００", "123456:0", "123456:1e4"]
)
def test_parse_symbols_price_not_written_plainly_raises(spec: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_symbols(spec)
