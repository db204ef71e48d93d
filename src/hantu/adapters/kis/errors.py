"""KIS answers, translated into the `hantu.errors` tree at the boundary.

KIS's HTTP status is unreliable (reference §3.2, gotcha 11): the JSON body decides::

    rt_cd == "0"                              success
    error_code EGW00133 (token endpoint)      BrokerAuthError  (issuance throttled, 1/min)
    EGW00201                                  RateLimited      (refused before processing)
    EGW00121/2/3, EGW00103/5, OPSP0011        BrokerAuthError  (token or app key refused)
    EGW02004, EGW00205, "모의투자 TR", MCA00124 ConfigError     (wrong domain, key or TR)
    any other rt_cd != "0"                    KisRejected      (definitive no, with a reason)
    no JSON body                              BrokerUnavailable
    token / hashkey step failed first         RequestNotSent   (the request never left)

Failures of the wire itself are sorted in `transport` (nothing sent → BrokerUnreachable,
may have left → BrokerUnavailable).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hantu.domain.masking import mask
from hantu.errors import (
    BrokerAuthError,
    BrokerRejected,
    BrokerUnavailable,
    ConfigError,
    HantuError,
    OrderNotPlaced,
    RateLimited,
)

if TYPE_CHECKING:
    from .transport import KisResponse

RATE_LIMITED = "EGW00201"
TOKEN_THROTTLED = "EGW00133"  # noqa: S105 - a KIS message code, not a secret
TOKEN_CODES = frozenset({"EGW00121", "EGW00122", "EGW00123"})
_AUTH_CODES = TOKEN_CODES | {"EGW00103", "EGW00105", TOKEN_THROTTLED, "OPSP0011"}
_CONFIG_CODES = frozenset({"EGW02004", "EGW00205", "MCA00124", "OPSQ0002", "OPSQ2000"})
_NOT_PAPER_TR = "모의투자 TR"


class RejectReason(StrEnum):
    """Why KIS refused an order, read from `msg1` because APBK codes are shared (gotcha 17)."""

    INSUFFICIENT_CASH = "INSUFFICIENT_CASH"
    INSUFFICIENT_HOLDINGS = "INSUFFICIENT_HOLDINGS"
    MARKET_CLOSED = "MARKET_CLOSED"
    INVALID_TICK = "INVALID_TICK"
    PRICE_OUT_OF_BAND = "PRICE_OUT_OF_BAND"
    NOTHING_TO_CANCEL = "NOTHING_TO_CANCEL"
    OTHER = "OTHER"


# Order matters: the first keyword found wins.
_REASON_KEYWORDS: tuple[tuple[str, RejectReason], ...] = (
    ("호가단위", RejectReason.INVALID_TICK),
    ("상한가", RejectReason.PRICE_OUT_OF_BAND),
    ("하한가", RejectReason.PRICE_OUT_OF_BAND),
    ("가격제한", RejectReason.PRICE_OUT_OF_BAND),
    ("장종료", RejectReason.MARKET_CLOSED),
    ("장운영", RejectReason.MARKET_CLOSED),
    ("장시작", RejectReason.MARKET_CLOSED),
    ("장마감", RejectReason.MARKET_CLOSED),
    ("주문가능시간", RejectReason.MARKET_CLOSED),
    ("매도가능수량", RejectReason.INSUFFICIENT_HOLDINGS),
    ("잔고", RejectReason.INSUFFICIENT_HOLDINGS),
    ("보유수량", RejectReason.INSUFFICIENT_HOLDINGS),
    ("주문가능수량", RejectReason.INSUFFICIENT_HOLDINGS),
    ("주문가능금액", RejectReason.INSUFFICIENT_CASH),
    ("증거금", RejectReason.INSUFFICIENT_CASH),
    ("예수금", RejectReason.INSUFFICIENT_CASH),
    ("정정/취소", RejectReason.NOTHING_TO_CANCEL),
    ("정정취소", RejectReason.NOTHING_TO_CANCEL),
    ("취소가능", RejectReason.NOTHING_TO_CANCEL),
)


class KisRejected(BrokerRejected):
    """KIS answered no; `reason` says why in terms the pipeline can act on."""

    def __init__(self, message: str, *, code: str | None, reason: RejectReason) -> None:
        self.reason = reason
        super().__init__(message, code=code)


class RequestNotSent(OrderNotPlaced):
    """A step before the request failed (access token, hashkey): the request never left."""


class AppKeyInUse(BrokerUnavailable):
    """KIS refused the WebSocket session: another one holds this app key (OPSP8996).

    Retried through the reconnect back-off, because the other session may be our own dropped
    socket that KIS has not let go of yet (reference §6.4). When another process really
    holds the key, the attempts run out and the sleep state alerts a human, who must stop
    that process or give each its own key. The back-off restarts only after a session KIS
    served, so two processes never take turns kicking each other forever.
    """

    def __init__(self) -> None:
        super().__init__(
            "another WebSocket session holds this KIS app key (OPSP8996); stop the other "
            "process or give this one its own app key"
        )


class SubscriptionLimitExceeded(HantuError):
    """More realtime subscriptions were asked for than one KIS session allows (41)."""


def reject_reason(msg1: str) -> RejectReason:
    """Classify a KIS rejection message by its wording."""
    for keyword, reason in _REASON_KEYWORDS:
        if keyword in msg1:
            return reason
    return RejectReason.OTHER


def error_from_body(body: Mapping[str, Any], *, envelope: bool = True) -> HantuError | None:
    """Return the error a KIS JSON answer stands for, or None when it is a success.

    `envelope=False` is for the OAuth endpoints, whose successful answers carry no `rt_cd`.
    """
    if "error_code" in body:  # token endpoint shape (reference §2.1)
        code = str(body.get("error_code", ""))
        text = mask(str(body.get("error_description", "")).strip())
        return BrokerAuthError(text or "token request refused", code=code or None)
    rt_cd = str(body.get("rt_cd", "")).strip()
    if rt_cd == "0" or (not envelope and "rt_cd" not in body and "msg_cd" not in body):
        return None
    code = str(body.get("msg_cd", "")).strip()
    text = mask(str(body.get("msg1", "")).strip())
    return _error_for_code(code, text, rt_cd)


def _error_for_code(code: str, text: str, rt_cd: str) -> HantuError:
    if code == RATE_LIMITED:
        return RateLimited(text or "too many requests per second", code=code)
    if code in _AUTH_CODES:
        return BrokerAuthError(text or "credentials refused", code=code)
    if code in _CONFIG_CODES or _NOT_PAPER_TR in text:
        return ConfigError(f"KIS refused the call as misconfigured: [{code}] {text}")
    if not rt_cd and not code:
        return BrokerUnavailable("KIS answered without rt_cd")
    return KisRejected(text or "rejected", code=code or None, reason=reject_reason(text))


def error_from_response(response: KisResponse, *, envelope: bool = True) -> HantuError | None:
    """Classify an HTTP answer by its JSON body; a bodyless failure is ambiguous."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = error_from_body(body, envelope=envelope)
        if error is None and not response.is_success:
            return BrokerUnavailable(f"KIS answered HTTP {response.status}")
        return error
    if response.is_success:
        return BrokerUnavailable(f"KIS answered HTTP {response.status} without JSON")
    return BrokerUnavailable(f"KIS answered HTTP {response.status} without a KIS body")


_TOKEN_CODE_BYTES = tuple(code.encode() for code in TOKEN_CODES)


def may_refuse_the_token(content: bytes) -> bool:
    """A byte scan before parsing: only an answer naming a token code can refuse the token,
    and almost none does, so most answers are not parsed a second time for it."""
    return any(code in content for code in _TOKEN_CODE_BYTES)


def is_token_error(error: HantuError | None) -> bool:
    """Tell whether KIS refused the access token itself (re-issue and retry once)."""
    return isinstance(error, BrokerAuthError) and error.code in TOKEN_CODES
