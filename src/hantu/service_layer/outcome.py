"""What became of a submitted order: the one vocabulary every front end maps to its answer.

The webhook, the failed-order retry, and later the alert approval and the monitor all get a
`SubmitResult` from `orders.submit`. Nothing here knows about HTTP: the web entrypoint maps
an outcome to a status code in one table (`entrypoints/web/outcomes.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

from hantu.domain.enums import OrderStatus
from hantu.service_layer.queries import OrderView


class SubmitOutcome(StrEnum):
    ACCEPTED = "accepted"  # the broker took the order (it may since have filled or been canceled)
    REJECTED = "rejected"  # our risk rules said no; nothing was sent
    REFUSED = "refused"  # the broker said no, or it was never sent; a failed order was saved
    UNCONFIRMED = "unconfirmed"  # no answer in time: settled later, never retried blindly
    DUPLICATE = "duplicate"  # a repeated key placed nothing; `first` is what the order became
    ERROR = "error"  # submit raised (our side failed): a front end's record, a repeat is safe


class Refusal(StrEnum):
    """Why a REFUSED order never reached the broker's book, for front ends that answer each
    cause in its own words (an alert's message: spec 000 §5.1)."""

    BROKER = "broker"  # the broker answered no (BrokerRejected): its message says why
    AUTH = "auth"  # our token or app key was refused (BrokerAuthError)
    UNREACHABLE = "unreachable"  # no connection was made (BrokerUnreachable)
    RATE_LIMITED = "rate_limited"  # refused or held back for the request rate
    CONFIG = "config"  # refused for our settings (ConfigError)


def outcome_of_status(status: OrderStatus) -> SubmitOutcome:
    """The outcome an order's status stands for, as a repeated delivery reports it."""
    match status:
        case OrderStatus.SENT | OrderStatus.PARTIAL | OrderStatus.FILLED | OrderStatus.CANCELED:
            return SubmitOutcome.ACCEPTED
        case OrderStatus.NEW | OrderStatus.UNCONFIRMED:
            return SubmitOutcome.UNCONFIRMED
        case OrderStatus.REJECTED:
            return SubmitOutcome.REJECTED
        case OrderStatus.ERROR:
            return SubmitOutcome.REFUSED
        case _:
            assert_never(status)


@dataclass(frozen=True, slots=True)
class SubmitResult:
    order: OrderView
    outcome: SubmitOutcome
    failed_order_id: int | None = None
    error: str | None = None
    broker_seconds: float | None = None  # how long the broker took to answer (or not)
    first: SubmitOutcome | None = None  # a duplicate's: what became of the first delivery
    refusal: Refusal | None = None  # a REFUSED outcome's cause

    @property
    def order_outcome(self) -> SubmitOutcome:
        """What became of the order: a duplicate answers as its first delivery did."""
        return self.first if self.first is not None else self.outcome
