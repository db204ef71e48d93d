"""The fake Bot API's other methods, driven through python-telegram-bot as the bot code will."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict

from hantu.adapters.notify.telegram import make_bot
from tests.fakes_remote.telegram_server import BOT_ID, FakeTelegram

CHAT = 511223344
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("✅ 승인", callback_data="al:42:ok"),
            InlineKeyboardButton("❌ 거절", callback_data="al:42:no"),
        ]
    ]
)


def a_text(message_id: int, text: str) -> dict[str, object]:
    chat = {"id": CHAT, "type": "private", "first_name": "민지"}
    return {"message_id": message_id, "date": 1767571200, "chat": chat, "text": text}


@pytest.fixture
async def bot(telegram_server: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(telegram_server.token, telegram_server.base_url, 2) as made:
        yield made


async def test_fake_telegram_get_me_answers_the_bot(bot: Bot) -> None:
    me = await bot.get_me()

    assert me.id == BOT_ID
    assert me.is_bot


async def test_fake_telegram_edit_replaces_text_and_drops_the_keyboard(
    bot: Bot, telegram_server: FakeTelegram
) -> None:
    sent = await bot.send_message(CHAT, "매수 신호", reply_markup=KEYBOARD)

    edited = await bot.edit_message_text("승인됨", chat_id=CHAT, message_id=sent.message_id)

    assert sent.reply_markup == KEYBOARD
    assert edited.text == "승인됨"
    assert edited.reply_markup is None
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("승인됨", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)


async def test_fake_telegram_callback_answered_once(bot: Bot) -> None:
    assert await bot.answer_callback_query("5120044978320117431", text="처리 중")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("5120044978320117431")


async def test_fake_telegram_get_updates_confirms_by_offset(
    bot: Bot, telegram_server: FakeTelegram
) -> None:
    first = telegram_server.push_update({"message": a_text(1, "/start")})
    second = telegram_server.push_update({"message": a_text(2, "/status")})

    both = await bot.get_updates()
    rest = await bot.get_updates(offset=second["update_id"])

    assert [u.update_id for u in both] == [first["update_id"], second["update_id"]]
    assert [u.update_id for u in rest] == [second["update_id"]]


async def test_fake_telegram_webhook_delivery_carries_the_secret_header(
    bot: Bot, telegram_server: FakeTelegram
) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/telegram", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/telegram"
    try:
        assert await bot.set_webhook(url, secret_token="s3cret-Token_1")
        update = telegram_server.push_update({"callback_query": {"id": "1", "data": "al:42:ok"}})
        await asyncio.wrap_future(telegram_server.deliveries[-1])
        info = await bot.get_webhook_info()
        with pytest.raises(Conflict):
            await bot.get_updates()
    finally:
        await runner.cleanup()

    assert info.url == url
    assert received == [("s3cret-Token_1", update)]
    assert telegram_server.webhook_answers == [200]
