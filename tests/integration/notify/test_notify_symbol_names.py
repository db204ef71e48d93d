"""Notification texts show a symbol once: `삼성전자 005930` when a name is known, else the code."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hantu.adapters.db.notify_store import SqlNotifyStore
from hantu.domain.notifications import EventKind, Priority
from hantu.domain.values import Symbol
from hantu.service_layer.notify_delivery import compose
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.inprocess_broker import Refuse
from tests.integration.notify.test_notify_routing import ADMIN, app_with, telegram_settings
from tests.integration.notify.test_notify_wiring import _until
from tests.integration.web.conftest import signal


class Directory:
    """Knows one name, as the broker's symbol directory would."""

    async def names(self, symbols: Iterable[Symbol]) -> Mapping[Symbol, str]:
        return {s: "삼성전자" for s in symbols if str(s) == "005930"}

    async def resolve(self, text: str) -> list[Symbol]:
        return []


async def test_a_failed_order_is_told_at_once_with_its_symbol_side_quantity_and_reason(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with app_with(database_url, tmp_path, **telegram_settings(telegram_server, ADMIN)) as web:
        member = await web.member("alice")
        web.broker.script(Refuse())
        response = await web.webhook(signal(member.token, quantity="7", id="refused-7"))
        assert response.status_code == 400, response.text
        await _until(lambda: len(telegram_server.sent(ADMIN)) == 1)

        db = web.app.state.runtime.app.db
        async with db.connect() as connection:
            rows = await connection.execute(
                text("SELECT payload, dedupe_key FROM outbox WHERE kind = 'notify'")
            )
            entries = [(row[0], row[1]) for row in rows]
        named = [
            n
            for payload, key in entries
            if (n := await compose(SqlNotifyStore(db), _json(payload), key, Directory()))
        ]

    (sent,) = telegram_server.sent(ADMIN)
    assert "종목: 005930\n" in sent["text"]  # no name known: the code once
    assert "(005930)" not in sent["text"]
    assert "매수 7주" in sent["text"]
    assert "사유: " in sent["text"]
    (notification,) = named
    assert notification.kind is EventKind.FAILED_ORDER_CREATED
    assert notification.priority in (Priority.EMERGENCY, Priority.HIGH)  # at once, no digest
    assert "종목: 삼성전자 005930\n매수 7주" in notification.body


def _json(raw: object) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else json.loads(str(raw))
