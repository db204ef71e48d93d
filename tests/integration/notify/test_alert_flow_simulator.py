"""ALERT mode end to end over real sockets, on both databases: a TradingView webhook becomes
an alert, the fake Telegram Bot API carries its ✅/❌ message, a press places the order on the
KIS simulator through the real KisBroker, and the message is edited with the order and again
with the fill notice the simulator pushes over its WebSocket."""

from __future__ import annotations

from pathlib import Path

from hantu.messages_ko import alerts as ako
from hantu.simulator.matching import SimOrder
from tests.fakes import FakeClock
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.fixtures.kis_simulator import KisSimHandle
from tests.integration.notify.alert_desk import (
    APPROVE,
    REJECT,
    alert_desk,
    alert_message,
    buttons_gone,
    buttons_of,
    edits_of,
    handled,
    labels_of,
    press,
    said,
    text_now,
    tradingview_body,
    until,
)
from tests.integration.web.telegram_support import STRANGER


def _orders(sim: KisSimHandle) -> list[SimOrder]:
    return sim.engine.orders_of(sim.account_obj)


async def test_alert_approved_on_telegram_orders_on_the_simulator_and_edits_twice(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 70_000)
    async with alert_desk(database_url, tmp_path, telegram_server, kis_sim) as desk:
        member = await desk.member("alice")
        answer = await desk.webhook(tradingview_body(member.token, "tv-1", price="69900"))
        alert_id = answer.json()["alert_id"]
        message = await alert_message(desk, alert_id)
        orders_before_press = len(_orders(kis_sim))
        pressed = press(telegram_server, message, buttons_of(message)[APPROVE])
        await until(lambda: pressed in telegram_server.answered_callbacks, "the press answered")
        placed = await until(lambda: _orders(kis_sim), "the order at the simulator")
        placed_text = await until(
            lambda: (
                "주문 접수" in text_now(telegram_server, message)
                and text_now(telegram_server, message)
            ),
            "the order edit",
        )
        kis_sim.feed.set_price("005930", 69_900)  # a trade reaches the resting limit: filled
        filled_text = await until(
            lambda: (
                "체결 완료" in text_now(telegram_server, message)
                and text_now(telegram_server, message)
            ),
            "the fill edit",
        )
        again = press(telegram_server, message, buttons_of(message)[APPROVE])  # a double tap
        await handled(telegram_server)
        status = await desk.scalar("SELECT status FROM alerts WHERE id = :i", i=alert_id)
        order = await desk.rows("SELECT status, broker_order_id FROM orders")

    assert answer.status_code == 200, answer.text
    assert answer.json()["success"] is True
    assert answer.json()["status"] == "pending_approval"
    assert labels_of(message) == [ako.APPROVE_BUTTON, ako.REJECT_BUTTON]
    assert "005930" in message["text"]
    assert "69,900원" in message["text"]
    assert orders_before_press == 0
    assert [(o.symbol, o.qty, o.price) for o in placed] == [("005930", 10, 69_900)]
    assert f"주문번호 {placed[0].odno}" in placed_text
    assert "10주 @ 69,900원" in placed_text
    assert "✅ 체결 완료: 삼성전자 69,900원 × 10주" in filled_text
    assert [e for e in edits_of(telegram_server, message) if "주문 접수" in e]
    assert "체결 완료" in edits_of(telegram_server, message)[-1]
    assert buttons_gone(telegram_server, message)
    assert again in telegram_server.answered_callbacks
    assert "✅ 체결 완료: 삼성전자 69,900원 × 10주" in text_now(telegram_server, message)
    assert status == "EXECUTED"
    assert order == [("FILLED", placed[0].odno)]
    assert len(_orders(kis_sim)) == 1


def _answer_text(server: FakeTelegram, press_id: str) -> str | None:
    texts = [
        call.params.get("text")
        for call in server.calls("answerCallbackQuery")
        if call.params.get("callback_query_id") == press_id
    ]
    assert len(texts) == 1, f"press {press_id} answered {len(texts)} times"
    return None if texts[0] is None else str(texts[0])


async def test_alert_rejected_on_telegram_edits_the_message_and_orders_nothing(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 70_000)
    async with alert_desk(database_url, tmp_path, telegram_server, kis_sim) as desk:
        member = await desk.member("alice")
        alert_id = await desk.alert_of(member, "tv-1")
        message = await alert_message(desk, alert_id)
        buttons = buttons_of(message)
        rejected = press(telegram_server, message, buttons[REJECT])
        await until(lambda: ako.REJECTED in text_now(telegram_server, message), "the edit")
        late = press(telegram_server, message, buttons[APPROVE])  # a stale ✅ after ❌
        await handled(telegram_server)
        status = await desk.scalar("SELECT status FROM alerts WHERE id = :i", i=alert_id)
        decided_via = await desk.scalar("SELECT decided_via FROM alerts WHERE id = :i", i=alert_id)
        orders = await desk.count("orders")

    assert rejected in telegram_server.answered_callbacks
    assert status == "REJECTED"
    assert decided_via == "telegram"
    assert orders == 0
    assert _orders(kis_sim) == []
    assert late in telegram_server.answered_callbacks
    assert ako.REJECTED in edits_of(telegram_server, message)[0]
    assert buttons_gone(telegram_server, message)


