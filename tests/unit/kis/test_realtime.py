"""Parsing of KIS realtime frames, built from the field tables of the reference (§6, §7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.adapters.kis.realtime import (
    DropKind,
    MalformedFrame,
    decrypt,
    parse_control,
    parse_market_status,
    parse_notices,
    parse_order_books,
    split_frame,
)
from hantu.adapters.kis.trade_records import TradeParser
from hantu.domain.values import Symbol
from hantu.service_layer.ports import Tick

from .frames import (
    book_record,
    data_frame,
    encrypt,
    encrypted_notice_frame,
    full_trade_record,
    notice_record,
    trade_record,
)

KEY = "k" * 32
IV = "i" * 16


def _trades(frame: str) -> list[Tick]:
    parsed = split_frame(frame)
    return TradeParser().parse(parsed.payload, parsed.count)


def test_trade_frame_single_record_gives_typed_tick() -> None:
    frame = data_frame("H0STCNT0", [trade_record(price="70100", volume="7")])

    [tick] = _trades(frame)

    assert tick.symbol == Symbol("005930")
    assert tick.price == Decimal("70100")
    assert isinstance(tick.price, Decimal)
    assert tick.volume == 7
    assert tick.cumulative_volume == Decimal("123456")
    assert tick.at == datetime(2026, 11, 20, 0, 30, 1, tzinfo=UTC)  # 09:30:01 KST


def test_trade_frame_several_records_gives_one_tick_each() -> None:
    records = [
        trade_record(symbol="005930", price="70000"),
        trade_record(symbol="000660", price="180500"),
        trade_record(symbol="035720", price="41250", time="093002"),
    ]

    ticks = _trades(data_frame("H0STCNT0", records))

    assert [t.symbol.code for t in ticks] == ["005930", "000660", "035720"]
    assert [t.price for t in ticks] == [Decimal(70000), Decimal(180500), Decimal(41250)]
    assert ticks[2].at.second == 2


def test_trade_frame_extra_trailing_fields_are_skipped_per_record() -> None:
    records = [trade_record(price="70000", extra=3), trade_record(price="70100", extra=3)]

    ticks = _trades(data_frame("H0STCNT0", records))

    assert [t.price for t in ticks] == [Decimal(70000), Decimal(70100)]
    assert ticks[1].symbol.code == "005930"


def test_trade_frame_with_too_few_fields_is_malformed() -> None:
    record = trade_record()[:40]

    with pytest.raises(MalformedFrame):
        _trades(data_frame("H0STCNT0", [record]))


def test_trade_frame_count_not_matching_fields_is_malformed() -> None:
    payload = "^".join(trade_record() + trade_record()[:10])

    with pytest.raises(MalformedFrame):
        TradeParser().parse(payload, 2)


def test_trade_frame_bad_price_is_malformed() -> None:
    with pytest.raises(MalformedFrame):
        _trades(data_frame("H0STCNT0", [trade_record(price="abc")]))


def test_trade_frame_bad_symbol_is_malformed() -> None:
    with pytest.raises(MalformedFrame):
        _trades(data_frame("H0STCNT0", [trade_record(symbol="XX")]))


@pytest.mark.parametrize("text", ["0|H0STCNT0|abc|x", "2|H0STCNT0|001|x", "0|H0STCNT0", "0|X|000|"])
def test_split_frame_bad_header_is_malformed(text: str) -> None:
    with pytest.raises(MalformedFrame):
        split_frame(text)


def test_split_frame_payload_may_contain_pipes() -> None:
    frame = split_frame("0|H0STCNT0|001|a|b^c")

    assert frame.payload == "a|b^c"
    assert frame.count == 1
    assert not frame.encrypted


def test_notice_26_fields_fill_is_read_by_index() -> None:
    plain = "^".join(notice_record(quantity="3", price="70100", fill=True))

    [notice] = parse_notices(plain, 1)

    assert notice.is_fill
    assert not notice.rejected
    assert notice.order_no == "0000012345"
    assert notice.quantity == Decimal(3)
    assert notice.price == Decimal(70100)
    assert notice.sell_buy == "02"
    assert notice.branch == "00950"
    assert notice.order_quantity == Decimal(10)


def test_notice_old_23_field_layout_still_parses() -> None:
    plain = "^".join(notice_record(fields=23))

    [notice] = parse_notices(plain, 1)

    assert notice.symbol == "005930"
    assert notice.order_quantity == Decimal(10)


def test_notice_several_records_with_extra_fields_are_split_by_count() -> None:
    records = [[*notice_record(order_no="1"), "NEW"], [*notice_record(order_no="2"), "NEW"]]
    plain = "^".join(f for r in records for f in r)

    notices = parse_notices(plain, 2)

    assert [n.order_no for n in notices] == ["1", "2"]


def test_notice_acceptance_is_not_a_fill() -> None:
    [notice] = parse_notices("^".join(notice_record(fill=False)), 1)

    assert not notice.is_fill


def test_decrypt_roundtrip_with_ack_key_and_iv() -> None:
    plain = "^".join(notice_record())

    assert decrypt(encrypt(plain, KEY, IV), KEY, IV) == plain


def test_decrypt_with_wrong_key_is_malformed() -> None:
    cipher = encrypt("^".join(notice_record()), KEY, IV)

    with pytest.raises(MalformedFrame):
        decrypt(cipher, "x" * 32, IV)


def test_decrypt_not_base64_is_malformed() -> None:
    with pytest.raises(MalformedFrame):
        decrypt("@@not base64@@", KEY, IV)


def test_control_ack_carries_key_and_iv() -> None:
    ack = {
        "header": {"tr_id": "H0STCNI0", "tr_key": "htsuser", "encrypt": "N"},
        "body": {
            "rt_cd": "0",
            "msg_cd": "OPSP0000",
            "msg1": "SUBSCRIBE SUCCESS",
            "output": {"iv": IV, "key": KEY},
        },
    }

    control = parse_control(json.dumps(ack))

    assert control.ok
    assert (control.key, control.iv) == (KEY, IV)
    assert not control.is_ping
    assert not control.is_unsubscribe


def test_control_already_subscribed_counts_as_ok() -> None:
    body = {"rt_cd": "1", "msg_cd": "OPSP0002", "msg1": "ALREADY IN SUBSCRIBE"}

    control = parse_control(json.dumps({"header": {"tr_id": "H0STCNT0"}, "body": body}))

    assert control.ok


def test_control_error_is_not_ok() -> None:
    body = {"rt_cd": "1", "msg_cd": "OPSP0008", "msg1": "MAX SUBSCRIBE OVER"}

    control = parse_control(json.dumps({"header": {"tr_id": "H0STCNT0"}, "body": body}))

    assert not control.ok
    assert control.msg_cd == "OPSP0008"


def test_control_pingpong_is_recognised() -> None:
    text = '{"header":{"tr_id":"PINGPONG","datetime":"20261120093000"}}'

    assert parse_control(text).is_ping


@pytest.mark.parametrize("text", ["{not json", "[]", '{"body":{}}'])
def test_control_without_header_is_malformed(text: str) -> None:
    with pytest.raises(MalformedFrame):
        parse_control(text)


def test_order_book_levels_are_best_first() -> None:
    frame = split_frame(data_frame("H0STASP0", [book_record(best_ask=70100, best_bid=70000)]))

    [book] = parse_order_books(frame.payload, frame.count)

    assert book.asks[0].price == Decimal(70100)
    assert book.asks[9].price == Decimal(71000)
    assert book.bids[0].price == Decimal(70000)
    assert book.bids[0].quantity == 200
    assert len(book.asks) == len(book.bids) == 10


def test_market_status_vi_and_halt_are_read() -> None:
    record = ["005930", "Y", "VI", "", "", "", "", "", "1", "N", "K", "EXTRA"]

    [status] = parse_market_status("^".join(record), 1)

    assert status.halted
    assert status.vi_active
    assert status.symbol.code == "005930"


@given(
    trades=st.lists(
        st.tuples(st.integers(1, 20_000), st.integers(1, 10_000)), min_size=1, max_size=12
    ),
    extra=st.integers(0, 5),
)
def test_trade_parser_any_batch_with_any_extra_fields_roundtrips(
    trades: list[tuple[int, int]], extra: int
) -> None:
    records = [trade_record(price=str(p * 10), volume=str(v), extra=extra) for p, v in trades]

    ticks = _trades(data_frame("H0STCNT0", records))

    assert [(t.price, t.volume) for t in ticks] == [
        (Decimal(p * 10), Decimal(v)) for p, v in trades
    ]


def test_multi_record_trade_frame_as_kis_sends_it_gives_every_record() -> None:
    # Three trades of one symbol within one send interval: `0|H0STCNT0|003|`, 3 x 46 fields.
    records = [
        full_trade_record(time="093354", price="71900", volume="152", cumulative="3052935"),
        full_trade_record(time="093354", price="71800", volume="7", cumulative="3052942"),
        full_trade_record(time="093355", price="71900", volume="1200", cumulative="3054142"),
    ]
    frame = data_frame("H0STCNT0", records)
    assert frame.startswith("0|H0STCNT0|003|")
    assert frame.count("^") == 3 * 46 - 1

    ticks = _trades(frame)

    assert [(t.price, t.volume, t.cumulative_volume) for t in ticks] == [
        (Decimal(71900), Decimal(152), Decimal(3052935)),
        (Decimal(71800), Decimal(7), Decimal(3052942)),
        (Decimal(71900), Decimal(1200), Decimal(3054142)),
    ]
    assert {t.symbol for t in ticks} == {Symbol("005930")}
    assert [t.at.second for t in ticks] == [54, 54, 55]


def test_multi_record_book_and_notice_frames_give_every_record() -> None:
    books = split_frame(data_frame("H0STASP0", [book_record(best_ask=a) for a in (70100, 70200)]))
    frame = encrypted_notice_frame([notice_record(order_no=n) for n in ("1", "2", "3")], KEY, IV)
    notices = split_frame(frame)

    parsed = parse_notices(decrypt(notices.payload, KEY, IV), notices.count)

    assert [b.asks[0].price for b in parse_order_books(books.payload, books.count)] == [
        Decimal(70100),
        Decimal(70200),
    ]
    assert [n.order_no for n in parsed] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("0|H0STCNT0|001|", DropKind.TRUNCATED),
        ("0|H0STCNT0|001", DropKind.TRUNCATED),
        ("0|H0STCNT0|00x|a", DropKind.PARSE),
        ("0|H0STCNT0|001|" + "^".join(full_trade_record()[:45]), DropKind.FIELD_COUNT),
        ("0|H0STCNT0|002|" + "^".join(full_trade_record()), DropKind.FIELD_COUNT),
        ("0|H0STCNT0|001|" + "^".join(full_trade_record(price="7O900")), DropKind.BAD_VALUE),
        ("0|H0STCNT0|001|" + "^".join(full_trade_record(day="2026")), DropKind.BAD_VALUE),
    ],
)
def test_unreadable_trade_frame_names_its_kind(text: str, kind: DropKind) -> None:
    with pytest.raises(MalformedFrame) as raised:
        _trades(text)

    assert raised.value.kind is kind


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_control_nested_too_deep_is_malformed_not_recursion_error(depth: int) -> None:
    with pytest.raises(MalformedFrame) as raised:
        parse_control('{"header":' + "[" * depth)

    assert raised.value.kind is DropKind.NESTING


def test_decrypt_failures_are_decrypt_kind() -> None:
    cipher = encrypt("^".join(notice_record()), KEY, IV)

    for payload, key in ((cipher, "x" * 32), ("@@", KEY), (cipher[:-4], KEY)):
        with pytest.raises(MalformedFrame) as raised:
            decrypt(payload, key, IV)
        assert raised.value.kind is DropKind.DECRYPT


@pytest.mark.parametrize(
    ("key", "iv", "usable"),
    [
        (KEY, IV, True),
        ("k" * 31, IV, False),
        ("k" * 33, IV, False),
        (KEY, "i" * 15, False),
        ("키" * 32, IV, False),  # 32 characters, 96 UTF-8 bytes
    ],
)
def test_control_aes_key_only_when_sized_for_aes_256_cbc(key: str, iv: str, usable: bool) -> None:
    ack = {
        "header": {"tr_id": "H0STCNI0", "tr_key": "htsuser"},
        "body": {"rt_cd": "0", "msg_cd": "OPSP0000", "output": {"key": key, "iv": iv}},
    }

    control = parse_control(json.dumps(ack))

    assert (control.aes_key() == (key, iv)) is usable
    assert (control.aes_key() is None) is not usable
