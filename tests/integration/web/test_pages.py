"""Server-rendered pages, health and metrics (both databases)."""

from __future__ import annotations

from decimal import Decimal

from hantu.domain.values import BrokerOrderId, StrategyAccountId, Symbol
from hantu.service_layer.fills import process_fill
from tests.inprocess_broker import Refuse
from tests.integration.web.conftest import WebClient, signal


async def test_positions_page_has_csrf_meta_and_korean_sections(web: WebClient) -> None:
    member = await web.member("alice")

    page = await member.client.get("/positions")

    assert page.status_code == 200
    assert '<meta name="csrf-token" content="' in page.text
    for label in ("포지션", "오늘의 주문"):  # failed orders have their own page now
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


async def test_positions_page_shows_money_in_won_and_keeps_the_full_average(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    deps = web.app.state.runtime.app.deps
    account = await deps.brokers.account_of(member.strategy_account_id)
    for n, price in enumerate(("70000", "70000", "72000")):
        response = await web.webhook(signal(member.token, quantity="1000", price=price, id=n))
        broker_id = BrokerOrderId(response.json()["order_id"])
        await process_fill(deps, web.broker.fill(broker_id, 1000, notify=False), account)

    page = await member.client.get("/positions")

    assert 'data-label="수량">3,000주</td>' in page.text
    assert ">70,667원<" in page.text
    assert "70666.6" not in page.text
    assert ">72,000원<" in page.text  # today's orders show their limit price the same way
    async with web.app.state.runtime.app.uow(read_only=True) as uow:
        samsung = Symbol("005930")
        held = await uow.positions.get(StrategyAccountId(member.strategy_account_id), samsung)
    assert held is not None
    assert held.average_price.quantize(Decimal("0.0001")) == Decimal("70666.6667")


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
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/static-docs/swagger-ui-bundle.js" in docs.text
    assert "https://" not in docs.text
    assert (await client.get("/static-docs/swagger-ui-bundle.js")).status_code == 200


async def test_pages_carry_a_strict_content_security_policy(web: WebClient) -> None:
    client = web.client()

    login = await client.get("/login")
    docs = await client.get("/docs")

    assert "default-src 'self'" in login.headers["content-security-policy"]
    assert login.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in docs.headers


async def test_unknown_page_answers_an_html_404_with_the_navigation(web: WebClient) -> None:
    member = await web.member("alice")
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    pages = [
        await member.client.get(path, headers=browser) for path in ("/nothing-here", "/no-page")
    ]
    anonymous = await web.client().get("/no/such/page", headers=browser)

    for page in (*pages, anonymous):
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert 'role="alert"' in page.text
        assert "페이지를 찾을 수 없습니다" in page.text
        assert '"success"' not in page.text
    assert 'href="/strategies"' in pages[0].text  # the signed-in navigation
    assert 'id="logout"' in pages[1].text


async def test_unknown_api_path_still_answers_json_404(web: WebClient) -> None:
    member = await web.member("alice")

    api = await member.client.get("/api/no-such-thing", headers={"accept": "text/html"})
    script = await member.client.get("/nothing-here", headers={"accept": "application/json"})

    assert (api.status_code, api.json()) == (404, {"success": False, "error": "찾을 수 없습니다"})
    assert script.status_code == 404
    assert script.json()["success"] is False
