"""The monitor's API and panel on both databases: a signed-in user sees and controls it (CSRF
on changes) and sees only their own positions; the local admin token works from loopback only
and sees every position."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import text as sa_text

from hantu.adapters.local_token import HEADER
from hantu.messages_ko import monitor_panel as text
from tests.integration.web.conftest import WebClient, running_app


def _token(web: WebClient) -> str:
    runtime = web.app.state.runtime.app.monitor_runtime
    assert runtime is not None
    return str(runtime.local_token)


def _client_from(web: WebClient, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=web.app, client=(host, 40000))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    web.clients.append(client)
    return client


async def test_monitor_api_shows_state_and_own_positions_and_obeys_start_stop(
    web: WebClient,
) -> None:
    alice, bob = await web.member("alice"), await web.member("bob", strategy="beta")
    await web.hold(alice.strategy_account_id, 10)
    await web.hold(bob.strategy_account_id, 3, symbol="000660")

    anonymous = await web.client().get("/api/monitor")
    assert anonymous.status_code == 401

    refused = await alice.client.post("/api/monitor/restart")  # no CSRF header
    assert refused.status_code == 403
    restarted = await alice.client.post("/api/monitor/restart", headers=alice.headers())
    assert restarted.status_code == 200, restarted.text
    body = restarted.json()
    assert body["message"] == text.MONITOR_RESTARTED
    assert body["running"] is True
    assert body["state"] == "monitoring"  # the in-process broker has no stream to wait for
    assert body["state_label"] == "모니터링 중"
    (position,) = body["positions"]  # alice's only
    assert (position["symbol"], position["quantity"]) == ("005930", "10")
    assert position["protection"] == "none"  # no stream and no poller behind this broker
    assert position["last_tick_label"] == text.NO_TICK_YET
    assert (position["best_bid"], position["best_bid_label"]) == (None, text.NO_BOOK)  # no book

    stopped = await alice.client.post("/api/monitor/stop", headers=alice.headers())
    assert stopped.status_code == 200
    assert (stopped.json()["running"], stopped.json()["state"]) == (False, "idle")
    seen_by_bob = (await bob.client.get("/api/monitor")).json()
    assert seen_by_bob["running"] is False
    assert seen_by_bob["changed_by"] == "person"
    assert [p["symbol"] for p in seen_by_bob["positions"]] == ["000660"]

    started = await bob.client.post("/api/monitor/start", headers=bob.headers())
    assert started.json()["running"] is True
    assert started.json()["message"] == text.MONITOR_STARTED


async def test_local_token_is_taken_from_loopback_only_and_sees_every_position(
    web: WebClient,
) -> None:
    alice, bob = await web.member("alice"), await web.member("bob", strategy="beta")
    await web.hold(alice.strategy_account_id, 10)
    await web.hold(bob.strategy_account_id, 3, symbol="000660")
    token = _token(web)
    local = _client_from(web, "127.0.0.1")

    restarted = await local.post("/api/monitor/restart", headers={HEADER: token})  # no CSRF
    assert restarted.status_code == 200, restarted.text
    assert sorted(p["symbol"] for p in restarted.json()["positions"]) == ["000660", "005930"]

    wrong = await local.get("/api/monitor", headers={HEADER: "not-the-token"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == text.LOCAL_TOKEN_WRONG

    remote = await _client_from(web, "203.0.113.7").post(
        "/api/monitor/stop", headers={HEADER: token}
    )
    assert remote.status_code == 403
    assert remote.json()["error"] == text.LOCAL_TOKEN_REMOTE
    proxied = await local.post(
        "/api/monitor/stop", headers={HEADER: token, "X-Forwarded-For": "203.0.113.7"}
    )
    assert proxied.status_code == 403
    assert (await local.get("/api/monitor", headers={HEADER: token})).json()["running"] is True


async def test_monitor_panel_renders_and_its_forms_control_the_monitor(web: WebClient) -> None:
    alice = await web.member("alice")
    await web.hold(alice.strategy_account_id, 10)
    await alice.client.post("/api/monitor/restart", headers=alice.headers())

    page = await alice.client.get("/monitor")
    assert page.status_code == 200
    assert "모니터링 중" in page.text
    assert 'id="monitor-position-' in page.text
    assert "보호 안 됨" in page.text
    assert "10주" in page.text
    assert "70,000원" in page.text

    no_csrf = await alice.client.post("/monitor/stop", data={})
    assert no_csrf.status_code == 403
    posted = await alice.client.post("/monitor/stop", data={"csrf_token": alice.csrf})
    assert posted.status_code == 303  # post/redirect/get: a reload does not stop it again
    assert posted.headers["location"] == "/monitor?done=stop"
    stopped = await alice.client.get(posted.headers["location"])
    assert stopped.status_code == 200
    assert text.MONITOR_STOPPED in stopped.text
    assert 'data-state="idle"' in stopped.text
    unknown = await alice.client.post("/monitor/explode", data={"csrf_token": alice.csrf})
    assert unknown.status_code == 404
    assert "explode" in unknown.text


async def test_monitor_switched_off_answers_503_naming_the_setting(
    database_url: str, tmp_path: Path
) -> None:
    async with running_app(database_url, tmp_path, monitor_enabled=False) as web:
        alice = await web.member("alice")
        answer = await alice.client.get("/api/monitor")
        assert answer.status_code == 503
        assert answer.json()["error"] == text.MONITOR_DISABLED
        started = await alice.client.post("/api/monitor/start", headers=alice.headers())
        assert started.status_code == 503
        page = await alice.client.get("/monitor")
        assert page.status_code == 503
        assert "HANTU_MONITOR_ENABLED" in page.text


async def test_an_unknown_monitor_action_is_a_korean_4xx(web: WebClient) -> None:
    alice = await web.member("alice")
    answer = await alice.client.post("/api/monitor/explode", headers=alice.headers())
    assert answer.status_code in (404, 405)
    assert answer.json()["success"] is False
    assert any("\uac00" <= ch <= "\ud7a3" for ch in answer.json()["error"])  # Korean


async def test_a_database_failure_is_a_503_that_says_so_and_the_monitor_shows_stopped(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    db = web.app.state.runtime.app.db
    async with db.connect() as connection:
        await connection.execute(sa_text("ALTER TABLE positions RENAME TO positions_away"))
        await connection.commit()
    try:
        failed = await alice.client.post("/api/monitor/restart", headers=alice.headers())
        assert failed.status_code == 503
        assert failed.json()["error"] == text.ACTION_FAILED
        unreadable = await alice.client.get("/api/monitor")
        assert unreadable.status_code == 503
        assert unreadable.json()["error"] == text.STATUS_FAILED
        page = await alice.client.get("/monitor")
        assert page.status_code == 503
        assert text.STATUS_FAILED in page.text
        form = await alice.client.post("/monitor/start", data={"csrf_token": alice.csrf})
        assert form.status_code == 503
    finally:
        async with db.connect() as connection:
            await connection.execute(sa_text("ALTER TABLE positions_away RENAME TO positions"))
            await connection.commit()
    after = await alice.client.get("/api/monitor")
    assert after.status_code == 200
    assert after.json()["running"] is False  # the restart stopped it and could not start it
