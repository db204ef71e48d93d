"""Broker accounts, strategies and the ownership chain (both databases)."""

from __future__ import annotations

import asyncio

import pytest

from hantu import messages_ko as ko
from tests.inprocess_broker import Refuse
from tests.integration.web.conftest import WebClient, signal

SECRET = "S3cretValue" * 16
APP_KEY = "PSappkey" + "Z" * 28


def broker_account_body(name: str = "paper") -> dict[str, str]:
    return {
        "name": name,
        "environment": "paper",
        "app_key": APP_KEY,
        "app_secret": SECRET,
        "account_number": "50887766-01",
        "hts_id": "myhts",
    }


async def test_broker_account_secrets_are_encrypted_and_never_returned(web: WebClient) -> None:
    member = await web.member("alice")

    created = await member.client.post(
        "/api/broker-accounts", json=broker_account_body(), headers=member.headers()
    )
    listed = await member.client.get("/api/broker-accounts")
    page = await member.client.get("/strategies")

    assert created.status_code == 201, created.text
    assert created.json()["broker_account"]["account_hint"] == "5088****-01"
    for text in (created.text, listed.text, page.text):
        assert SECRET not in text
        assert APP_KEY not in text
        assert "50887766" not in text
    stored = await web.scalar(
        "SELECT app_secret_enc || app_key_enc || account_number_enc FROM broker_accounts "
        "WHERE name = 'paper'"
    )
    assert SECRET not in stored
    assert APP_KEY not in stored
    assert "50887766" not in stored


async def test_broker_account_bad_account_number_answers_400(web: WebClient) -> None:
    member = await web.member("alice")
    body = {**broker_account_body(), "account_number": "1234"}

    response = await member.client.post("/api/broker-accounts", json=body, headers=member.headers())

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"] == ko.INVALID_VALUE_TEXT["account_number"]
    assert "계좌번호는 숫자 8자리-2자리" in response.json()["error"]


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"name": ""}, "1자 이상이어야 합니다"),
        ({"hts_id": "h" * 17}, "16자 이하여야 합니다"),
        ({"app_key": 5}, "문자열이어야 합니다"),
        ({"environment": None}, "값이 없습니다"),
    ],
)
async def test_broker_account_form_errors_are_said_in_korean(
    web: WebClient, overrides: dict[str, object], said: str
) -> None:
    member = await web.member("alice")
    body = {k: v for k, v in {**broker_account_body(), **overrides}.items() if v is not None}

    response = await member.client.post("/api/broker-accounts", json=body, headers=member.headers())

    assert response.status_code == 422, response.text
    assert response.json()["error"].endswith(said)
    assert "should" not in response.json()["error"]


async def test_strategy_token_is_stored_as_digest_and_ciphertext_only(web: WebClient) -> None:
    member = await web.member("alice")

    digest, encrypted = (
        await web.scalar("SELECT token_digest FROM strategies"),
        await web.scalar("SELECT token_enc FROM strategies"),
    )

    assert member.token not in digest
    assert member.token not in encrypted
    assert len(digest) == 64


async def test_strategy_page_shows_webhook_url_token_and_template(web: WebClient) -> None:
    member = await web.member("alice")

    listed = (await member.client.get("/api/strategies")).json()["strategies"][0]

    assert listed["token"] == member.token
    assert listed["webhook_url"].endswith("/api/webhook")
    assert member.token in listed["message_template"]
    assert "{{strategy.order.action}}" in listed["message_template"]


async def test_strategy_duplicate_name_answers_409(web: WebClient) -> None:
    member = await web.member("alice")

    response = await member.client.post(
        "/api/strategies", json={"name": "alpha"}, headers=member.headers()
    )

    assert response.status_code == 409
    assert response.json()["error"] == ko.STRATEGY_NAME_TAKEN


async def test_ownership_linking_another_users_account_answers_404(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob")

    response = await bob.client.post(
        f"/api/strategies/{bob.strategy_id}/accounts",
        json={"broker_account_id": alice.broker_account_id},
        headers=bob.headers(),
    )
    into_theirs = await bob.client.post(
        f"/api/strategies/{alice.strategy_id}/accounts",
        json={"broker_account_id": bob.broker_account_id},
        headers=bob.headers(),
    )

    assert response.status_code == 404
    assert into_theirs.status_code == 404


async def test_ownership_failed_orders_of_another_user_answer_404(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob")
    web.broker.script(Refuse())
    refused = await web.webhook(signal(alice.token))
    failed_id = refused.json()["failed_order_id"]

    listed = await bob.client.get("/api/failed-orders")
    filtered = await bob.client.get(
        "/api/failed-orders", params={"strategy_account_id": alice.strategy_account_id}
    )
    retried = await bob.client.post(f"/api/failed-orders/{failed_id}/retry", headers=bob.headers())
    removed = await bob.client.delete(f"/api/failed-orders/{failed_id}", headers=bob.headers())

    assert listed.json()["orders"] == []
    assert filtered.status_code == 404
    assert retried.status_code == 404
    assert removed.status_code == 404
    still = await alice.client.get("/api/failed-orders")
    assert [o["id"] for o in still.json()["orders"]] == [failed_id]
    assert web.broker.place_calls == 1


async def test_ownership_strategy_accounts_list_only_own(web: WebClient) -> None:
    alice = await web.member("alice")
    await web.member("bob")

    listed = (await alice.client.get("/api/strategy-accounts")).json()["strategy_accounts"]

    assert [row["id"] for row in listed] == [alice.strategy_account_id]


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL has no process write lock
async def test_signed_in_pages_read_without_waiting_for_order_writes(web: WebClient) -> None:
    # Reads (the session's user, strategies) must not queue behind SQLite's write lock,
    # which every order and fill write holds for its whole transaction.
    member = await web.member("reader")
    lock = web.app.state.runtime.app.db.write_lock
    assert lock is not None
    await lock.acquire()  # as a long order write would
    try:
        page = await asyncio.wait_for(member.client.get("/strategies"), 5)
    finally:
        lock.release()

    assert page.status_code == 200
    assert "alpha" in page.text
