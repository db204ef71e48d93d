"""The pure frame builders, field by field against the reference's layouts (§7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hantu.domain.enums import Side
from hantu.simulator import ws_frames as frames
from hantu.simulator.accounts import make_account
from hantu.simulator.feed import PriceFeed, Trade
from hantu.simulator.matching import Notice, SimOrder
from tests.fakes import FakeClock

AT = datetime(2026, 11, 20, 0, 31, 5, tzinfo=UTC)  # 09:31:05 KST


@pytest.fixture
def feed() -> PriceFeed:
    return PriceFeed(FakeClock(AT), {"005930": ("삼성전자", Decimal(70_000))})


def test_trade_record_fields_at_documented_indexes(feed: PriceFeed) -> None:
    trade = feed.set_price("005930", 71_000, qty=12)
    record = frames.trade_record(feed["005930"], trade)
    assert len(record) == frames.TRADE_FIELDS == 46
    assert record[0] == "005930"  # MKSC_SHRN_ISCD
    assert record[1] == "093105"  # STCK_CNTG_HOUR (KST)
    assert record[2] == "71000"  # STCK_PRPR
    assert record[3] == "2"  # PRDY_VRSS_SIGN: rise
    assert record[4] == "1000"  # PRDY_VRSS
    assert record[5] == "1.43"  # PRDY_CTRT
    assert record[12] == "12"  # CNTG_VOL
    assert record[13] == "12"  # ACML_VOL
    assert record[33] == "20261120"  # BSOP_DATE
    assert record[35] == "N"  # TRHT_YN
    assert record[45] == "70000"  # VI_STND_PRC (base)


def test_trade_record_volume_ratios_against_yesterday_and_listed_shares(
    feed: PriceFeed,
) -> None:
    state = feed["005930"]
    state.prev_volume, state.listed_shares = 2_340_000, 1_000_000
    trade = feed.set_price("005930", 71_000, qty=5_000)
    record = frames.trade_record(state, trade)
    # 09:31:05 is 1,865 s into the 23,400 s session: yesterday had 186,500 shares by then.
    assert record[41] == "186500"  # PRDY_SMNS_HOUR_ACML_VOL
    assert record[42] == "2.68"  # PRDY_SMNS_HOUR_ACML_VOL_RATE: 5,000 / 186,500
    assert record[23] == "0.21"  # PRDY_VOL_VRSS_ACML_VOL_RATE: 5,000 / 2,340,000
    assert record[40] == "0.50"  # VOL_TNRT: 5,000 / 1,000,000


def test_trade_record_upper_limit_sign_1(feed: PriceFeed) -> None:
    trade = feed.set_price("005930", 91_000)
    assert frames.trade_record(feed["005930"], trade)[3] == "1"


def test_status_record_halt_fields(feed: PriceFeed) -> None:
    feed.halt("005930")
    record = frames.status_record(feed["005930"])
    assert len(record) == frames.STATUS_FIELDS
    assert (record[0], record[1], record[8]) == ("005930", "Y", "N")


def notice(is_fill: bool, action: str = "new") -> Notice:
    account = make_account("12345678-01", hts_id="hts01", name="홍길동")
    order = SimOrder(
        "0000000007", "06010", account, "005930", Side.SELL, "00", 5, Decimal(71_000), AT
    )
    order.action = action
    order.orgn_odno = "0000000003" if action != "new" else ""
    return Notice(order, is_fill, 2 if is_fill else 5, Decimal(71_000), AT)


def test_notice_record_acceptance_layout() -> None:
    record = frames.notice_record(notice(False), "hts01", "삼성전자")
    assert len(record) == frames.NOTICE_FIELDS == 26
    assert record[0:5] == ["hts01", "1234567801", "0000000007", "", "01"]
    assert (record[5], record[6], record[8]) == ("0", "00", "005930")
    assert (record[9], record[10], record[11]) == ("5", "71000", "093105")
    assert (record[12], record[13], record[14]) == ("0", "1", "1")
    assert (record[15], record[16], record[24], record[25]) == ("06010", "5", "삼성전자", "71000")


def test_notice_record_fill_and_cancel_flags() -> None:
    fill = frames.notice_record(notice(True), "hts01", "삼성전자")
    cancel = frames.notice_record(notice(False, "cancel"), "hts01", "삼성전자")
    assert (fill[9], fill[13], fill[14]) == ("2", "2", "2")
    assert (cancel[3], cancel[5], cancel[13]) == ("0000000003", "2", "1")


def test_encrypt_decrypt_roundtrip_base64_aes_cbc() -> None:
    key, iv = "k" * 32, "i" * 16
    sealed = frames.encrypt("가^b^c", key, iv)
    assert sealed != "가^b^c"
    assert frames.decrypt(sealed, key, iv) == "가^b^c"


def test_data_frame_concatenates_records() -> None:
    assert frames.data_frame("H0STCNT0", [["a", "b"], ["c", "d"]]) == "0|H0STCNT0|002|a^b^c^d"


def test_control_frame_shape_with_output() -> None:
    message = json.loads(
        frames.control(
            "H0STCNT0", "005930", "0", "OPSP0000", "SUBSCRIBE SUCCESS", key_iv=("k", "i")
        )
    )
    assert message["header"] == {"tr_id": "H0STCNT0", "tr_key": "005930", "encrypt": "N"}
    assert message["body"]["output"] == {"iv": "i", "key": "k"}


def test_pingpong_frame_shape() -> None:
    message = json.loads(frames.pingpong(AT))
    assert message == {"header": {"tr_id": "PINGPONG", "datetime": "20261120093105"}}


def test_book_record_at_upper_limit_has_no_asks_and_stays_in_band(feed: PriceFeed) -> None:
    feed.set_price("005930", 91_000)  # the upper limit: nobody may offer above it
    record = frames.book_record(feed["005930"], AT)
    assert len(record) == frames.BOOK_FIELDS
    assert record[3:13] == ["0"] * 10  # ASKP1..10
    assert record[23:33] == ["0"] * 10  # ASKP_RSQN1..10
    assert record[13] == "91000"  # BIDP1
    assert record[43] == "0"  # TOTAL_ASKP_RSQN
    assert record[44] == str(sum(int(q) for q in record[33:43]))  # TOTAL_BIDP_RSQN


def test_trade_record_uses_trade_time() -> None:
    feed = PriceFeed(FakeClock(AT), {"005930": ("삼성전자", Decimal(70_000))})
    trade = Trade("005930", Decimal(70_000), 1, AT)
    assert frames.trade_record(feed["005930"], trade)[1] == "093105"
