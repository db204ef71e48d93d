"""The settings' pure rules: the TradingView guide's URL checks, token and config masking,
limit parsing, limits over env defaults and the key-check verdicts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import SecretStr

from hantu import messages_ko as ko
from hantu.domain.accounts import (
    BrokerCredentials,
    check_limit_count,
    check_limit_money,
    mask_token,
    new_webhook_token,
)
from hantu.domain.errors import InvalidValue
from hantu.domain.risk import RiskLimits
from hantu.domain.values import Money
from hantu.entrypoints.web import tradingview_guide
from hantu.entrypoints.web.settings_page import HIDDEN, shown_value
from hantu.errors import BrokerAuthError, BrokerUnreachable
from hantu.service_layer.broker_keys import (
    KeysRefused,
    KeysThrottled,
    KeysUnchecked,
    verify,
)


@pytest.mark.parametrize(
    ("url", "loopback", "port"),
    [
        ("https://hantu.example.com/api/webhook", False, None),
        ("http://hantu.example.com/api/webhook", False, None),
        ("http://127.0.0.1:8000/api/webhook", True, 8000),
        ("http://localhost/api/webhook", True, None),
        ("http://192.168.0.7/api/webhook", True, None),
        ("https://hantu.example.com:8443/api/webhook", False, 8443),
    ],
)
def test_guide_warns_of_loopback_hosts_and_ports_other_than_80_and_443(
    url: str, loopback: bool, port: int | None
) -> None:
    warnings = tradingview_guide.url_warnings(url)

    assert any("이 컴퓨터 안에서만" in w for w in warnings) is loopback
    assert any(f"포트가 {port}" in w for w in warnings) is (port is not None)
    assert len(warnings) == int(loopback) + int(port is not None)


def test_guide_timeout_note_compares_the_order_timeout_with_three_seconds() -> None:
    assert tradingview_guide.timeout_note(2.5).endswith(ko.settings_page.GUIDE_TIMEOUT_OK)
    assert tradingview_guide.timeout_note(5).endswith(ko.settings_page.GUIDE_TIMEOUT_OVER)
    assert "5초" in tradingview_guide.timeout_note(5)


def test_guide_templates_are_json_with_the_token_and_the_order_type() -> None:
    templates = tradingview_guide.message_templates("whk_x")

    limit, market = json.loads(templates["LIMIT"]), json.loads(templates["MARKET"])
    assert (limit["order_type"], limit["price"], limit["token"]) == ("LIMIT", "{{close}}", "whk_x")
    assert market["order_type"] == "MARKET"
    assert "price" not in market


def test_masked_token_keeps_only_its_ends() -> None:
    token = new_webhook_token()

    masked = mask_token(token)

    assert masked.startswith(token[:8])
    assert masked.endswith(token[-4:])
    assert token[8:-4] not in masked
    assert mask_token("whk_short") == "•" * 8


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("kis_app_secret", SecretStr("abc"), HIDDEN),
        ("telegram_bot_token", "123:abc", HIDDEN),
        ("kis_account", "50123456-01", HIDDEN),
        ("database_url", "postgresql://hantu:pw@db/hantu", f"postgresql://hantu:{HIDDEN}@db/hantu"),
        ("order_timeout_seconds", 2.5, "2.5"),
        ("daily_loss_limit", Decimal(500000), "500,000원"),
        ("public_url", None, "-"),
    ],
)
def test_effective_config_masks_secrets_and_url_passwords(
    name: str, value: object, shown: str
) -> None:
    assert shown_value(name, value) == shown


def test_limit_inputs_accept_empty_as_default_and_refuse_nonsense() -> None:
    assert check_limit_money("", "x") is None
    assert check_limit_money("1,000,000", "x") == Decimal(1_000_000)
    assert check_limit_count(" 5 ") == 5
    for bad in ("-5", "0", "1.5", "abc"):
        with pytest.raises(InvalidValue):
            check_limit_money(bad, "x")
    with pytest.raises(InvalidValue):
        check_limit_count("1001")


def test_strategy_limits_win_over_the_environment_where_set() -> None:
    env = RiskLimits(Money(Decimal(1_000_000)), Money(Decimal(5_000_000)), 3)
    own = RiskLimits(max_symbol_exposure=Money(Decimal(200_000)))

    merged = own.over(env)

    assert merged == RiskLimits(Money(Decimal(1_000_000)), Money(Decimal(200_000)), 3)


class _Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def check_keys(self, credentials: BrokerCredentials) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (BrokerAuthError("bad", code="EGW00103"), KeysRefused),
        (BrokerAuthError("once a minute", code="EGW00133"), KeysThrottled),
        (BrokerUnreachable("down"), KeysUnchecked),
    ],
)
async def test_key_check_failures_become_verdicts(error: Exception, verdict: type) -> None:
    creds = BrokerCredentials("SIMULATOR", "k", "s", "50123456-01", "hts")

    with pytest.raises(verdict):
        await verify(_Raising(error), creds)
