"""Accounts, strategies and settings after creation (issue 10), on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from hantu import messages_ko as ko
from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.entrypoints.web.app import create_app
from hantu.service_layer import accounts as accounts_service
from hantu.simulator.accounts import make_account
from hantu.simulator.server import Simulator
from tests.integration.web.conftest import PASSWORD, WebClient, running_app, signal

GOOD = make_account("50111111-01", hts_id="hantugood", cash=Decimal(10_000_000))
BAD = make_account("50999999-01", hts_id="hantubad")  # unknown to the simulator


def _body(name: str, account: object, **overrides: str) -> dict[str, str]:
    body = {
        "name": name,
        "environment": "SIMULATOR",
        "app_key": account.app_key,  # type: ignore[attr-defined]
        "app_secret": account.app_secret,  # type: ignore[attr-defined]
        "account_number": account.number,  # type: ignore[attr-defined]
        "hts_id": account.hts_id,  # type: ignore[attr-defined]
    }
    return {**body, **overrides}


class Product:
    def __init__(self, client: httpx.AsyncClient, simulator: Simulator, csrf: str) -> None:
        self.client, self.simulator, self.headers = client, simulator, {"X-CSRF-Token": csrf}


@pytest.fixture
async def product(database_url: str, tmp_path: Path) -> AsyncIterator[Product]:
    """The whole product on the embedded simulator: the key check is a real token request."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=database_url,
        demo=False,
        order_timeout_seconds=1.0,
    )
    app = create_app(
        settings,
        hasher=PasswordHashing(time_cost=1, memory_cost=8),
        simulator_options={"accounts": [GOOD]},
    )
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        await accounts_service.create_user(runtime.state.accounts, "alice", PASSWORD)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            web = WebClient(app, None, None, runtime.state.accounts, database_url)  # type: ignore[arg-type]
            assert (await web.login(client, "alice", PASSWORD)).status_code == 303
            yield Product(client, runtime.simulator, await web.csrf_of(client, "/positions"))


async def test_saving_refused_keys_answers_korean_400_and_saves_nothing(product: Product) -> None:
    response = await product.client.post(
        "/api/broker-accounts", json=_body("bad", BAD), headers=product.headers
    )
    listed = await product.client.get("/api/broker-accounts")

    assert response.status_code == 400, response.text
    assert response.json()["success"] is False
    assert "앱 키 또는 앱 시크릿을 거부" in response.json()["error"]
    assert BAD.app_secret not in response.text
    assert listed.json()["broker_accounts"] == []


async def test_saving_good_keys_issues_one_token_that_the_broker_then_reuses(
    product: Product,
) -> None:
    saved = await product.client.post(
        "/api/broker-accounts", json=_body("main", GOOD), headers=product.headers
    )
    assert saved.status_code == 201, saved.text
    issued_on_save = product.simulator.tokens.issued.get(GOOD.app_key, 0)
    created = await product.client.post(
        "/api/strategies", json={"name": "alpha"}, headers=product.headers
    )
    assert created.status_code == 201, created.text
    strategy = created.json()["strategy"]
    account_id = saved.json()["broker_account"]["id"]
    linked = await product.client.post(
        f"/api/strategies/{strategy['id']}/accounts",
        json={"broker_account_id": account_id},
        headers=product.headers,
    )
    assert linked.status_code in (200, 201), linked.text
    token = (await product.client.get(f"/api/strategies/{strategy['id']}/token")).json()["token"]
    product.simulator.feed.set_price("005930", 70_000)

    order = await product.client.post("/api/webhook", json=signal(token, quantity="1"))

    assert issued_on_save == 1
    assert order.status_code == 200, order.text
    assert product.simulator.tokens.issued.get(GOOD.app_key, 0) == 1  # shared, not reissued


