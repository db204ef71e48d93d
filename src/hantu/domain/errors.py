"""The domain side of the error tree (the whole tree is drawn in `hantu.errors`)."""

from __future__ import annotations


class HantuError(Exception):
    """Root of every error hantu raises on purpose."""


class DomainError(HantuError):
    """A rule of the domain was broken; the request was wrong, not the world."""


class InvalidValue(DomainError, ValueError):
    """A value object was built from something it cannot represent.

    `rule` names the broken rule and `params` its figures, so a front end can say it in the
    reader's language (`messages_ko.explain_invalid`); the text is the fallback for logs.
    """

    def __init__(self, text: str, *, rule: str = "", **params: object) -> None:
        super().__init__(text)
        self.rule = rule
        self.params = params


class InvalidTransition(DomainError):
    """A lifecycle was asked to move along an edge its table does not have."""

    def __init__(self, source: object, target: object, subject: str = "") -> None:
        self.source = source
        self.target = target
        prefix = f"{subject}: " if subject else ""
        super().__init__(f"{prefix}{_name(source)} -> {_name(target)}")


class NotFound(DomainError):
    """No such object for this user (another user's object is reported the same way)."""


class OverFill(DomainError):
    """A fill would take an order past its quantity."""


class InsufficientHolding(DomainError):
    """A sell would take a long-only position below zero."""


class RiskLimitExceeded(DomainError):
    """An order request breaks one of the risk rules."""


class RetryNotAllowed(DomainError):
    """A failed order cannot be retried; `code` says why (limit, removed, resolved, unconfirmed)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"failed order cannot be retried: {code}")


def _name(state: object) -> str:
    return str(getattr(state, "value", state))
