"""`hantu users create` and `hantu serve --help` through the real Typer app."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hantu import messages_ko as ko
from hantu.bootstrap import build
from hantu.config import Settings
from hantu.entrypoints.cli import app
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import logins


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HANTU_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _authenticates(data_dir: Path, username: str, password: str) -> bool:
    async def check() -> bool:
        settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
        async with build(settings).accounts_only() as deps:
            return await accounts_service.authenticate(deps, username, password) is not None

    return asyncio.run(check())


def test_cli_users_create_makes_a_user_who_can_log_in(env: Path) -> None:
    result = CliRunner().invoke(app, ["users", "create", "carol", "--password", "carol-password"])

    assert result.exit_code == 0, result.output
    assert ko.CLI_USER_CREATED.format(username="carol") in result.output
    assert _authenticates(env, "carol", "carol-password")
    assert not _authenticates(env, "carol", "wrong-password")


def test_cli_users_create_twice_fails_with_a_message(env: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["users", "create", "carol", "--password", "carol-password"])

    again = runner.invoke(app, ["users", "create", "carol", "--password", "other-password"])

    assert again.exit_code == 1
    assert ko.USERNAME_TAKEN in again.output


def test_cli_users_create_short_password_fails(env: Path) -> None:
    result = CliRunner().invoke(app, ["users", "create", "dave", "--password", "short"])

    assert result.exit_code == 1
    assert "비밀번호는 8-256자여야 합니다" in result.output
    assert "must" not in result.output


def test_cli_users_create_prompts_for_the_password_in_korean(env: Path) -> None:
    typed = "erin-password\nerin-password\n"

    result = CliRunner().invoke(app, ["users", "create", "erin"], input=typed)

    assert result.exit_code == 0, result.output
    assert f"{ko.CLI_PASSWORD_PROMPT}:" in result.output
    assert f"{ko.CLI_PASSWORD_REPEAT}:" in result.output
    assert "Password" not in result.output
    assert "Repeat for confirmation" not in result.output
    assert _authenticates(env, "erin", "erin-password")


def test_cli_serve_help_describes_the_command() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])

    assert result.exit_code == 0
    assert "웹 서버" in result.output
    assert "--port" in result.output


def test_cli_users_create_with_kis_keys_in_env_adds_that_account(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANTU_KIS_ENVIRONMENT", "PAPER")
    monkeypatch.setenv("HANTU_KIS_APP_KEY", "PS" + "A" * 34)
    monkeypatch.setenv("HANTU_KIS_APP_SECRET", "B" * 180)
    monkeypatch.setenv("HANTU_KIS_ACCOUNT", "50112233-01")
    monkeypatch.setenv("HANTU_KIS_HTS_ID", "myhts")

    result = CliRunner().invoke(app, ["users", "create", "erin", "--password", "erin-password"])

    assert result.exit_code == 0, result.output
    assert "KIS PAPER (.env)" in result.output
    assert "B" * 180 not in result.output

    async def names() -> list[str]:
        settings = Settings(_env_file=None, data_dir=env)  # type: ignore[call-arg]
        async with build(settings).accounts_only() as deps:
            user = await accounts_service.authenticate(deps, "erin", "erin-password")
            assert user is not None
            found = await accounts_service.list_broker_accounts(deps, user.id)
            return [f"{a.name}|{a.environment}|{a.account_hint}" for a in found]

    assert asyncio.run(names()) == ["KIS PAPER (.env)|PAPER|5011****-01"]


def test_cli_users_passwd_sets_the_password_and_ends_every_session(env: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["users", "create", "carol", "--password", "carol-password"])

    async def sign_in() -> str:
        settings = Settings(_env_file=None, data_dir=env)  # type: ignore[call-arg]
        async with build(settings).accounts_only() as deps:
            user = await accounts_service.authenticate(deps, "carol", "carol-password")
            assert user is not None
            return await logins.start_session(deps, user.id, timedelta(hours=1))

    async def still_signed_in(session_id: str) -> bool:
        settings = Settings(_env_file=None, data_dir=env)  # type: ignore[call-arg]
        async with build(settings).accounts_only() as deps:
            return await logins.session_user(deps, session_id) is not None

    session_id = asyncio.run(sign_in())
    assert asyncio.run(still_signed_in(session_id))

    result = runner.invoke(app, ["users", "passwd", "carol", "--password", "carol-new-pass"])

    assert result.exit_code == 0, result.output
    assert ko.CLI_PASSWORD_CHANGED.format(username="carol") in result.output
    assert not asyncio.run(still_signed_in(session_id))
    assert _authenticates(env, "carol", "carol-new-pass")
    assert not _authenticates(env, "carol", "carol-password")


def test_cli_users_passwd_unknown_user_fails_with_a_message(env: Path) -> None:
    result = CliRunner().invoke(app, ["users", "passwd", "nobody", "--password", "whatever-pw"])

    assert result.exit_code == 1
    assert ko.CLI_USER_NOT_FOUND.format(username="nobody") in result.output
