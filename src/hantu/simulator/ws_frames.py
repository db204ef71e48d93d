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
from datetime import datetime
from decimal import Decimal

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hantu.domain.enums import Side
from hantu.domain.values import tick_size
from hantu.simulator.calendar import seoul
from hantu.simulator.feed import SymbolState, Trade
from hantu.simulator.matching import Notice

TRADE_FIELDS = 46
BOOK_FIELDS = 59
NOTICE_FIELDS = 26
STATUS_FIELDS = 11


def _n(value: Decimal | int) -> str:
    return str(Decimal(value).quantize(Decimal(1)))


def _sign(state: SymbolState, price: Decimal) -> str:
    if price >= state.upper:
        return "1"
    if price <= state.lower:
        return "4"
    if price == state.base:
        return "3"
    return "2" if price > state.base else "5"


def trade_record(state: SymbolState, trade: Trade) -> list[str]:
    """One H0STCNT0 record (46 fields) for a trade."""
    at = seoul(trade.at)
    price, tick = trade.price, tick_size(trade.price)
    change = price - state.base
    avg = state.value / state.volume if state.volume else price
    fields = [
        state.code, at.strftime("%H%M%S"), _n(price), _sign(state, price), _n(change),
        str((change / state.base * 100).quantize(Decimal("0.01"))),
        str(Decimal(avg).quantize(Decimal("0.01"))), _n(state.open), _n(state.high),
        _n(state.low), _n(price + tick), _n(price), str(trade.qty), str(state.volume),
        _n(state.value), "0", "0", "0", "100.00", "0", "0", "1", "50.00", "0.00",
        "090000", _sign(state, state.open), _n(price - state.open), "090000",
        _sign(state, state.high), _n(price - state.high), "090000", _sign(state, state.low),
        _n(price - state.low), at.strftime("%Y%m%d"), "20", "Y" if state.halted else "N",
        "100", "100", "1000", "1000", "0.00", "0", "0.00", "0", "0", _n(state.base),
    ]  # fmt: skip
    return fields


def book_record(state: SymbolState, at: datetime) -> list[str]:
    """One H0STASP0 record (59 fields): a synthetic 10-level book around the last price."""
    price = state.last
    asks, bids = [], []
    ask = bid = price
    for _ in range(10):
        ask = ask + tick_size(ask)
        asks.append(_n(min(ask, state.upper)))
        bids.append(_n(max(bid, state.lower)))
        bid = bid - tick_size(bid - 1)
    sizes = [str(100 * (i + 1)) for i in range(10)]
    fields = [state.code, seoul(at).strftime("%H%M%S"), "0", *asks, *bids, *sizes, *sizes]
    fields += ["5500", "5500", "0", "0", "0", "0", str(state.volume), "0", "0", "0", "0", "0"]
    fields += ["0", "0", "0", "0", "0"]
    return fields[:BOOK_FIELDS]


def status_record(state: SymbolState) -> list[str]:
    """One H0STMKO0 record (11 fields): halt and VI state."""
    return [
        state.code, "Y" if state.halted else "N", state.halt_reason, "20", "20", "0", "0",
        "55", state.vi, "N", "1",
    ]  # fmt: skip


def notice_record(notice: Notice, hts_id: str, name: str) -> list[str]:
    """One execution notice record (26 fields), acceptance (CNTG_YN=1) or fill (2)."""
    order = notice.order
    account = order.account
    rctf = {"new": "0", "modify": "1", "cancel": "2"}[order.action]
    # ACPT_YN: 1 received (a new order), 2 confirmed (modify, cancel, fills).
    acpt = "1" if order.action == "new" and not notice.is_fill else "2"
    return [
        hts_id, account.cano + account.product_code, order.odno, order.orgn_odno,
        "01" if order.side is Side.SELL else "02", rctf, order.ord_dvsn, "0", order.symbol,
        str(notice.qty), _n(notice.price), seoul(notice.at).strftime("%H%M%S"),
        "1" if notice.rejected else "0",
        "2" if notice.is_fill else "1", acpt, order.branch, str(order.qty), account.name,
        "0", "1", "Y", "", "10", "", name, _n(order.price),
    ]  # fmt: skip


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
