"""Contract: the simulator's realtime records against the reference's layouts (§7).

Two checks per TR the simulator sends: its field names, in order, are the reference's
table; and a record received over a real socket has that many fields, each in the form
its name promises (times HHMMSS, signs 1-5, numbers, Y/N flags), so a value slipping
into a neighbour's slot is caught here rather than by a user.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from hantu.domain.enums import Side
from hantu.simulator.ws_frames import decrypt
from hantu.simulator.ws_layouts import BOOK_LAYOUT, NOTICE_LAYOUT, STATUS_LAYOUT, TRADE_LAYOUT
from tests.fixtures.kis_simulator import KisSimHandle
from tests.simulator import kis_reference_layouts as reference
from tests.simulator.helpers import approval_key, recv_data, recv_json, sub_message

ROW = re.compile(r"\| (\d+)(?:–(\d+))? \| (\S+)(?: … (\S+))? \|")


def reference_names(table: str) -> list[str]:
    """Field names by index; `3–12 | ASKP1 … ASKP10` expands to ASKP1..ASKP10."""
    names: list[str] = []
    for line in filter(None, table.strip().splitlines()):
        match = ROW.fullmatch(line)
        assert match is not None, line
        first, last, name, _ = match.groups()
        assert int(first) == len(names), f"index {first} out of order"
        if last is None:
            names.append(name)
            continue
        stem = name.rstrip("0123456789")
        names += [f"{stem}{n}" for n in range(1, int(last) - int(first) + 2)]
    return names


@pytest.mark.parametrize(
    ("layout", "table", "count"),
    [
        (TRADE_LAYOUT, reference.TRADE_TABLE, 46),
        (BOOK_LAYOUT, reference.BOOK_TABLE, 59),
        (NOTICE_LAYOUT, reference.NOTICE_TABLE, 26),
        (STATUS_LAYOUT, reference.STATUS_TABLE, 11),
    ],
    ids=["H0STCNT0", "H0STASP0", "H0STCNI0", "H0STMKO0"],
)
def test_layout_names_in_order_are_the_reference_table(
    layout: tuple[str, ...], table: str, count: int
) -> None:
    assert list(layout) == reference_names(table)
    assert len(layout) == count


# --- the form each field's name promises -------------------------------------------------

HHMMSS = re.compile(r"([01]\d|2[0-3])[0-5]\d[0-5]\d")
FORMS: dict[str, re.Pattern[str]] = {
    "code": re.compile(r"[0-9A-Z]{6}"),
    "hhmmss": HHMMSS,
    "date": re.compile(r"20\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"),
    "sign": re.compile(r"[1-5]"),
    "yn": re.compile(r"[YN]"),
    "digit": re.compile(r"[0-9A-Z]{1,2}"),
}
TEXT = frozenset(
    {"TR_SUSP_REAS_CNTT", "CUST_ID", "ACNT_NAME", "CNTG_ISNM40", "FILLER", "CRDT_LOAN_DATE"}
)
CODES = frozenset({"MKSC_SHRN_ISCD", "STCK_SHRN_ISCD"})
# One- or two-character class codes (including the notice's 0/1/2 flags).
CLASS_CODES = frozenset(
    {
        "CCLD_DVSN", "NEW_MKOP_CLS_CODE", "HOUR_CLS_CODE", "MRKT_TRTM_CLS_CODE",
        "STCK_DEAL_CLS_CODE", "MKOP_CLS_CODE", "ANTC_MKOP_CLS_CODE", "DIVI_APP_CLS_CODE",
        "ISCD_STAT_CLS_CODE", "VI_CLS_CODE", "OVTM_VI_CLS_CODE", "EXCH_CLS_CODE",
        "SELN_BYOV_CLS", "RCTF_CLS", "ODER_KIND", "ODER_COND", "RFUS_YN", "CNTG_YN",
        "ACPT_YN", "ORD_EXG_GB", "CRDT_CLS",
    }
)  # fmt: skip
NUMBER_CODES = frozenset({"ACNT_NO", "ODER_NO", "OODER_NO", "BRNC_NO"})


def form_of(name: str) -> str:
    """What a field must look like, judged from its reference name alone."""
    if name in TEXT:
        return "text"
    if name in CODES:
        return "code"
    if name in CLASS_CODES:
        return "digit"
    if name in NUMBER_CODES:
        return "digits"
    if name.endswith("_HOUR"):
        return "hhmmss"
    if name.endswith("_DATE"):
        return "date"
    if name.endswith("_SIGN"):
        return "sign"
    if name.endswith("_YN"):
        return "yn"
    return "number"


def assert_forms(layout: tuple[str, ...], record: list[str]) -> None:
    assert len(record) == len(layout)
    for name, value in zip(layout, record, strict=True):
        form = form_of(name)
        if form == "number":
            try:
                assert Decimal(value).is_finite(), (name, value)
            except InvalidOperation:
                raise AssertionError(f"{name}={value!r} is not a number") from None
        elif form == "digits":
            assert value == "" or value.isdigit(), (name, value)
        elif form != "text":
            assert FORMS[form].fullmatch(value), (name, value)


# --- what the simulator sends over the wire ----------------------------------------------


async def subscribed(ws: ClientConnection, key: str, tr_id: str, tr_key: str) -> dict[str, str]:
    await ws.send(sub_message(key, tr_id, tr_key))
    ack = await recv_json(ws)
    assert ack["body"]["msg_cd"] == "OPSP0000", ack
    return dict(ack["body"]["output"])


def records_of(frame: str, tr_id: str, width: int) -> list[list[str]]:
    enc, got_tr, count, payload = frame.split("|", 3)
    assert (enc, got_tr) == ("0", tr_id)
    fields = payload.split("^")
    assert len(fields) == int(count) * width
    return [fields[i : i + width] for i in range(0, len(fields), width)]


async def test_market_frames_fields_take_the_form_their_names_promise(
    kis_sim: KisSimHandle,
) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        key = await approval_key(client, kis_sim)
    async with connect(kis_sim.ws_url) as ws:
        for tr_id in ("H0STCNT0", "H0STASP0", "H0STMKO0"):
            await subscribed(ws, key, tr_id, "005930")
        for price in (71_100, 70_900, 91_000):  # a rise, a fall, the upper limit
            kis_sim.feed.set_price("005930", price, qty=7)
        trades, books = await recv_data(ws), await recv_data(ws)
        kis_sim.faults.halt("005930")
        status = await recv_data(ws)
    for record in records_of(trades, "H0STCNT0", 46):
        assert_forms(TRADE_LAYOUT, record)
    for record in records_of(books, "H0STASP0", 59):
        assert_forms(BOOK_LAYOUT, record)
    [halted] = records_of(status, "H0STMKO0", 11)
    assert_forms(STATUS_LAYOUT, halted)
    assert (halted[0], halted[1]) == ("005930", "Y")


@pytest.mark.parametrize("tr_id", ["H0STCNI0", "H0STCNI9"])
async def test_notice_fields_take_the_form_their_names_promise(
    kis_sim: KisSimHandle, tr_id: str
) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        key = await approval_key(client, kis_sim)
    async with connect(kis_sim.ws_url) as ws:
        aes = await subscribed(ws, key, tr_id, kis_sim.hts_id)
        account = kis_sim.account_obj
        kis_sim.engine.place(account, "005930", Side.BUY, "00", 3, Decimal(70_000))
        kis_sim.feed.set_price("005930", 70_000)
        frames = [await recv_data(ws), await recv_data(ws)]
    for frame in frames:
        enc, got_tr, count, payload = frame.split("|", 3)
        assert (enc, got_tr, count) == ("1", tr_id, "001")
        record = decrypt(payload, aes["key"], aes["iv"]).split("^")
        assert_forms(NOTICE_LAYOUT, record)
