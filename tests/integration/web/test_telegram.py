"""The Telegram bot end to end on both databases: python-telegram-bot against the fake Bot
API, long polling by default; linking, refusals, every command, and /stop in the pipeline."""

from __future__ import annotations

from pathlib import Path

from hantu import messages_ko as ko
from hantu.domain.values import Money, Price, Quantity, StrategyAccountId, Symbol
from tests.builders import a_position
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.inprocess_broker import Accept
from tests.integration.web.conftest import Member, WebClient, signal
from tests.integration.web.telegram_support import (
    CHAT,
    STRANGER,
    bot_app,
    link_code,
    message,
    say,
)


async def _linked(web: WebClient, server: FakeTelegram, name: str = "alice") -> Member:
    member = await web.member(name)
    reply = await say(server, f"/start {await link_code(web, member)}")
    assert reply == ko.TG_LINKED.format(username=name)
    return member


async def test_telegram_start_with_a_valid_code_links_the_chat(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _linked(web, telegram_server)
        state = (await member.client.get("/api/telegram")).json()

        reply = await say(telegram_server, "/help")

    assert state == {"enabled": True, "linked": True, "chat_id": CHAT, "entries_paused": False}
    assert reply == ko.TG_HELP


async def test_telegram_code_wrong_used_or_expired_is_refused_in_korean(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")
        wrong = await say(telegram_server, "/start WRONGCODE")
        code = await link_code(web, member)
        await say(telegram_server, f"/start {code}")
        used = await say(telegram_server, f"/start {code}", chat_id=777, from_id=777)
        late = await link_code(web, member)
        web.clock.advance(601)
        expired = await say(telegram_server, f"/start {late}", chat_id=778, from_id=778)
        replaced = await link_code(web, member)
        await link_code(web, member)  # a newer code makes the earlier one useless
        stale = await say(telegram_server, f"/start {replaced}", chat_id=779, from_id=779)

    assert wrong == used == expired == stale == ko.TG_BAD_CODE


async def test_telegram_other_chat_or_other_sender_is_refused(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        await _linked(web, telegram_server)
        other_chat = await say(telegram_server, "/stop", chat_id=STRANGER, from_id=STRANGER)
        other_sender = await say(telegram_server, "/stop", chat_id=CHAT, from_id=STRANGER)
        status = await say(telegram_server, "/status")

    assert other_chat == ko.TG_NOT_LINKED
    assert other_sender == ko.TG_NOT_YOU
    assert "신규 진입: 허용" in status  # neither refused /stop changed anything


async def test_telegram_commands_answer_in_korean_with_won_and_shares(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _linked(web, telegram_server)
        async with web.app.state.runtime.app.uow() as uow:
            await uow.positions.add(
                a_position(
                    strategy_account_id=StrategyAccountId(member.strategy_account_id),
                    symbol=Symbol("000660"),
                    quantity=Quantity(1234),
                    average_price=Price(70_667),
                    realized_pnl=Money(12_500),
                )
            )
            await uow.commit()
        web.broker.script(Accept(fill_quantity=3))  # 3 of 10 bought at 70,000원
        web.broker.prices[Symbol("005930")] = Price(70_667)  # and now quoted higher
        sent = await web.webhook(signal(member.token, quantity="10", price="70000"))
        assert sent.status_code == 200, sent.text
        replies = {
            command: await say(telegram_server, f"/{command}")
            for command in ("status", "positions", "orders", "balance", "pnl", "nonsense")
        }

    assert replies["positions"].startswith("📈 보유 포지션 (")
    assert "\n000660 1,234주 · 평균 70,667원 · 실현 12,500원" in replies["positions"]
    assert "005930 매수 10주 70,000원 · " in replies["orders"]
    assert "미체결 주문: 1건" in replies["status"]
    assert "실시간 연결: 1/1 정상" in replies["status"]
    assert "신규 진입: 허용" in replies["status"]
    assert replies["balance"] == (
        "💰 잔고\n\nmain (5012****-01)\n예수금 99,790,000원\n주식 평가금액 212,001원\n"
        "총평가 100,002,001원"
    )
    assert replies["pnl"] == "💹 실현손익\n오늘 0원\n누적 0원"
    assert replies["nonsense"] == ko.TG_UNKNOWN


async def test_telegram_stop_blocks_a_buy_and_lets_a_sell_through_until_resume(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _linked(web, telegram_server)
        await web.hold(member.strategy_account_id, 10)
        stopped = await say(telegram_server, "/stop")
        buy = await web.webhook(signal(member.token, id="buy-1"))
        sell = await web.webhook(signal(member.token, side="SELL", quantity="5", id="sell-1"))
        placed_while_paused = len(web.broker.placed)
        resumed = await say(telegram_server, "/resume")
        again = await web.webhook(signal(member.token, id="buy-2"))

    assert stopped == ko.TG_STOPPED
    assert buy.status_code == 400
    assert buy.json()["error"] == ko.REASON_PAUSED
    assert sell.status_code == 200, sell.text
    assert placed_while_paused == 1  # only the sell reached the broker
    assert resumed == ko.TG_RESUMED
    assert again.status_code == 200, again.text


async def test_telegram_long_polling_answers_updates_queued_before_start(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    telegram_server.push_update(message(42, 42, "/help"))
    async with bot_app(database_url, tmp_path, telegram_server):
        reply = await say(telegram_server, "/status", chat_id=42, from_id=42)
        first = telegram_server.sent(42)[0]["text"]

    assert first == reply == ko.TG_NOT_LINKED
    assert telegram_server.calls("deleteWebhook")


async def test_telegram_page_shows_link_state_and_unlinks_with_csrf(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _linked(web, telegram_server)
        page = (await member.client.get("/strategies")).text
        no_csrf_code = await member.client.post("/api/telegram/link-code")
        no_csrf_unlink = await member.client.post("/api/telegram/unlink")
        unlinked = await member.client.post("/api/telegram/unlink", headers=member.headers())
        after = await say(telegram_server, "/status")
        page_after = (await member.client.get("/strategies")).text

    assert ko.TG_UI_TEXT["title"] in page
    assert f"{ko.TG_UI_TEXT['linked']} · {ko.TG_UI_TEXT['chat']} {CHAT}" in page
    assert 'id="telegram-unlink"' in page
    assert (no_csrf_code.status_code, no_csrf_unlink.status_code) == (403, 403)
    assert unlinked.json()["linked"] is False
    assert after == ko.TG_NOT_LINKED
    assert ko.TG_UI_TEXT["not_linked"] in page_after


async def test_telegram_page_says_off_without_a_token(web: WebClient) -> None:
    member = await web.member("alice")

    page = (await member.client.get("/strategies")).text
    code = await member.client.post("/api/telegram/link-code", headers=member.headers())

    assert ko.TG_UI_TEXT["off"] in page
    assert code.status_code == 404
