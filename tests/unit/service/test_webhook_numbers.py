"""Which spellings of a number a webhook accepts: ASCII digits with at most one decimal point
(with digits on both sides), and JSON numbers; everything else is refused naming the field."""

from decimal import Decimal
from typing import Any

import pytest

from hantu import messages_ko as ko
from hantu.service_layer.webhooks import WebhookInvalid, decode_body, parse_signal


def _signal(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "symbol": "005930",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "10",
        "price": "70000",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10", 10),
        ("10.0", 10),
        (10, 10),
        (Decimal("10.0"), 10),  # a JSON 10.0 (parsed as Decimal, never float)
        (Decimal("1E+1"), 10),  # a JSON 1e1: a JSON number, so allowed
    ],
)
def test_webhook_quantity_plain_spelling_is_accepted(raw: object, expected: int) -> None:
    assert parse_signal(_signal(quantity=raw)).quantity == expected


@pytest.mark.parametrize(
    "raw",
    [
        "1_000",  # Decimal("1_000") == 1000: placed 1,000 shares before
        "１０",  # full-width digits
        "١٠",  # Arabic-Indic digits
        "٣",
        " 10",
        "10 ",
        "10\n",
        "1e3",
        "1E3",
        "NaN",
        "Infinity",
        "-1",
        "+1",
        "10.",
        ".5",
        "1.0.0",
        "1,000",
        "0x10",
    ],
)
@pytest.mark.parametrize("field", ["quantity", "price"])
def test_webhook_number_other_spelling_is_refused_naming_the_field(raw: str, field: str) -> None:
    with pytest.raises(WebhookInvalid) as caught:
        parse_signal(_signal(**{field: raw}))

    assert caught.value.field == field
    assert caught.value.detail == ko.WEBHOOK_NUMBER_FORMAT


@pytest.mark.parametrize("raw", [True, False, [10], {"n": 10}, 10.0])
def test_webhook_number_of_another_json_type_is_refused(raw: object) -> None:
    with pytest.raises(WebhookInvalid) as caught:
        parse_signal(_signal(quantity=raw))

    assert caught.value.field == "quantity"


@pytest.mark.parametrize("raw", [b'{"quantity": NaN}', b'{"quantity": Infinity}'])
def test_webhook_json_nan_or_infinity_is_refused_as_not_json(raw: bytes) -> None:
    with pytest.raises(WebhookInvalid) as caught:
        decode_body(raw)

    assert caught.value.field == "body"


def test_webhook_json_decimal_price_keeps_its_digits() -> None:
    payload = decode_body(b'{"quantity": 3, "price": 70100.0}')

    signal = parse_signal(_signal(**payload))

    assert (signal.quantity, signal.price) == (3, Decimal("70100.0"))
