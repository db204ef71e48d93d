"""Sending one order to the broker, and sorting its answer: accepted (the broker's order
number), refused (never placed: safe to record as failed) or unanswered (it may have been
placed: settled against the broker, never assumed failed)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from hantu import messages_ko as ko
from hantu.domain.masking import mask
from hantu.domain.order import Order
from hantu.domain.values import BrokerOrderId
from hantu.errors import (
    BrokerAuthError,
    BrokerRejected,
    BrokerUnavailable,
    BrokerUnreachable,
    ConfigError,
    NotSentRateLimited,
    OrderNotPlaced,
    RateLimited,
)
from hantu.service_layer.outcome import Refusal
from hantu.service_layer.ports import Broker, BrokerOrder

REASONS = {
    RateLimited: ko.REASON_RATE_LIMITED,
    BrokerAuthError: ko.REASON_AUTH_REFUSED,
    BrokerUnreachable: ko.REASON_UNREACHABLE,
}
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    broker_order_id: BrokerOrderId


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str
    broker_error: str
    counted: bool = True  # False: it never left (our rate limit), no attempt of a retry used
    refusal: Refusal = Refusal.BROKER


@dataclass(frozen=True, slots=True)
class Unanswered:
    reason: str


Answer = Accepted | Refused | Unanswered


async def send(broker: Broker, order: Order, seconds: float) -> Answer:
    request = BrokerOrder(
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        quantity=order.quantity,
        price=order.price,
    )
    try:
        async with asyncio.timeout(seconds):  # in this task: no task of its own to wait for
            broker_id = await broker.place_order(request)
    except TimeoutError:
        return Unanswered(f"no answer from the broker within {seconds:g}s")
    except BrokerUnavailable as exc:
        return Unanswered(mask(str(exc)))
    except OrderNotPlaced as exc:
        counted = not isinstance(exc, NotSentRateLimited)
        return Refused(reason_of(exc), str(exc), counted=counted, refusal=refusal_of(exc))
    except ConfigError as exc:  # refused for our settings (wrong domain, key): never placed
        return Refused(ko.REASON_CONFIG, str(exc), refusal=Refusal.CONFIG)
    except Exception as exc:
        # Unforeseen: the request may have left, so the order is settled, never assumed failed.
        log.exception("unexpected error while sending order %s", order.id)
        return Unanswered(f"unexpected error while sending: {type(exc).__name__}")
    return Accepted(broker_id)


def refusal_of(exc: OrderNotPlaced) -> Refusal:
    """The cause of a definitive refusal, as front ends tell it apart."""
    match exc:
        case BrokerAuthError():
            return Refusal.AUTH
        case BrokerUnreachable():
            return Refusal.UNREACHABLE
        case RateLimited() | NotSentRateLimited():
            return Refusal.RATE_LIMITED
        case _:
            return Refusal.BROKER


def reason_of(exc: OrderNotPlaced) -> str:
    """The reason a refused order is kept with: the broker's own message, or ours."""
    if isinstance(exc, BrokerRejected):
        return exc.message
    if isinstance(exc, NotSentRateLimited):
        return ko.REASON_NOT_SENT_RATE_LIMITED.format(per_second=exc.per_second)
    return next((text for kind, text in REASONS.items() if isinstance(exc, kind)), exc.message)
