"""Pure parts behind the web layer: webhook parsing, token rules, secrets box, passwords,
login limiter. (Kept beside the web tests because the web helper owns this directory.)"""

from __future__ import annotations

import json
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.adapters.passwords import PasswordHashing
from hantu.adapters.secrets_box import SecretsBox, load_or_create_key
from hantu.domain.accounts import (
    BrokerCredentials,
    account_hint,
    new_webhook_token,
    normalize_account_number,
    token_digest,
    token_matches,
)
from hantu.domain.enums import OrderType, Side
from hantu.domain.errors import InvalidValue
from hantu.entrypoints.web.outcomes import answer_status
from hantu.entrypoints.web.ratelimit import LoginLimiter
from hantu.errors import ConfigError
from hantu.service_layer.outcome import SubmitOutcome
from hantu.service_layer.webhooks import (
    AccountResult,
    WebhookInvalid,
    decode_body,
    idempotency_key,
    parse_signal,
)
from tests.fakes import FakeClock

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=8,
)


def test_parse_signal_reads_tradingview_style_strings() -> None:
    payload = decode_body(
        b'{"symbol": "krx:005930", "side": "sell", "order_type": "limit",'
        b' "quantity": "3", "price": "70100.0", "id": 17}'
    )

    parsed = parse_signal(payload)

    assert (parsed.symbol.code, parsed.side, parsed.order_type) == (
        "005930",
        Side.SELL,
        OrderType.LIMIT,
    )
    assert parsed.quantity == 3
    assert parsed.price == Decimal("70100")
    assert parsed.delivery_id == "17"


def test_decode_body_reads_numbers_as_decimal_never_float() -> None:
    payload = decode_body(b'{"price": 70000.5}')

    assert isinstance(payload["price"], Decimal)


@given(
    st.dictionaries(
        st.sampled_from(["symbol", "side", "order_type", "quantity", "price", "id", "x"]),
        json_values,
    )
)
def test_parse_signal_any_object_either_parses_or_names_a_field(payload: dict[str, Any]) -> None:
    raw = json.dumps(payload).encode()
    field = None
    try:
        parse_signal(decode_body(raw))
    except WebhookInvalid as exc:
        field = exc.field
    assert field in {None, "symbol", "side", "order_type", "quantity", "price", "id", "body"}


@given(st.binary(max_size=64))
def test_decode_body_arbitrary_bytes_never_raise_anything_else(raw: bytes) -> None:
    field = "body"
    try:
        decode_body(raw)
    except WebhookInvalid as exc:
        field = exc.field
    assert field == "body"


def test_idempotency_key_same_delivery_same_key_else_fresh() -> None:
    assert idempotency_key(1, 2, "a") == idempotency_key(1, 2, "a")
    assert idempotency_key(1, 2, "a") != idempotency_key(1, 3, "a")
    assert idempotency_key(1, 2, None) != idempotency_key(1, 2, None)


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ([SubmitOutcome.ACCEPTED], 200),
        ([SubmitOutcome.ACCEPTED, SubmitOutcome.ACCEPTED], 200),
        ([SubmitOutcome.REFUSED], 400),
        ([SubmitOutcome.REJECTED, SubmitOutcome.ACCEPTED], 400),
        ([SubmitOutcome.UNCONFIRMED, SubmitOutcome.REFUSED], 408),
    ],
)
def test_answer_status_worst_outcome_decides(outcomes: list[SubmitOutcome], status: int) -> None:
    results = [AccountResult(i, outcome, f"o{i}") for i, outcome in enumerate(outcomes)]

    assert answer_status(results) == status


def test_webhook_token_matches_only_itself() -> None:
    token = new_webhook_token()

    assert token_matches(token, token_digest(token))
    assert not token_matches(token + "x", token_digest(token))
    assert new_webhook_token() != token


def test_account_number_normalised_and_hinted() -> None:
    assert normalize_account_number("5012345601") == "50123456-01"
    assert account_hint("50123456-01") == "5012****-01"
    with pytest.raises(InvalidValue):
        normalize_account_number("1234-5")


def test_broker_credentials_repr_hides_secrets() -> None:
    credentials = BrokerCredentials("PAPER", "APPKEY123", "SECRET456", "50123456-01", "hts")

    assert "APPKEY123" not in repr(credentials)
    assert "SECRET456" not in repr(credentials)


def test_secrets_box_key_file_is_private_and_stable(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path)

    mode = stat.S_IMODE((tmp_path / "secret.key").stat().st_mode)
    box = SecretsBox(key)
    assert mode == 0o600
    assert load_or_create_key(tmp_path) == key
    assert box.decrypt(box.encrypt("비밀")) == "비밀"
    assert "비밀" not in box.encrypt("비밀")


def test_secrets_box_wrong_key_is_a_config_error(tmp_path: Path) -> None:
    sealed = SecretsBox(load_or_create_key(tmp_path)).encrypt("secret")
    other = SecretsBox(load_or_create_key(tmp_path / "other"))

    with pytest.raises(ConfigError):
        other.decrypt(sealed)
    with pytest.raises(ConfigError):
        SecretsBox("not-a-key")


def test_password_hashing_verifies_and_refuses() -> None:
    hashing = PasswordHashing(time_cost=1, memory_cost=8)
    stored = hashing.hash("correct-horse")

    assert hashing.verify(stored, "correct-horse")
    assert not hashing.verify(stored, "wrong-horse")
    assert not hashing.verify("not-a-hash", "correct-horse")


def test_login_limiter_blocks_after_max_and_recovers() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(clock, max_attempts=2, window_seconds=60)
    allowed = [limiter.attempt("ip", "alice") for _ in range(2)]

    blocked = limiter.attempt("ip", "alice")
    other_user = limiter.attempt("ip", "bob")
    clock.advance(61)

    assert allowed == [0, 0]
    assert 0 < blocked <= 61
    assert other_user == 0
    assert limiter.attempt("ip", "alice") == 0
    assert limiter.attempt("other-ip", "alice") == 0


def test_login_limiter_refused_attempt_is_not_counted() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(clock, max_attempts=2, window_seconds=60)
    limiter.attempt("ip", "alice")
    clock.advance(30)
    limiter.attempt("ip", "alice")
    for _ in range(10):
        assert limiter.attempt("ip", "alice") > 0

    clock.advance(31)  # the first attempt left the window; the refused ones never entered it

    assert limiter.attempt("ip", "alice") == 0


def test_login_limiter_client_budget_spans_usernames() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(clock, max_attempts=2, window_seconds=60)
    for n in range(8):
        assert limiter.attempt("ip", f"user{n}") == 0

    assert limiter.attempt("ip", "someone-new") > 0
    assert limiter.attempt("elsewhere", "someone-new") == 0


def test_login_limiter_success_resets_the_username_and_spares_the_client_budget() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(clock, max_attempts=2, window_seconds=60)
    for n in range(7):
        limiter.attempt("ip", f"user{n}")
    limiter.attempt("ip", "alice")

    limiter.succeeded("ip", "alice")

    assert limiter.attempt("ip", "alice") == 0  # 7 failures + this one: still within 8
    assert limiter.attempt("ip", "bob") > 0
