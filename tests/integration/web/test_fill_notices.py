"""Fill notices streamed by a stored broker account's broker reach that account's orders."""

from __future__ import annotations

import asyncio

from tests.integration.web.conftest import WebClient, signal


async def test_a_streamed_fill_notice_is_applied_under_its_broker_account(web: WebClient) -> None:
    member = await web.member("alice")
    response = await web.webhook(signal(member.token, quantity="10"))
    assert response.status_code == 200, response.text
    broker_id = web.broker.placed[0].broker_order_id

    web.broker.fill(broker_id, 10)  # streamed to the follower the broker was made with
    for _ in range(200):
        if await web.scalar("SELECT status FROM orders") == "FILLED":
            break
        await asyncio.sleep(0.02)

    assert await web.scalar("SELECT status FROM orders") == "FILLED"
    account = await web.scalar("SELECT broker_account FROM fills")
    claimed = await web.scalar("SELECT broker_account FROM broker_order_claims")
    assert account == claimed
    assert str(account).startswith("broker_account:")
