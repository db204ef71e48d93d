"""Reading the control API's JSON bodies: each reader names the offending field.

Money never travels as a JSON float; seconds and counts are bounded, so a typo cannot
park the simulator for a year or inject a negative quantity.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from hantu.simulator.rest_common import SimContext

MAX_SECONDS = 86_400.0
MAX_TEXT = 200

Body = dict[str, Any]


class BadInput(Exception):
    """A control request the simulator cannot act on; `field` names the culprit."""

    def __init__(self, field: str, problem: str, status: int = 400) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.status = status


def read_seconds(body: Body, name: str = "seconds") -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(name, "required: a number of seconds")
    if not 0 <= value <= MAX_SECONDS:
        raise BadInput(name, f"must be between 0 and {MAX_SECONDS:.0f}")
    return float(value)


def read_flag(body: Body, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise BadInput(name, "must be true or false")
    return value


def read_text(body: Body, name: str, default: str) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise BadInput(name, f"must be a non-empty string of at most {MAX_TEXT} characters")
    return value.strip()


def read_symbol(ctx: SimContext, body: Body) -> str:
    code = body.get("symbol")
    if not isinstance(code, str) or not code.strip():
        raise BadInput("symbol", "required: a symbol code such as 005930")
    code = code.strip()
    if ctx.feed.get(code) is None:
        raise BadInput("symbol", f"{code} is not listed on this simulator", status=404)
    return code


def read_price(body: Body, name: str) -> Decimal:
    raw = body.get(name)
    # Money never travels as a JSON float: an integer or a decimal string only.
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadInput(name, "required: a price in won, as an integer or a string")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise BadInput(name, f"{raw!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise BadInput(name, "must be a positive price")
    return value


def read_positive_int(body: Body, name: str, default: int | None) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadInput(name, "must be a whole number of at least 1")
    return value


def read_optional_seconds(body: Body, name: str) -> float | None:
    """A required key whose value is a positive number of seconds, or null for off."""
    if name not in body:
        raise BadInput(name, "required: a number of seconds, or null for off")
    if body[name] is None:
        return None
    value = read_seconds(body, name)
    if value <= 0:
        raise BadInput(name, "must be more than 0 seconds, or null for off")
    return value
