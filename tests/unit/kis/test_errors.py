"""Classification of KIS answers into the error tree (the wire's own failures are sorted in
`transport`, tested over real sockets in tests/integration/kis/test_transport.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hantu.adapters.kis.errors import (
    KisRejected,
    RejectReason,
    error_from_body,
    error_from_response,
    is_token_error,
)
from hantu.adapters.kis.transport import KisResponse
from hantu.errors import (
    BrokerAuthError,
    BrokerUnavailable,
    ConfigError,
    OrderNotPlaced,
    RateLimited,
)


def _body(rt_cd: str, msg_cd: str, msg1: str = "") -> dict[str, str]:
    return {"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1}


def test_success_body_is_no_error() -> None:
    assert error_from_body(_body("0", "APBK0013", "주문 전송 완료 되었습니다.")) is None


def test_egw00201_is_rate_limited_and_not_placed() -> None:
    error = error_from_body(_body("1", "EGW00201", "초당 거래건수를 초과하였습니다."))

    assert isinstance(error, RateLimited)
    assert isinstance(error, OrderNotPlaced)


@pytest.mark.parametrize("code", ["EGW00121", "EGW00122", "EGW00123"])
def test_token_codes_are_auth_errors_worth_a_reissue(code: str) -> None:
    error = error_from_body(_body("1", code, "기간이 만료된 token 입니다."))

    assert isinstance(error, BrokerAuthError)
    assert is_token_error(error)


def test_token_throttle_shape_is_auth_error_not_token_error() -> None:
    error = error_from_body(
        {
            "error_code": "EGW00133",
            "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
        }
    )

    assert isinstance(error, BrokerAuthError)
    assert error.code == "EGW00133"
    assert not is_token_error(error)


@pytest.mark.parametrize(
    ("code", "msg1"),
    [("EGW02004", "실전 도메인 모의 appkey"), ("", "모의투자 TR 이 아닙니다"), ("MCA00124", "")],
)
def test_wrong_domain_or_tr_is_config_error(code: str, msg1: str) -> None:
    assert isinstance(error_from_body(_body("1", code, msg1)), ConfigError)


@pytest.mark.parametrize(
    ("msg1", "reason"),
    [
        ("주문가능금액을 초과 했습니다", RejectReason.INSUFFICIENT_CASH),
        ("매도가능수량을 초과 했습니다", RejectReason.INSUFFICIENT_HOLDINGS),
        ("장운영시간이 아닙니다", RejectReason.MARKET_CLOSED),
        ("호가단위 오류입니다", RejectReason.INVALID_TICK),
        ("상한가 초과", RejectReason.PRICE_OUT_OF_BAND),
        ("알 수 없는 오류", RejectReason.OTHER),
    ],
)
def test_business_rejection_carries_reason_from_msg1(msg1: str, reason: RejectReason) -> None:
    error = error_from_body(_body("1", "APBK0919", msg1))

    assert isinstance(error, KisRejected)
    assert error.reason is reason
    assert error.code == "APBK0919"


def test_rejection_message_is_masked() -> None:
    error = error_from_body(_body("1", "APBK0656", "account 12345678-01 invalid"))

    assert error is not None
    assert "12345678" not in str(error)


def test_status_500_with_kis_body_is_classified_by_body() -> None:
    response = _answer(500, _body("1", "EGW00201"))

    assert isinstance(error_from_response(response), RateLimited)


def test_status_200_with_rejection_body_is_rejection() -> None:
    response = _answer(200, _body("1", "APBK0919", "주문가능금액 초과"))

    assert isinstance(error_from_response(response), KisRejected)


def test_bodyless_gateway_error_is_ambiguous() -> None:
    response = KisResponse(502, {}, b"<html>bad gateway</html>")

    assert isinstance(error_from_response(response), BrokerUnavailable)


def _answer(status: int, body: dict[str, Any]) -> KisResponse:
    return KisResponse(status, {"content-type": "application/json"}, json.dumps(body).encode())
