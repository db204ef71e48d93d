"""Login, logout, rate limiting, CSRF and session scoping (both databases)."""

from __future__ import annotations

import pytest

from hantu import messages_ko as ko
from tests.integration.web.conftest import PASSWORD, WebClient


async def test_login_right_password_opens_a_session(web: WebClient) -> None:
    member = await web.member("alice")

    response = await member.client.get("/api/strategies")

    assert response.status_code == 200
    assert [s["name"] for s in response.json()["strategies"]] == ["alpha"]


async def test_login_wrong_password_answers_401_with_message(web: WebClient) -> None:
    await web.member("alice")
    client = web.client()

    response = await web.login(client, "alice", "wrong-password")

    assert response.status_code == 401
    assert ko.LOGIN_FAILED in response.text
    assert (await client.get("/api/strategies")).status_code == 401


async def test_login_unknown_user_answers_like_a_wrong_password(web: WebClient) -> None:
    client = web.client()

    response = await web.login(client, "nobody", "whatever-password")

    assert response.status_code == 401
    assert ko.LOGIN_FAILED in response.text


async def test_login_after_five_failures_is_refused_until_the_window_passes(
    web: WebClient,
) -> None:
    await web.member("alice")
    client = web.client()
    for _ in range(5):
        assert (await web.login(client, "alice", "bad-password")).status_code == 401

    blocked = await web.login(client, "alice", PASSWORD)
    web.clock.advance(301)
    allowed = await web.login(client, "alice", PASSWORD)

    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers
    assert allowed.status_code == 303


async def test_login_form_without_csrf_token_answers_403(web: WebClient) -> None:
    await web.member("alice")
    client = web.client()
    await client.get("/login")

    response = await client.post("/login", data={"username": "alice", "password": PASSWORD})

    assert response.status_code == 403
    assert ko.CSRF_FAILED in response.text


async def test_login_stores_an_argon2_hash_not_the_password(web: WebClient) -> None:
    await web.member("alice")

    stored = await web.scalar("SELECT password_hash FROM users WHERE username = 'alice'")

    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_logout_ends_the_session(web: WebClient) -> None:
    member = await web.member("alice")

    response = await member.client.post("/logout", data={"csrf_token": member.csrf})

    assert response.status_code == 303
    assert (await member.client.get("/api/strategies")).status_code == 401


async def test_logout_without_csrf_answers_403_and_keeps_the_session(web: WebClient) -> None:
    member = await web.member("alice")

    response = await member.client.post("/logout")

    assert response.status_code == 403
    assert (await member.client.get("/api/strategies")).status_code == 200


@pytest.mark.parametrize("header", [None, "", "forged-token"])
async def test_csrf_missing_or_wrong_token_answers_403_with_message(
    web: WebClient, header: str | None
) -> None:
    member = await web.member("alice")
    headers = {} if header is None else {"X-CSRF-Token": header}

    response = await member.client.post("/api/strategies", json={"name": "x"}, headers=headers)

    assert response.status_code == 403
    assert response.json() == {"success": False, "error": ko.CSRF_FAILED}
    assert len((await member.client.get("/api/strategies")).json()["strategies"]) == 1


async def test_csrf_token_of_another_session_answers_403(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob")

    response = await bob.client.post("/api/strategies", json={"name": "x"}, headers=alice.headers())

    assert response.status_code == 403


async def test_pages_without_session_redirect_to_login(web: WebClient) -> None:
    client = web.client()

    # "/" leads to the positions page, which (like every page) sends a stranger to log in.
    for path, target in (("/positions", "/login"), ("/strategies", "/login"), ("/", "/positions")):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == target


async def test_session_cookie_is_http_only_and_same_site(web: WebClient) -> None:
    client = web.client()

    response = await client.get("/login")

    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