async def test_broker_account_is_renamed_and_deactivated_then_takes_no_order(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    path = f"/api/broker-accounts/{member.broker_account_id}"

    renamed = await member.client.patch(path, json={"name": "주계좌"}, headers=member.headers())
    deactivated = await member.client.post(f"{path}/deactivate", headers=member.headers())
    refused = await web.webhook(signal(member.token))
    activated = await member.client.post(f"{path}/activate", headers=member.headers())
    accepted = await web.webhook(signal(member.token))

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["broker_account"]["name"] == "주계좌"
    assert deactivated.json()["broker_account"]["active"] is False
    assert refused.status_code == 403
    assert refused.json()["error"] == ko.settings_page.WEBHOOK_ACCOUNTS_INACTIVE
    assert activated.json()["broker_account"]["active"] is True
    assert accepted.status_code == 200, accepted.text
    assert web.broker.place_calls == 1


async def test_strategy_is_renamed_then_soft_deleted_and_its_token_stops(web: WebClient) -> None:
    member = await web.member("alice")
    await web.webhook(signal(member.token))
    base = f"/api/strategies/{member.strategy_id}"

    renamed = await member.client.post(
        f"{base}/rename", json={"name": "베타"}, headers=member.headers()
    )
    listed = (await member.client.get("/api/strategies")).json()
    deleted = await member.client.delete(base, headers=member.headers())
    after = await web.webhook(signal(member.token))
    again = await member.client.post(
        "/api/strategies", json={"name": "베타"}, headers=member.headers()
    )

    assert renamed.status_code == 200, renamed.text
    assert "베타" in str(listed)
    assert deleted.status_code == 200, deleted.text
    assert after.status_code == 401
    assert await web.count("orders") == 1  # history stays
    assert await web.count("strategies") == 2
    assert again.status_code == 201, again.text  # the name was freed


async def test_rotated_token_refuses_the_old_one_at_once(web: WebClient) -> None:
    member = await web.member("alice")
    assert (await web.webhook(signal(member.token))).status_code == 200  # cached now

    rotated = await member.client.post(
        f"/api/strategies/{member.strategy_id}/token", headers=member.headers()
    )
    new = rotated.json()["token"]
    old_answer = await web.webhook(signal(member.token))
    new_answer = await web.webhook(signal(new))
    page = await member.client.get("/strategies")

    assert rotated.status_code == 200, rotated.text
    assert new != member.token
    assert rotated.json()["masked_token"] in page.text
    assert new not in page.text  # shown masked; the reveal button fetches it
    assert old_answer.status_code == 401
    assert new_answer.status_code == 200, new_answer.text


async def test_strategy_limit_overrides_the_environment_default(
    database_url: str, tmp_path: Path
) -> None:
    async with running_app(
        database_url, tmp_path, settle_interval_seconds=0, max_symbol_exposure=10_000_000
    ) as web:
        member = await web.member("alice")
        limits = f"/api/strategies/{member.strategy_id}/limits"
        bad = await member.client.post(
            limits, json={"max_symbol_exposure": "-5"}, headers=member.headers()
        )
        first = await web.webhook(signal(member.token))  # 700,000원 under the env's 10,000,000원
        saved = await member.client.post(
            limits, json={"max_symbol_exposure": "1,000,000"}, headers=member.headers()
        )
        second = await web.webhook(signal(member.token))  # 1,400,000원 over the strategy's own
        page = await member.client.get("/settings")

    assert bad.status_code == 400
    assert bad.json()["error"] == ko.settings_page.INVALID_VALUE_TEXT_PART["limit_money"]
    assert first.status_code == 200, first.text
    assert saved.status_code == 200, saved.text
    assert second.status_code != 200, second.text
    assert "max_symbol_exposure" in second.text or "한도" in second.text
    assert web.broker.place_calls == 1
    assert "1,000,000원" in page.text
    assert "10,000,000원" in page.text  # the environment's default, shown beside it


async def test_settings_page_shows_the_effective_config_with_secrets_masked(
    database_url: str, tmp_path: Path
) -> None:
    secret = "tg-" + "Q" * 30
    async with running_app(
        database_url, tmp_path, settle_interval_seconds=0, telegram_bot_token=secret
    ) as web:
        member = await web.member("alice")
        page = await member.client.get("/settings")

    assert page.status_code == 200
    assert "HANTU_TELEGRAM_BOT_TOKEN" in page.text
    assert "HANTU_ORDER_TIMEOUT_SECONDS" in page.text
    assert secret not in page.text
    assert "s" * 180 not in page.text
    assert "50123456" not in page.text


async def test_editing_in_refused_keys_answers_400_and_keeps_the_saved_ones(
    product: Product,
) -> None:
    saved = await product.client.post(
        "/api/broker-accounts", json=_body("main", GOOD), headers=product.headers
    )
    path = f"/api/broker-accounts/{saved.json()['broker_account']['id']}"

    edited = await product.client.patch(
        path,
        json={"name": "renamed", "app_key": BAD.app_key, "app_secret": BAD.app_secret},
        headers=product.headers,
    )
    listed = (await product.client.get("/api/broker-accounts")).json()["broker_accounts"]

    assert edited.status_code == 400, edited.text
    assert "저장하지 않았습니다" in edited.json()["error"]
    assert [a["name"] for a in listed] == ["main"]  # not even the new name


async def test_test_webhook_validates_without_placing_and_only_for_the_owner(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")

    ok = await alice.client.post(
        "/api/webhook/test", json=signal(alice.token), headers=alice.headers()
    )
    bad_price = await alice.client.post(
        "/api/webhook/test", json=signal(alice.token, price="70001"), headers=alice.headers()
    )
    foreign = await alice.client.post(
        "/api/webhook/test", json=signal(bob.token), headers=alice.headers()
    )
    peek = await alice.client.get(f"/api/strategies/{bob.strategy_id}/token")

    assert ok.status_code == 200, ok.text
    assert ok.json()["dry_run"] is True
    assert bad_price.status_code == 400
    assert bad_price.json()["field"] == "price"
    assert foreign.status_code == 401
    assert peek.status_code == 404
    assert bob.token not in peek.text
    assert web.broker.place_calls == 0
    assert await web.count("orders") == 0
