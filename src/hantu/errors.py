"""The error tree. The class an error belongs to decides what happens next::

    HantuError
    ├── DomainError            the request broke a rule: answer 4xx, change nothing
    │   ├── InvalidValue, InvalidTransition, OverFill, InsufficientHolding
    │   ├── NotFound           no such object for this user: answer 404
    │   └── RiskLimitExceeded, RetryNotAllowed
    ├── ConfigError            stop and ask a human (bad settings, bad credentials file)
    └── BrokerError            something about the broker
        ├── OrderNotPlaced     definitive: the broker does not have the order
        │   ├── BrokerRejected     it answered no (rt_cd != "0")
        │   │   └── UnknownSymbol  no such listed symbol (an empty quote)
        │   ├── RateLimited        refused before processing (EGW00201): back off
        │   ├── NotSentRateLimited the rate limit kept it from leaving within its send budget
        │   ├── BrokerAuthError    token or app key refused
        │   └── BrokerUnreachable  no connection was ever made
        └── BrokerUnavailable  ambiguous: sent, then timeout or disconnect; reconcile

Adapters translate foreign errors (aiohttp, httpx, websockets, KIS codes) into this tree at
their boundary; nothing above them catches `aiohttp.*`, `httpx.*` or `KeyError`.
"""

from __future__ import annotations

from hantu.domain.errors import (
    DomainError,
    HantuError,
    InsufficientHolding,
    InvalidTransition,
    InvalidValue,
    NotFound,
    OverFill,
    RetryNotAllowed,
    RiskLimitExceeded,
)

__all__ = [
    "BrokerAuthError",
    "BrokerError",
    "BrokerRejected",
    "BrokerUnavailable",
    "BrokerUnreachable",
    "ConfigError",
    "DomainError",
    "HantuError",
    "InsufficientHolding",
    "InvalidTransition",
    "InvalidValue",
    "NotFound",
    "NotSentRateLimited",
    "OrderNotPlaced",
    "OverFill",
    "RateLimited",
    "RetryNotAllowed",
    "RiskLimitExceeded",
    "UnknownSymbol",
]


class ConfigError(HantuError):
    """Settings or credentials are wrong; a human must fix them."""


class BrokerError(HantuError):
    """Base of everything the broker adapter raises.

    `code` is the broker's message code (KIS `msg_cd`) when there is one; `message` is the
    broker's text, already masked.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.code = code
        self.message = message
        super().__init__(f"[{code}] {message}" if code else message)


class OrderNotPlaced(BrokerError):
    """Definitive: the broker does not have this order, so recording a failure is safe."""


class BrokerRejected(OrderNotPlaced):
    """The broker answered and said no."""


class UnknownSymbol(BrokerRejected):
    """The broker knows no listed symbol by that code."""


class RateLimited(OrderNotPlaced):
    """The broker refused for the request rate; nothing was processed."""


class NotSentRateLimited(OrderNotPlaced):
    """The order never got out within its send budget, held back by the request rate (our
    own limiter, or EGW00201 on every attempt): not at the broker, and no verdict on the
    order itself, so retrying it later is safe and does not use up one of its retries."""

    def __init__(self, message: str, *, per_second: int, code: str | None = None) -> None:
        self.per_second = per_second
        super().__init__(message, code=code)


class BrokerAuthError(OrderNotPlaced):
    """The broker refused our credentials or token."""


class BrokerUnreachable(OrderNotPlaced):
    """No connection was made, so nothing was sent."""


class BrokerUnavailable(BrokerError):
    """Ambiguous: the request may have reached the broker (timeout, dropped connection)."""
