"""The frame size limit: every frame KIS can send passes, anything longer is one drop."""

from __future__ import annotations

from hantu.adapters.kis.dispatch import MAX_FRAME_BYTES, FrameReader
from hantu.adapters.kis.realtime import DropKind
from hantu.adapters.kis.realtime_types import RealtimeHandlers
from hantu.service_layer.ports import Tick

from .frames import book_record, data_frame, full_trade_record


def _reader() -> tuple[FrameReader, list[Tick]]:
    ticks: list[Tick] = []
    return FrameReader(RealtimeHandlers(on_tick=ticks.append)), ticks


def test_largest_frame_kis_can_send_is_read_in_full() -> None:
    # 999 records (the three-digit count) of the fullest H0STCNT0 record, widest fields.
    record = full_trade_record(price="1999000", volume="9999999", cumulative="999999999999")
    frame = data_frame("H0STCNT0", [record] * 999)
    reader, ticks = _reader()

    reader.read(frame)

    assert len(frame) < MAX_FRAME_BYTES
    assert len(ticks) == 999
    assert not reader.dropped


def test_widest_record_times_999_stays_under_the_limit() -> None:
    # H0NXASP0 appends six fields to the 59 of H0STASP0; every field at 12 digits.
    record = ["9" * 12] * (len(book_record()) + 6)

    assert len(data_frame("H0NXASP0", [record] * 999)) < MAX_FRAME_BYTES


def test_frame_above_the_limit_is_dropped_as_oversized_once() -> None:
    reader, ticks = _reader()
    frame = data_frame("H0STCNT0", [full_trade_record()])
    frame += "^" + "9" * (MAX_FRAME_BYTES - len(frame))

    assert reader.read(frame) is None
    assert reader.read(frame.encode()) is None

    assert ticks == []
    assert reader.dropped == {DropKind.OVERSIZED: 2}