async def test_alert_forged_or_foreign_presses_are_refused_and_the_genuine_one_still_works(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 70_000)
    async with alert_desk(database_url, tmp_path, telegram_server, kis_sim) as desk:
        member = await desk.member("alice")
        alert_id = await desk.alert_of(member, "tv-1")
        message = await alert_message(desk, alert_id)
        genuine = buttons_of(message)[APPROVE]
        chat = message["chat"]["id"]
        refused = {
            "forged signature": press(telegram_server, message, genuine[:-2] + "AA"),
            "guessed id": press(telegram_server, message, "a" + alert_id),
            "stranger's chat": press(
                telegram_server, message, genuine, chat_id=STRANGER, from_id=STRANGER
            ),
            "stranger in our chat": press(telegram_server, message, genuine, from_id=STRANGER),
        }
        await until(
            lambda: set(refused.values()) <= telegram_server.answered_callbacks, "every answer"
        )
        status_after_refusals = await desk.scalar(
            "SELECT status FROM alerts WHERE id = :i", i=alert_id
        )
        orders_after_refusals = len(_orders(kis_sim))
        edits_after_refusals = edits_of(telegram_server, message)
        accepted = press(telegram_server, message, genuine, chat_id=chat)
        await until(lambda: said(telegram_server, message, "주문 접수"), "the order edit")

    answers = {why: _answer_text(telegram_server, press_id) for why, press_id in refused.items()}
    assert answers == {
        "forged signature": ako.NOT_FOUND,
        "guessed id": ako.NOT_FOUND,
        "stranger's chat": ako.NOT_LINKED,
        "stranger in our chat": ako.NOT_LINKED,
    }
    assert status_after_refusals == "PENDING"
    assert orders_after_refusals == 0
    assert edits_after_refusals == []
    assert _answer_text(telegram_server, accepted) is None  # the spinner stops, no toast
    assert len(_orders(kis_sim)) == 1


async def test_alert_restart_keeps_a_pending_alert_approvable_and_edits_one_expired_while_down(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 70_000)
    clock = FakeClock()
    quiet = {"alert_sweep_seconds": 3600}  # only the sweep at start runs
    async with alert_desk(
        database_url, tmp_path, telegram_server, kis_sim, clock=clock, **quiet
    ) as desk:
        member = await desk.member("alice")
        old_id = await desk.alert_of(member, "tv-old")
        old = await alert_message(desk, old_id)
        clock.advance(4 * 60)
        fresh_id = await desk.alert_of(member, "tv-new")
        fresh = await alert_message(desk, fresh_id)
    clock.advance(61)  # down for a minute: the old alert's 5 minutes end meanwhile
    async with alert_desk(
        database_url, tmp_path, telegram_server, kis_sim, clock=clock, **quiet
    ) as desk:
        await until(lambda: ako.EXPIRED in text_now(telegram_server, old), "the expiry edit")
        late = press(telegram_server, old, buttons_of(old)[APPROVE])
        await until(lambda: late in telegram_server.answered_callbacks, "the late press answer")
        press(telegram_server, fresh, buttons_of(fresh)[APPROVE])
        await until(lambda: said(telegram_server, fresh, "주문 접수"), "the approval edit")
        statuses = dict(await desk.rows("SELECT id, status FROM alerts"))

    assert ako.expired(5) == ako.EXPIRED
    assert buttons_gone(telegram_server, old)
    assert statuses == {old_id: "EXPIRED", fresh_id: "EXECUTED"}
    assert [o.qty for o in _orders(kis_sim)] == [10]
    assert ako.EXPIRED in edits_of(telegram_server, old)[-1]


async def test_alert_decided_on_the_web_edits_its_telegram_message_and_removes_the_buttons(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 70_000)
    async with alert_desk(database_url, tmp_path, telegram_server, kis_sim) as desk:
        member = await desk.member("alice")
        approved = (await desk.webhook(tradingview_body(member.token, "tv-1"))).json()
        rejected = (await desk.webhook(tradingview_body(member.token, "tv-2"))).json()
        approved_message = await alert_message(desk, approved["alert_id"])
        rejected_message = await alert_message(desk, rejected["alert_id"])

        decisions = ((approved["alert_id"], "approve"), (rejected["alert_id"], "reject"))
        for alert_id, action in decisions:
            answer = await member.client.post(
                f"/api/alerts/{alert_id}/{action}", headers=member.headers()
            )
            assert answer.status_code == 200, answer.text

        await until(lambda: said(telegram_server, approved_message, "주문 접수"), "the approval")
        await until(lambda: said(telegram_server, rejected_message, ako.REJECTED), "the rejection")
        assert buttons_gone(telegram_server, approved_message)
        assert buttons_gone(telegram_server, rejected_message)
        assert len(_orders(kis_sim)) == 1
