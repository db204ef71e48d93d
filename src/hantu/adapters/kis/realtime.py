"""Pure parsing of KIS realtime frames (reference §6, §7); no I/O, no clock.

Three kinds of frame, told apart by the first character:

- `{…}` JSON control: subscription acks (with AES key/iv), errors, PINGPONG;
- `0|TR_ID|NNN|f^f^…` plain data carrying NNN records back to back in one `^` list;
- `1|TR_ID|NNN|<base64>` the same, AES-256-CBC encrypted (execution notices).

Records are read by index. The record width is the field count divided by NNN, so fields
KIS appends at the end of a record (it did in 2025, H0STCNI0 23 → 26) are skipped instead
of shifting the next record; a record narrower than the fields we read is malformed.
Every `MalformedFrame` names its `DropKind`, the label the connection loop counts it under.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hantu.domain.errors import InvalidValue
from hantu.domain.values import Price, Quantity, Symbol

SEOUL = ZoneInfo("Asia/Seoul")

TRADE_TRS = frozenset({"H0STCNT0", "H0NXCNT0", "H0UNCNT0"})
BOOK_TRS = frozenset({"H0STASP0", "H0NXASP0", "H0UNASP0"})
NOTICE_TRS = frozenset({"H0STCNI0", "H0STCNI9"})
MARKET_STATUS_TRS = frozenset({"H0STMKO0", "H0NXMKO0", "H0UNMKO0"})

TRADE_FIELDS = 46  # H0STCNT0 (§7.1)
BOOK_FIELDS = 59  # H0STASP0 (§7.2)
NOTICE_MIN_FIELDS = 23  # H0STCNI0 before 2025; 26 since (§7.3); we read fields 0-17
MARKET_STATUS_MIN_FIELDS = 10  # H0STMKO0; field 10 is a later addition (§7.4)
PINGPONG = "PINGPONG"
AES_KEY_BYTES = 32  # AES-256 key: the ack's 32-char `output.key` as UTF-8 (§6.2)
AES_IV_BYTES = 16  # CBC iv: the ack's 16-char `output.iv`


class DropKind(StrEnum):
    """Why a frame was dropped: the `kind` label of the dropped-frames counter."""

    OVERSIZED = "oversized"  # longer than any frame KIS sends
    ENCODING = "encoding"  # not UTF-8
    PARSE = "parse"  # neither a data frame nor a JSON control frame with a header
    NESTING = "nesting"  # JSON nested too deeply to decode
    TRUNCATED = "truncated"  # a data frame cut before or inside its payload
    FIELD_COUNT = "field_count"  # fields do not make NNN records of the TR's width
    BAD_VALUE = "bad_value"  # a field we read holds no valid value
    UNKNOWN_TR = "unknown_tr"  # a data frame of a TR we never read
    NO_KEY = "no_key"  # an encrypted notice before a usable key/iv ack
    DECRYPT = "decrypt"  # bad base64, or the key/iv do not decrypt it
    BAD_KEY = "bad_key"  # an ack whose AES key/iv has the wrong length (not stored)
    UNEXPECTED = "unexpected"  # any other exception while handling one frame


class MalformedFrame(ValueError):
    """A frame that cannot be read; counted by kind and skipped by the connection loop."""

    def __init__(self, message: str, kind: DropKind = DropKind.PARSE) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class ControlFrame:
    """A JSON control frame: an ack, an error answer, or PINGPONG."""

    tr_id: str
    tr_key: str
    rt_cd: str
    msg_cd: str
    msg1: str
    key: str | None
    iv: str | None

    @property
    def is_ping(self) -> bool:
        return self.tr_id == PINGPONG

    @property
    def ok(self) -> bool:
        """Success, counting OPSP0002 (already subscribed, common after reconnect)."""
        return self.rt_cd == "0" or self.msg_cd == "OPSP0002"

    @property
    def is_unsubscribe(self) -> bool:
        return self.msg1.upper().startswith("UNSUB")

    def aes_key(self) -> tuple[str, str] | None:
        """key/iv if AES-256-CBC sized; a wrong-sized pair can decrypt nothing."""
        key, iv = self.key, self.iv
        if key is None or iv is None:
            return None
        if len(key.encode()) != AES_KEY_BYTES or len(iv.encode()) != AES_IV_BYTES:
            return None
        return key, iv


@dataclass(frozen=True, slots=True)
class DataFrame:
    encrypted: bool
    tr_id: str
    count: int
    payload: str


@dataclass(frozen=True, slots=True)
class ExecutionNotice:
    """One decrypted H0STCNI0/H0STCNI9 record (26 fields; we read 0-17)."""

    order_no: str
    original_order_no: str
    sell_buy: str  # SELN_BYOV_CLS: 01 sell, 02 buy
    revise_class: str  # RCTF_CLS: 0 normal, 1 modify, 2 cancel
    order_kind: str  # ODER_KIND = ORD_DVSN
    symbol: str
    quantity: Decimal  # fill qty; the order qty on acceptance notices
    price: Decimal  # fill price; the order price on acceptance notices
    time: str  # HHMMSS, Seoul
    rejected: bool  # RFUS_YN == 1
    is_fill: bool  # CNTG_YN == 2
    acceptance: str  # ACPT_YN: 1 received, 2 confirmed, 3 cancelled
    branch: str  # BRNC_NO = KRX_FWDG_ORD_ORGNO
    order_quantity: Decimal


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: Price
    quantity: Quantity


@dataclass(frozen=True, slots=True)
class OrderBook:
    """H0STASP0: ten levels each side, best first."""

    symbol: Symbol
    time: str
    asks: tuple[BookLevel, ...]
    bids: tuple[BookLevel, ...]


@dataclass(frozen=True, slots=True)
class MarketStatus:
    """H0STMKO0: trading halt and VI state of a symbol."""

    symbol: Symbol
    halted: bool
    halt_reason: str
    vi_code: str

    @property
    def vi_active(self) -> bool:
        return self.vi_code not in ("", "0", "N")


def parse_control(text: str) -> ControlFrame:
    """Read a JSON control frame."""
    try:
        message = json.loads(text)
    except RecursionError:
        raise MalformedFrame("control frame nested too deeply", DropKind.NESTING) from None
    except ValueError as exc:
        raise MalformedFrame(f"control frame is not JSON: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("header"), dict):
        raise MalformedFrame("control frame without a header")
    header: dict[str, object] = message["header"]
    body = _dict(message.get("body"))
    output = _dict(body.get("output"))
    return ControlFrame(
        tr_id=str(header.get("tr_id", "")),
        tr_key=str(header.get("tr_key", "")),
        rt_cd=str(body.get("rt_cd", "")),
        msg_cd=str(body.get("msg_cd", "")),
        msg1=str(body.get("msg1", "")).strip(),
        key=str(output["key"]) if output.get("key") else None,
        iv=str(output["iv"]) if output.get("iv") else None,
    )


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def split_frame(text: str) -> DataFrame:
    """Split `E|TR_ID|NNN|payload` (split at most three times: payloads may hold `|`)."""
    parts = text.split("|", 3)
    if parts[0] not in ("0", "1"):
        raise MalformedFrame("data frame is not E|TR_ID|NNN|payload")
    if len(parts) != 4 or not parts[3]:
        raise MalformedFrame("data frame ends before its payload", DropKind.TRUNCATED)
    try:
        count = int(parts[2])
    except ValueError:
        raise MalformedFrame(f"bad record count {parts[2]!r}") from None
    if count <= 0:
        raise MalformedFrame(f"bad record count {parts[2]!r}")
    return DataFrame(parts[0] == "1", parts[1], count, parts[3])


def records(payload: str, count: int, min_fields: int) -> list[list[str]]:
    """Cut a `^` list into `count` records, tolerating fields appended to each record."""
    items = payload.split("^")
    width, rest = divmod(len(items), count)
    if rest or width < min_fields:
        raise MalformedFrame(
            f"{len(items)} fields do not hold {count} records of at least {min_fields}",
            DropKind.FIELD_COUNT,
        )
    return [items[i : i + width] for i in range(0, len(items), width)]


def decrypt(payload: str, key: str, iv: str) -> str:
    """AES-256-CBC + PKCS#7, base64 payload; key/iv are the ack's strings as UTF-8 (§6.2)."""
    try:
        raw = base64.b64decode(payload, validate=True)
        decryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise MalformedFrame(
            f"cannot decrypt notice: {type(exc).__name__}", DropKind.DECRYPT
        ) from None


