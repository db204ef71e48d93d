"""The data of an alert's Telegram buttons: opaque, short (≤ 64 bytes) and HMAC-signed.

`a` or `r` (approve, reject), the alert id (and `:price` confirmed after a move), and 16
characters of an HMAC-SHA256 over them with a key derived from the app secret: a forged
or guessed button is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from hantu.domain.alerts import AlertId

MAX_CALLBACK_BYTES = 64
_SIG_CHARS = 16


class AlertAction(StrEnum):
    APPROVE = "a"
    REJECT = "r"


def derive_key(app_secret: bytes) -> bytes:
    """A key for button signatures only, derived from the app secret."""
    return hmac.new(app_secret, b"hantu alert callbacks v1", hashlib.sha256).digest()


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:_SIG_CHARS]


def sign(key: bytes, action: AlertAction, alert_id: AlertId, price: Decimal | None = None) -> str:
    """The button's data; `price`: the price the person confirms after it moved."""
    body = f"{action.value}{alert_id}" + ("" if price is None else f":{price:f}")
    data = f"{body}.{_signature(key, body)}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError("callback data over 64 bytes")
    return data


def verify(key: bytes, data: str | None) -> tuple[AlertAction, AlertId, Decimal | None] | None:
    """The action and alert of a genuine button; None for anything forged or malformed."""
    if not data or len(data) > MAX_CALLBACK_BYTES or not data.isascii():
        return None
    body, _, signature = data.rpartition(".")
    if len(body) < 2 or not hmac.compare_digest(signature, _signature(key, body)):
        return None
    try:
        action = AlertAction(body[0])
    except ValueError:
        return None
    alert_id, _, price = body[1:].partition(":")
    try:
        confirmed = Decimal(price) if price else None
    except InvalidOperation:
        return None
    return action, AlertId(alert_id), confirmed
