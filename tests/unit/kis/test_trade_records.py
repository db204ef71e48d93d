"""H0STCNT0 on the hot path (Ticks) and on demand (every field by its reference name)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from hantu.adapters.kis.realtime import DropKind, MalformedFrame, split_frame
from hantu.adapters.kis.trade_records import TRADE_FIELD_INDEX, TRADE_FIELD_NAMES, TradeParser
from hantu.service_layer.ports import Tick
from tests.simulator.kis_reference_layouts import TRADE_TABLE

from .frames import data_frame, full_trade_record, trade_record


def test_field_names_are_the_reference_table_in_order() -> None:
    rows = re.findall(r"\| (\d+) \| (\w+) \|", TRADE_TABLE)

    assert [(int(i), name) for i, name in rows] == list(enumerate(TRADE_FIELD_NAMES))
    assert TRADE_FIELD_INDEX["ACML_VOL"] == 13
    assert TRADE_FIELD_INDEX["CTTR"] == 18


def test_fields_gives_every_field_of_every_record_by_name() -> None:
    first = full_trade_record(symbol="005930", price="71900")
    second = full_trade_record(symbol="000660", price="178500", volume="3")
    frame = split_frame(data_frame("H0STCNT0", [first, second]))

    records = TradeParser.fields(frame.payload, frame.count)

    assert [list(r.values()) for r in records] == [first, second]
    assert records[1]["MKSC_SHRN_ISCD"] == "000660"
    assert records[1]["CNTG_VOL"] == "3"
    assert records[0]["CTTR"] == first[18]
    assert len(records[0]) == 46


def test_fields_leave_out_fields_appended_past_the_46() -> None:
    frame = split_frame(data_frame("H0STCNT0", [trade_record(extra=2), trade_record(extra=2)]))

    records = TradeParser.fields(frame.payload, frame.count)

    assert [len(r) for r in records] == [46, 46]
    assert "X0" not in records[1].values()
    assert records[1]["MKSC_SHRN_ISCD"] == "005930"


def test_fields_of_a_short_frame_is_a_field_count_drop() -> None:
    payload = "^".join(trade_record() + trade_record()[:10])

    with pytest.raises(MalformedFrame) as caught:
        TradeParser.fields(payload, 2)

    assert caught.value.kind is DropKind.FIELD_COUNT


def test_fast_built_tick_equals_the_dataclass_built_one_and_stays_frozen() -> None:
    frame = split_frame(data_frame("H0STCNT0", [full_trade_record()]))

    [tick] = TradeParser().parse(frame.payload, frame.count)
    plain = Tick(tick.symbol, tick.price, tick.volume, tick.at, tick.cumulative_volume)

    assert tick == plain
    assert hash(tick) == hash(plain)
    assert tick.cumulative_volume == 3052935
    with pytest.raises(dataclasses.FrozenInstanceError):
        tick.price = tick.price  # type: ignore[misc]


def test_repeated_values_come_from_the_caches_across_frames() -> None:
    parser = TradeParser()
    ticks = []
    for cumulative in ("100", "110"):
        frame = split_frame(data_frame("H0STCNT0", [trade_record(cumulative=cumulative)]))
        ticks += parser.parse(frame.payload, frame.count)

    assert ticks[0].price is ticks[1].price
    assert ticks[0].at is ticks[1].at
    assert [t.cumulative_volume for t in ticks] == [100, 110]


def test_bad_cumulative_volume_is_a_bad_value_drop() -> None:
    frame = split_frame(data_frame("H0STCNT0", [trade_record(cumulative="12x")]))

    with pytest.raises(MalformedFrame) as caught:
        TradeParser().parse(frame.payload, frame.count)

    assert caught.value.kind is DropKind.BAD_VALUE