def parse_notices(plain: str, count: int) -> list[ExecutionNotice]:
    """Decrypted H0STCNI0/H0STCNI9 payload → notices (23- and 26-field layouts)."""
    try:
        return [_notice(r) for r in records(plain, count, NOTICE_MIN_FIELDS)]
    except (InvalidOperation, ValueError) as exc:
        if isinstance(exc, MalformedFrame):
            raise
        raise MalformedFrame(f"bad notice record: {exc}", DropKind.BAD_VALUE) from None


def _notice(r: list[str]) -> ExecutionNotice:
    return ExecutionNotice(
        order_no=r[2].strip(),
        original_order_no=r[3].strip(),
        sell_buy=r[4].strip(),
        revise_class=r[5].strip(),
        order_kind=r[6].strip(),
        symbol=r[8].strip(),
        quantity=Decimal(r[9].strip() or "0"),
        price=Decimal(r[10].strip() or "0"),
        time=r[11].strip(),
        rejected=r[12].strip() == "1",
        is_fill=r[13].strip() == "2",
        acceptance=r[14].strip(),
        branch=r[15].strip(),
        order_quantity=Decimal(r[16].strip() or "0"),
    )


def parse_order_books(payload: str, count: int) -> list[OrderBook]:
    """H0STASP0 payload → order books (fields 3-42 hold prices and sizes)."""
    try:
        return [_book(r) for r in records(payload, count, BOOK_FIELDS)]
    except (InvalidValue, InvalidOperation) as exc:
        raise MalformedFrame(f"bad order book record: {exc}", DropKind.BAD_VALUE) from None


def _book(r: list[str]) -> OrderBook:
    asks = tuple(BookLevel(Price(r[3 + i]), Quantity(r[23 + i])) for i in range(10))
    bids = tuple(BookLevel(Price(r[13 + i]), Quantity(r[33 + i])) for i in range(10))
    return OrderBook(Symbol(r[0]), r[1], asks, bids)


def parse_market_status(payload: str, count: int) -> list[MarketStatus]:
    """H0STMKO0 payload → halt / VI states."""
    try:
        return [
            MarketStatus(Symbol(r[0]), r[1].strip() == "Y", r[2].strip(), r[8].strip())
            for r in records(payload, count, MARKET_STATUS_MIN_FIELDS)
        ]
    except InvalidValue as exc:
        raise MalformedFrame(f"bad market status record: {exc}", DropKind.BAD_VALUE) from None
