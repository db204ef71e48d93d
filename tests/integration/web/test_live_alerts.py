"""Alert notices on `GET /api/v1/live`: a webhook in ALERT mode tells its owner, no one else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hantu.domain.accounts import UserId
from hantu.service_layer import account_settings
from hantu.service_layer import accounts as accounts_service
from tests.integration.web.live_support import LiveServer, Trader, live_server


@pytest.fixture
async def live(database_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    running = live_server(database_url, tmp_path)
    try:
        yield running
    finally:
        await running.close()
        running.server.stop()


def _alert_mode(live: LiveServer, trader: Trader) -> None:
    runtime = live.server.runtime
    assert runtime is not None
    accounts = runtime.state.accounts

    async def switch() -> None:
        (strategy,) = await accounts_service.list_strategies(accounts, UserId(trader.user_id))
        await account_settings.set_alert_mode(
            accounts, UserId(trader.user_id), strategy.id, mode="ALERT"
        )

    live.server.run(switch)


async def test_live_alert_from_webhook_reaches_its_owner_only(live: LiveServer) -> None:
    alice, bob = await live.trader("alice"), await live.trader("bob")
    _alert_mode(live, alice)
    async with alice.stream() as a_stream, bob.stream() as b_stream:
        await a_stream.until("ready")
        await b_stream.until("ready")
        answer = await live.webhook(alice.token)
        assert answer.status_code == 200, answer.text
        notice = await a_stream.next(3.0)
        assert notice.data["topic"] == "alert"
        assert notice.data["kind"] == "created"
        assert notice.data["alert_id"]
        assert await b_stream.nothing_for(0.5)
    assert live.broker.placed == []  # ALERT mode: no order until someone approves
