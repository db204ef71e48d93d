"""Pure builders of KIS WebSocket frames: records, data frames, control JSON, AES.

Layouts follow reference §7 (H0STCNT0 46 fields, H0STASP0 59, H0STCNI0/9 26, H0STMKO0 11);
data frames are `<enc>|<TR_ID>|<count:03d>|<f1^f2^...>` with several records simply
concatenated (§6.2). Notices are AES-256-CBC, PKCS#7, base64, with the key and iv given in
the subscription ack.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hantu.domain.enums import Side
from hantu.domain.values import tick_size
from hantu.simulator.calendar import seoul
from hantu.simulator.feed import SymbolState, Trade
from hantu.simulator.matching import Notice
from hantu.simulator.ws_layouts import (
    BOOK_LAYOUT,
    BOOK_LEVELS,
    NOTICE_LAYOUT,
    STATUS_LAYOUT,
    TRADE_LAYOUT,
    ordered,
)

TRADE_FIELDS = len(TRADE_LAYOUT)  # 46
BOOK_FIELDS = len(BOOK_LAYOUT)  # 59
NOTICE_FIELDS = len(NOTICE_LAYOUT)  # 26
STATUS_FIELDS = len(STATUS_LAYOUT)  # 11
# The synthetic book's resting shares per level, best first (H0STASP0 and H0STCNT0 agree).
LEVEL_SIZES = tuple(100 * (i + 1) for i in range(BOOK_LEVELS))
CENT = Decimal("0.01")
SESSION_OPEN_SECOND = 9 * 3600  # 09:00 Seoul
SESSION_SECONDS = 23_400  # 09:00-15:30, the regular session


def _n(value: Decimal | int) -> str:
    return str(Decimal(value).quantize(Decimal(1)))


def _hhmmss(at: datetime) -> str:
    return seoul(at).strftime("%H%M%S")


def _pct(part: Decimal | int, whole: Decimal | int) -> str:
    """`part / whole × 100` to two places; 0.00 when `whole` is zero (nothing to compare)."""
    if not whole:
        return "0.00"
    return str((Decimal(part) / Decimal(whole) * 100).quantize(CENT))


def _sign(state: SymbolState, price: Decimal) -> str:
    """PRDY_VRSS_SIGN: against the base price, with the limit codes 1 and 4."""
    if price >= state.upper:
        return "1"
    if price <= state.lower:
        return "4"
    return _diff_sign(price - state.base)


def _diff_sign(diff: Decimal) -> str:
    """`*_VRSS_PRPR_SIGN`: the sign of the difference beside it (2 rise, 3 flat, 5 fall)."""
    return "3" if diff == 0 else "2" if diff > 0 else "5"


@dataclass(frozen=True, slots=True)
class Book:
    """A synthetic 10-level book around the last price; levels past the band are 0."""

    asks: tuple[Decimal, ...]
    bids: tuple[Decimal, ...]
    ask_sizes: tuple[int, ...]
    bid_sizes: tuple[int, ...]


def synthetic_book(state: SymbolState) -> Book:
    """The book both H0STASP0 and H0STCNT0's best quotes and totals are read from."""
    asks, bids = [], []
    ask = bid = state.last
    if state.best_bid is not None:
        bid = state.best_bid  # 0 empties the bid side (below the lower limit, as KIS sends)
    upper, lower = state.upper, state.lower  # computed properties: read them once
    for _ in range(BOOK_LEVELS):
        ask = ask + tick_size(ask)
        asks.append(ask if ask <= upper else Decimal(0))
        bids.append(bid if bid >= lower else Decimal(0))
        bid = bid - tick_size(bid - 1)
    return Book(
        tuple(asks),
        tuple(bids),
        tuple(size if p else 0 for size, p in zip(LEVEL_SIZES, asks, strict=True)),
        tuple(size if p else 0 for size, p in zip(LEVEL_SIZES, bids, strict=True)),
    )


