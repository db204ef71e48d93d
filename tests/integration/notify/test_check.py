"""`hantu check` against the KIS simulator and the fake Telegram and Slack servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hantu import messages_ko as ko
from hantu.bootstrap import build
from hantu.config import Settings
from hantu.entrypoints import cli_check
from hantu.entrypoints.cli import app
from hantu.entrypoints.cli_check import run_checks
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import NewBrokerAccount
from tests.fakes_remote.base import Fault
from tests.fakes_remote.slack_server import FakeSlack
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.fixtures.kis_simulator import KisSimHandle

CHAT = 5551234
CHANNEL = "C0CHECK"


def _settings(tmp_path: Path, sim: KisSimHandle, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "kis_simulator_rest_url": sim.rest_url,
        "kis_simulator_ws_url": sim.ws_url,
        "kis_app_key": sim.app_key,
        "kis_app_secret": sim.app_secret,
        "kis_account": sim.account,
        "kis_hts_id": sim.hts_id,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _channels(telegram: FakeTelegram, slack: FakeSlack) -> dict[str, Any]:
    return {
        "telegram_bot_token": telegram.token,
        "telegram_api_url": telegram.base_url,
        "telegram_chat_id": CHAT,
        "slack_bot_token": slack.token,
        "slack_api_url": slack.base_url,
        "slack_channel": CHANNEL,
    }


async def test_check_passes_every_item_and_sends_one_test_message_per_channel(
    tmp_path: Path, kis_sim: KisSimHandle, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    settings = _settings(tmp_path, kis_sim, **_channels(telegram_server, slack_server))

    lines = await run_checks(settings)

    assert [line.ok for line in lines] == [True, True, True, True]
    assert "100,000,000원" in lines[1].text()
    assert all(line.text().startswith("✅ ") for line in lines)
    assert [m["text"] for m in telegram_server.sent(CHAT)] == [ko.CHECK_TEST_MESSAGE]
    assert [m["text"] for m in slack_server.posted(CHANNEL)] == [ko.CHECK_TEST_MESSAGE]


async def test_check_names_what_failed_with_a_reason(
    tmp_path: Path, kis_sim: KisSimHandle, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    telegram_server.blocked_chats.add(CHAT)
    slack_server.faults.next(Fault.SERVER_ERROR, 10)
    settings = _settings(
        tmp_path, kis_sim, kis_app_secret="x" * 180, **_channels(telegram_server, slack_server)
    )

    lines = await run_checks(settings)

    assert [line.ok for line in lines] == [False, False, False, False]
    assert all(line.text().startswith("❌ ") and "(" in line.text() for line in lines)
    assert "x" * 20 not in "".join(line.text() for line in lines)  # the secret is masked


@pytest.mark.usefixtures("monkeypatch")
def test_check_command_exits_non_zero_when_nothing_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("HANTU_KIS_APP_KEY", "HANTU_TELEGRAM_BOT_TOKEN", "HANTU_SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HANTU_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(app, ["check"])

    assert result.exit_code == 1
    assert ko.CHECK_FAILED.format(item=ko.CHECK_NO_CHANNEL, reason="-") in result.output
    assert ko.CHECK_NO_ACCOUNT in result.output


async def test_check_covers_every_stored_broker_account(
    tmp_path: Path, kis_sim: KisSimHandle, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    settings = _settings(tmp_path, kis_sim, **_channels(telegram_server, slack_server))
    async with build(settings).accounts_only() as accounts:
        user = await accounts_service.create_user(accounts, "alice", "correct-horse-battery")
        await accounts_service.add_broker_account(
            accounts,
            user.id,
            NewBrokerAccount(
                "main", "SIMULATOR", kis_sim.app_key, kis_sim.app_secret, kis_sim.account, "h"
            ),
            check_keys=False,  # the command checks them itself
        )

    lines = await cli_check._run(settings)

    assert [line.ok for line in lines] == [True] * 6  # .env's account, the stored one, 2 channels
    assert lines[2].item.startswith(ko.CHECK_KIS_ACCESS.format(account="main ("))
