"""Build KIS realtime frames from the field tables of the reference (§7), for tests."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TRADE_FIELDS = 46
NOTICE_FIELDS = 26
BOOK_FIELDS = 59


def trade_record(
    symbol: str = "005930",
    time: str = "093001",
    price: str = "70000",
    volume: str = "10",
    cumulative: str = "123456",
    day: str = "20261120",
    extra: int = 0,
) -> list[str]:
    """An H0STCNT0 record: 46 fields (+ `extra` appended ones KIS might add)."""
    fields = ["0"] * TRADE_FIELDS
    fields[0], fields[1], fields[2] = symbol, time, price  # MKSC_SHRN_ISCD, HOUR, STCK_PRPR
    fields[3] = "2"  # PRDY_VRSS_SIGN: rise
    fields[12], fields[13] = volume, cumulative  # CNTG_VOL, ACML_VOL
    fields[21] = "1"  # CCLD_DVSN: buy
    fields[33] = day  # BSOP_DATE
    fields[34], fields[35] = "20", "N"  # NEW_MKOP_CLS_CODE, TRHT_YN
    return fields + [f"X{i}" for i in range(extra)]


def full_trade_record(
    symbol: str = "005930",
    time: str = "093354",
    price: str = "71900",
    volume: str = "152",
    cumulative: str = "3052935",
    day: str = "20261120",
) -> list[str]:
    """An H0STCNT0 record with all 46 fields filled as KIS sends them (reference §7.1)."""
    return [
        symbol, time, price, "2", "900", "1.27", "71623.45",  # 0-6: code … weighted avg
        "71200", "72100", "71000", price, "71800",  # 7-11: open, high, low, ask1, bid1
        volume, cumulative, "219853640300",  # 12-14: CNTG_VOL, ACML_VOL, ACML_TR_PBMN
        "5105", "6937", "1832", "104.52", "1366314", "1428090",  # 15-20: counts, CTTR, sums
        "1", "51.10", "67.42",  # 21-23: CCLD_DVSN buy, SHNU_RATE, vs prev-day volume %
        "090000", "2", "700", "091502", "5", "-200", "090312", "2", "900",  # 24-32
        day, "20", "N",  # 33-35: BSOP_DATE, NEW_MKOP_CLS_CODE, TRHT_YN
        "65765", "100090", "1043571", "1891570", "0.05",  # 36-40: sizes, VOL_TNRT
        "2890783", "105.61", "0", "0", "71200",  # 41-45: prev-day same-time, VI_STND_PRC
    ]  # fmt: skip


def notice_record(
    order_no: str = "0000012345",
    symbol: str = "005930",
    side: str = "02",
    quantity: str = "10",
    price: str = "70000",
    time: str = "093005",
    fill: bool = True,
    rejected: bool = False,
    original: str = "",
    fields: int = NOTICE_FIELDS,
) -> list[str]:
    """An H0STCNI0 record in the 26-field layout (or the older 23-field one)."""
    record = ["" for _ in range(NOTICE_FIELDS)]
    record[0], record[1] = "htsuser", "1234567801"  # CUST_ID, ACNT_NO
    record[2], record[3] = order_no, original  # ODER_NO, OODER_NO
    record[4], record[5], record[6] = side, "0", "00"  # SELN_BYOV_CLS, RCTF_CLS, ODER_KIND
    record[8], record[9], record[10] = symbol, quantity, price
    record[11] = time
    record[12] = "1" if rejected else "0"  # RFUS_YN
    record[13] = "2" if fill else "1"  # CNTG_YN
    record[14], record[15], record[16] = "2", "00950", "10"  # ACPT_YN, BRNC_NO, ODER_QTY
    record[17] = "HONG"
    record[18], record[19], record[20] = "0", "1", "Y"  # fields added in 2025
    record[24], record[25] = "SAMSUNG", price
    if fields == 23:  # the pre-2025 layout lacked fields 18-20
        record = record[:18] + record[21:]
    return record


def book_record(symbol: str = "005930", best_ask: int = 70100, best_bid: int = 70000) -> list[str]:
    """An H0STASP0 record: ten ask and ten bid levels."""
    fields = ["0"] * BOOK_FIELDS
    fields[0], fields[1], fields[2] = symbol, "093001", "0"
    for level in range(10):
        fields[3 + level] = str(best_ask + 100 * level)
        fields[13 + level] = str(best_bid - 100 * level)
        fields[23 + level] = str(100 + level)
        fields[33 + level] = str(200 + level)
    return fields


def data_frame(tr_id: str, records: list[list[str]], *, encrypted: bool = False) -> str:
    """`0|TR|NNN|f^f^…`: several records back to back in one `^` list."""
    payload = "^".join(field for record in records for field in record)
    return f"{1 if encrypted else 0}|{tr_id}|{len(records):03d}|{payload}"


def encrypt(plain: str, key: str, iv: str) -> str:
    """AES-256-CBC + PKCS#7 + base64, as KIS encrypts notices."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def encrypted_notice_frame(
    records: list[list[str]], key: str, iv: str, tr_id: str = "H0STCNI0"
) -> str:
    """`1|H0STCNI0|NNN|<base64>`."""
    plain = "^".join(field for record in records for field in record)
    return f"1|{tr_id}|{len(records):03d}|{encrypt(plain, key, iv)}"