def trade_record(state: SymbolState, trade: Trade) -> list[str]:
    """One H0STCNT0 record (46 fields) for a trade just recorded into `state`."""
    price, change = trade.price, trade.price - state.base
    book = synthetic_book(state)
    avg = state.value / state.volume if state.volume else price
    values = {
        "MKSC_SHRN_ISCD": state.code, "STCK_CNTG_HOUR": _hhmmss(trade.at),
        "STCK_PRPR": _n(price), "PRDY_VRSS_SIGN": _sign(state, price), "PRDY_VRSS": _n(change),
        "PRDY_CTRT": _pct(change, state.base), "WGHN_AVRG_STCK_PRC": str(avg.quantize(CENT)),
        "STCK_OPRC": _n(state.open), "STCK_HGPR": _n(state.high), "STCK_LWPR": _n(state.low),
        "ASKP1": _n(book.asks[0]), "BIDP1": _n(book.bids[0]), "CNTG_VOL": str(trade.qty),
        "ACML_VOL": str(state.volume), "ACML_TR_PBMN": _n(state.value),
        **_aggressor_fields(state),
        **_extreme_fields(state, trade),
        "BSOP_DATE": seoul(trade.at).strftime("%Y%m%d"), "NEW_MKOP_CLS_CODE": "20",
        "TRHT_YN": "Y" if state.halted else "N", "ASKP_RSQN1": str(book.ask_sizes[0]),
        "BIDP_RSQN1": str(book.bid_sizes[0]), "TOTAL_ASKP_RSQN": str(sum(book.ask_sizes)),
        "TOTAL_BIDP_RSQN": str(sum(book.bid_sizes)),
        **_volume_ratio_fields(state, trade),
        "HOUR_CLS_CODE": "0", "MRKT_TRTM_CLS_CODE": "0",
        "VI_STND_PRC": _n(state.base),
    }  # fmt: skip
    return ordered(TRADE_LAYOUT, values)


def _aggressor_fields(state: SymbolState) -> dict[str, str]:
    # CTTR (체결강도) = bought shares / sold shares × 100; 0.00 while nothing was sold.
    buys, sells = state.buy_volume, state.sell_volume
    return {
        "SELN_CNTG_CSNU": str(state.sell_count),
        "SHNU_CNTG_CSNU": str(state.buy_count),
        "NTBY_CNTG_CSNU": str(state.buy_count - state.sell_count),
        "CTTR": _pct(buys, sells),
        "SELN_CNTG_SMTN": str(sells),
        "SHNU_CNTG_SMTN": str(buys),
        "CCLD_DVSN": "1" if state.aggressor is Side.BUY else "5",
        "SHNU_RATE": _pct(buys, buys + sells),
    }


def _volume_ratio_fields(state: SymbolState, trade: Trade) -> dict[str, str]:
    # Yesterday's volume spread evenly over the regular session gives its same-time volume.
    local = seoul(trade.at)
    elapsed = local.hour * 3600 + local.minute * 60 + local.second - SESSION_OPEN_SECOND
    share = min(max(elapsed, 0), SESSION_SECONDS) / SESSION_SECONDS
    same_time = int(state.prev_volume * share)
    return {
        "PRDY_VOL_VRSS_ACML_VOL_RATE": _pct(state.volume, state.prev_volume),
        "VOL_TNRT": _pct(state.volume, state.listed_shares),
        "PRDY_SMNS_HOUR_ACML_VOL": str(same_time),
        "PRDY_SMNS_HOUR_ACML_VOL_RATE": _pct(state.volume, same_time),
    }


def _extreme_fields(state: SymbolState, trade: Trade) -> dict[str, str]:
    # Each `*_VRSS_PRPR` is this price minus the level; the sign beside it agrees with it.
    out: dict[str, str] = {}
    for prefix, level, since in (
        ("OPRC", state.open, state.open_at),
        ("HGPR", state.high, state.high_at),
        ("LWPR", state.low, state.low_at),
    ):
        diff = trade.price - level
        out[f"{prefix}_HOUR"] = _hhmmss(since or trade.at)
        out[f"{prefix}_VRSS_PRPR_SIGN"] = _diff_sign(diff)
        out[f"{prefix}_VRSS_PRPR"] = _n(diff)
    return out


def book_record(state: SymbolState, at: datetime) -> list[str]:
    """One H0STASP0 record (59 fields) of the synthetic book."""
    book = synthetic_book(state)
    values = {"MKSC_SHRN_ISCD": state.code, "BSOP_HOUR": _hhmmss(at), "HOUR_CLS_CODE": "0"}
    for i in range(BOOK_LEVELS):
        values[f"ASKP{i + 1}"] = _n(book.asks[i])
        values[f"BIDP{i + 1}"] = _n(book.bids[i])
        values[f"ASKP_RSQN{i + 1}"] = str(book.ask_sizes[i])
        values[f"BIDP_RSQN{i + 1}"] = str(book.bid_sizes[i])
    values |= {
        "TOTAL_ASKP_RSQN": str(sum(book.ask_sizes)), "TOTAL_BIDP_RSQN": str(sum(book.bid_sizes)),
        "OVTM_TOTAL_ASKP_RSQN": "0", "OVTM_TOTAL_BIDP_RSQN": "0", "ANTC_CNPR": "0",
        "ANTC_CNQN": "0", "ANTC_VOL": "0", "ANTC_CNTG_VRSS": "0", "ANTC_CNTG_VRSS_SIGN": "3",
        "ANTC_CNTG_PRDY_CTRT": "0.00", "ACML_VOL": str(state.volume),
        "TOTAL_ASKP_RSQN_ICDC": "0", "TOTAL_BIDP_RSQN_ICDC": "0", "OVTM_TOTAL_ASKP_ICDC": "0",
        "OVTM_TOTAL_BIDP_ICDC": "0", "STCK_DEAL_CLS_CODE": "0",
    }  # fmt: skip
    return ordered(BOOK_LAYOUT, values)


