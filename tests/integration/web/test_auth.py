"""Login, logout, rate limiting, CSRF and session scoping (both databases)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from hantu import messages_ko as ko
from hantu.domain.accounts import token_digest
from tests.integration.web.conftest import PASSWORD, Member, WebClient


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


def _copy_of(web: WebClient, source: httpx.AsyncClient) -> httpx.AsyncClient:
    copy = web.client()
    copy.cookies = httpx.Cookies(source.cookies)
    return copy


async def test_logout_refuses_a_cookie_copied_before(web: WebClient) -> None:
    member = await web.member("alice")
    stolen = _copy_of(web, member.client)
    assert (await stolen.get("/api/strategies")).status_code == 200

    await member.client.post("/logout", data={"csrf_token": member.csrf})

    assert (await stolen.get("/api/strategies")).status_code == 401
    assert await web.count("web_sessions") == 0


async def test_session_stores_only_a_digest_of_its_id(web: WebClient) -> None:
    member = await web.member("alice")
    cookie = member.client.cookies["hantu_session"]
    session_id = json.loads(base64.b64decode(cookie.split(".")[0] + "==="))["sid"]

    stored = await web.scalar("SELECT token_digest FROM web_sessions")

    assert stored == token_digest(session_id)
    assert session_id not in stored


async def test_session_past_its_age_is_refused_by_the_server(web: WebClient) -> None:
    member = await web.member("alice")

    web.clock.advance(12 * 3600 + 1)

    assert (await member.client.get("/api/strategies")).status_code == 401


async def _change_password(member: Member, current: str, new: str) -> httpx.Response:
    body = {"current_password": current, "new_password": new}
    return await member.client.post("/api/password", json=body, headers=member.headers())


async def test_password_change_ends_the_other_sessions_and_keeps_this_one(web: WebClient) -> None:
    member = await web.member("alice")
    laptop = web.client()
    assert (await web.login(laptop, "alice", PASSWORD)).status_code == 303
    stolen = _copy_of(web, member.client)  # a copy of the session that changes the password

    response = await _change_password(member, PASSWORD, "new-horse-battery")

    assert response.status_code == 200, response.text
    assert response.json()["message"] == ko.PASSWORD_CHANGED
    assert (await member.client.get("/api/strategies")).status_code == 200
    assert (await laptop.get("/api/strategies")).status_code == 401
    assert (await stolen.get("/api/strategies")).status_code == 200  # the same session id
    assert (await web.login(web.client(), "alice", PASSWORD)).status_code == 401
    assert (await web.login(web.client(), "alice", "new-horse-battery")).status_code == 303


async def test_password_change_with_wrong_current_answers_400_and_changes_nothing(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    laptop = web.client()
    await web.login(laptop, "alice", PASSWORD)

    response = await _change_password(member, "not-my-password", "new-horse-battery")

    assert response.status_code == 400
    assert response.json()["error"] == ko.PASSWORD_CURRENT_WRONG
    assert (await laptop.get("/api/strategies")).status_code == 200
    assert (await web.login(web.client(), "alice", PASSWORD)).status_code == 303


async def test_password_change_too_short_answers_400(web: WebClient) -> None:
    member = await web.member("alice")

    response = await _change_password(member, PASSWORD, "short")

    assert response.status_code == 400
    assert response.json()["error"] == "비밀번호는 8-256자여야 합니다"


async def test_password_change_without_csrf_answers_403(web: WebClient) -> None:
    member = await web.member("alice")
    body = {"current_password": PASSWORD, "new_password": "new-horse-battery"}

    response = await member.client.post("/api/password", json=body)

    assert response.status_code == 403
    assert (await web.login(web.client(), "alice", PASSWORD)).status_code == 303


async def test_password_form_changes_the_password_and_ends_the_other_sessions(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    laptop = web.client()
    await web.login(laptop, "alice", PASSWORD)
    csrf = await web.csrf_of(member.client, "/password")
    form = {"current_password": PASSWORD, "new_password": "new-horse-battery", "csrf_token": csrf}

    response = await member.client.post("/password", data=form)

    assert response.status_code == 200
    assert ko.PASSWORD_CHANGED in response.text
    assert (await laptop.get("/positions")).headers.get("location") == "/login"
    assert (await member.client.get("/positions")).status_code == 200


async def test_password_form_wrong_current_shows_the_error(web: WebClient) -> None:
    member = await web.member("alice")
    csrf = await web.csrf_of(member.client, "/password")
    form = {"current_password": "nope-nope-nope", "new_password": "new-horse-battery"}

    response = await member.client.post("/password", data={**form, "csrf_token": csrf})
    forged = await member.client.post("/password", data={**form, "current_password": PASSWORD})

    assert response.status_code == 400
    assert ko.PASSWORD_CURRENT_WRONG in response.text
    assert forged.status_code == 403
    assert (await web.login(web.client(), "alice", PASSWORD)).status_code == 303


async def test_password_page_without_session_redirects_to_login(web: WebClient) -> None:
    response = await web.client().get("/password")

    assert response.status_code == 303
    assert response.headers["location"] == "/login"


async def test_login_over_a_session_ends_the_old_one(web: WebClient) -> None:
    member = await web.member("alice")
    before = _copy_of(web, member.client)

    assert (await web.login(member.client, "alice", PASSWORD)).status_code == 303

    assert (await before.get("/api/strategies")).status_code == 401
    assert (await member.client.get("/api/strategies")).status_code == 200
    assert await web.count("web_sessions") == 1
