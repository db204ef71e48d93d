"""Server-rendered pages, health and metrics (both databases)."""

from __future__ import annotations

from tests.inprocess_broker import Refuse
from tests.integration.web.conftest import WebClient, signal


async def test_positions_page_has_csrf_meta_and_korean_sections(web: WebClient) -> None:
    member = await web.member("alice")

    page = await member.client.get("/positions")

    assert page.status_code == 200
    assert '<meta name="csrf-token" content="' in page.text
    for label in ("포지션", "오늘의 주문", "실패된 주문", "재시도", "생성 시각"):
        assert label in page.text
    assert 'src="http' not in page.text
    assert 'href="http' not in page.text


async def test_positions_page_lists_todays_orders(web: WebClient) -> None:
    member = await web.member("alice")
    await web.webhook(signal(member.token))

    page = await member.client.get("/positions")

    assert 'id="orders-table"' in page.text
    assert "005930" in page.text
    assert ">주문 중<" in page.text  # SENT, in Korean


async def test_strategies_page_escapes_a_script_in_a_name(web: WebClient) -> None:
    member = await web.member("alice")
    evil = "<script>alert(1)</script>"
    created = await member.client.post(
        "/api/strategies", json={"name": evil}, headers=member.headers()
    )
    assert created.status_code == 201

    page = await member.client.get("/strategies")

    assert evil not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "built-in method" not in page.text  # labels must not collide with dict methods
    assert "복사" in page.text


async def test_healthz_answers_ok(web: WebClient) -> None:
    response = await web.client().get("/healthz")

    # The in-process broker has no realtime stream: nothing to report as up or down.
    assert response.json() == {
        "status": "ok",
        "realtime": {"state": "none", "connected": 0, "streams": 0},
    }


async def test_metrics_count_webhooks_orders_and_failed_backlog(web: WebClient) -> None:
    member = await web.member("alice")
    await web.webhook(signal(member.token, id="first"))
    await web.webhook(signal(member.token, id="first"))  # a repeated delivery
    web.broker.script(Refuse())
    await web.webhook(signal(member.token))

    text = (await web.client().get("/metrics")).text

    assert 'hantu_webhooks_received_total{status="200"} 2.0' in text
    assert 'hantu_webhooks_received_total{status="400"} 1.0' in text
    assert 'hantu_orders_total{outcome="accepted"} 1.0' in text
    assert 'hantu_orders_total{outcome="duplicate"} 1.0' in text
    assert 'hantu_orders_total{outcome="refused"} 1.0' in text
    assert "hantu_failed_orders_pending 1.0" in text
    assert "hantu_broker_latency_seconds_count 2.0" in text  # the duplicate asked no broker


async def test_static_assets_are_served_locally(web: WebClient) -> None:
    client = web.client()

    for path in ("/static/app.js", "/static/app.css", "/static/failed_orders.js"):
        assert (await client.get(path)).status_code == 200


async def test_openapi_docs_are_served(web: WebClient) -> None:
    client = web.client()

    schema = (await client.get("/openapi.json")).json()

    assert "/api/webhook" in schema["paths"]
    assert "/api/failed-orders/{failed_order_id}/retry" in schema["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_pages_carry_a_strict_content_security_policy(web: WebClient) -> None:
    client = web.client()

    login = await client.get("/login")
    docs = await client.get("/docs")

    assert "default-src 'self'" in login.headers["content-security-policy"]
    assert login.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in docs.headers