def status_record(state: SymbolState) -> list[str]:
    """One H0STMKO0 record (11 fields): halt and VI state."""
    values = {
        "MKSC_SHRN_ISCD": state.code, "TRHT_YN": "Y" if state.halted else "N",
        "TR_SUSP_REAS_CNTT": state.halt_reason, "MKOP_CLS_CODE": "20",
        "ANTC_MKOP_CLS_CODE": "20", "MRKT_TRTM_CLS_CODE": "0", "DIVI_APP_CLS_CODE": "0",
        "ISCD_STAT_CLS_CODE": "55", "VI_CLS_CODE": state.vi, "OVTM_VI_CLS_CODE": "N",
        "EXCH_CLS_CODE": "1",
    }  # fmt: skip
    return ordered(STATUS_LAYOUT, values)


def notice_record(notice: Notice, hts_id: str, name: str) -> list[str]:
    """One execution notice record (26 fields), acceptance (CNTG_YN=1) or fill (2)."""
    order = notice.order
    account = order.account
    # ACPT_YN: 1 received (a new order), 2 confirmed (modify, cancel, fills).
    acpt = "1" if order.action == "new" and not notice.is_fill else "2"
    values = {
        "CUST_ID": hts_id, "ACNT_NO": account.cano + account.product_code,
        "ODER_NO": order.odno, "OODER_NO": order.orgn_odno,
        "SELN_BYOV_CLS": "01" if order.side is Side.SELL else "02",
        "RCTF_CLS": {"new": "0", "modify": "1", "cancel": "2"}[order.action],
        "ODER_KIND": order.ord_dvsn, "ODER_COND": "0", "STCK_SHRN_ISCD": order.symbol,
        "CNTG_QTY": str(notice.qty), "CNTG_UNPR": _n(notice.price),
        "STCK_CNTG_HOUR": _hhmmss(notice.at), "RFUS_YN": "1" if notice.rejected else "0",
        "CNTG_YN": "2" if notice.is_fill else "1", "ACPT_YN": acpt, "BRNC_NO": order.branch,
        "ODER_QTY": str(order.qty), "ACNT_NAME": account.name, "ORD_COND_PRC": "0",
        "ORD_EXG_GB": "1", "POPUP_YN": "Y", "FILLER": "", "CRDT_CLS": "10",
        "CRDT_LOAN_DATE": "", "CNTG_ISNM40": name, "ODER_PRC": _n(order.price),
    }  # fmt: skip
    return ordered(NOTICE_LAYOUT, values)


def data_frame(tr_id: str, records: Sequence[Sequence[str]]) -> str:
    """A plain realtime frame carrying one or more records of the same TR."""
    payload = "^".join("^".join(r) for r in records)
    return f"0|{tr_id}|{len(records):03d}|{payload}"


def encrypt(text: str, key: str, iv: str) -> str:
    """AES-256-CBC with PKCS#7, base64: how KIS ships execution notices."""
    padder = padding.PKCS7(128).padder()
    raw = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode()


def decrypt(data: str, key: str, iv: str) -> str:
    """The inverse of `encrypt` (for tests and for clients that want a reference)."""
    decryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).decryptor()
    raw = decryptor.update(base64.b64decode(data)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(raw) + unpadder.finalize()).decode()


def encrypted_frame(tr_id: str, record: Sequence[str], key: str, iv: str) -> str:
    """An encrypted realtime frame (`1|...`) with one record."""
    return f"1|{tr_id}|001|{encrypt('^'.join(record), key, iv)}"


def control(
    tr_id: str,
    tr_key: str,
    rt_cd: str,
    msg_cd: str,
    msg1: str,
    *,
    encrypt_flag: str = "N",
    key_iv: tuple[str, str] | None = None,
) -> str:
    """A JSON control frame: subscription ack or error (§6.2, §6.3)."""
    body: dict[str, object] = {"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1}
    if key_iv is not None:
        body["output"] = {"iv": key_iv[1], "key": key_iv[0]}
    header = {"tr_id": tr_id, "tr_key": tr_key, "encrypt": encrypt_flag}
    return json.dumps({"header": header, "body": body}, ensure_ascii=False)


def pingpong(at: datetime) -> str:
    """The server's PINGPONG heartbeat; clients echo it back."""
    stamp = seoul(at).strftime("%Y%m%d%H%M%S")
    return json.dumps({"header": {"tr_id": "PINGPONG", "datetime": stamp}})
