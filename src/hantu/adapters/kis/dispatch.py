"""One received realtime frame → callbacks, containing whatever a single frame can throw.

A frame that cannot be read is dropped, counted by `DropKind` and logged once per kind (with
its masked head, so a log shows what arrived without flooding); the stream goes on. Only
the connection itself going away ends a session, never the content of one frame.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable

from hantu.domain.masking import mask

from .realtime import (
    BOOK_TRS,
    MARKET_STATUS_TRS,
    NOTICE_TRS,
    TRADE_TRS,
    ControlFrame,
    DataFrame,
    DropKind,
    ExecutionNotice,
    MalformedFrame,
    decrypt,
    parse_control,
    parse_market_status,
    parse_notices,
    parse_order_books,
    split_frame,
)
from .realtime_types import RealtimeHandlers
from .trade_records import TradeParser

log = logging.getLogger(__name__)

# The largest frame KIS can send: the record count has three digits (reference §6.2), so at
# most 999 records, and the widest record (H0NXASP0's 65 fields, or a base64 H0STCNI0 notice
# of 26) stays under 1 KiB even with every field at its widest. Real frames hold 1-10
# records, a few KB. Anything longer is no KIS frame: dropped here, connection kept.
MAX_FRAME_BYTES = 999 * 1024
# websockets closes the connection (1009) on a message above its `max_size`, so that limit
# sits far above ours: a frame between the two costs a count, not the session; only a
# runaway message beyond it (memory bound) costs a reconnect.
SOCKET_MAX_SIZE = 16 * 2**20
HEAD_CHARS = 60


class FrameReader:
    """Parse and dispatch frames; keeps the notices' AES key/iv and the drop counts."""

    def __init__(self, handlers: RealtimeHandlers) -> None:
        self._handlers = handlers
        self._trades = TradeParser()
        self._keys: dict[str, tuple[str, str]] = {}
        self._logged: set[DropKind] = set()
        self.dropped: Counter[DropKind] = Counter()

    def forget_keys(self) -> None:
        """Drop every AES key/iv: a new session brings fresh ones with its acks."""
        self._keys.clear()

    def has_key(self, tr_id: str) -> bool:
        return tr_id in self._keys

    def read(self, message: str | bytes) -> tuple[str, ControlFrame] | None:
        """Dispatch a data frame; return a control frame (with its text) to the caller.

        Raises nothing a frame's content can cause; returns None for a dropped frame.
        """
        head = message[:HEAD_CHARS]
        try:
            text = _text(message)
            if text[:1] in ("0", "1"):
                self._on_data(text)
                return None
            if text[:1] == "{":
                return text, parse_control(text)
            raise MalformedFrame("frame is neither data nor JSON")
        except MalformedFrame as exc:
            self.drop(exc.kind, str(exc), head)
        except Exception as exc:  # one frame must never end the stream
            self.drop(DropKind.UNEXPECTED, f"{type(exc).__name__}: {exc}", head)
        return None

    def accept_keys(self, control: ControlFrame, head: str) -> bool:
        """Keep a notice ack's key/iv if usable; a wrong-sized pair is refused, not stored.

        Returns False only for a refused pair. Plain TRs' acks may carry key/iv too; they
        encrypt nothing, so theirs are neither kept nor judged.
        """
        if control.tr_id not in NOTICE_TRS or not control.ok:
            return True
        if control.key is None and control.iv is None:
            return True
        keys = control.aes_key()
        if keys is None:
            self.drop(DropKind.BAD_KEY, f"{control.tr_id} ack with a wrong-sized key/iv", head)
            return False
        self._keys[control.tr_id] = keys
        return True

    def drop(self, kind: DropKind, detail: str, head: str | bytes) -> None:
        """Count a dropped frame; the first of each kind is logged with its masked head."""
        self.dropped[kind] += 1
        if kind in self._logged:
            return
        self._logged.add(kind)
        log.warning(
            "dropped a KIS realtime frame (%s): %s; head %s; later ones are only counted",
            kind.value,
            mask(detail),
            mask(repr(head[:HEAD_CHARS])),
        )

    def _on_data(self, text: str) -> None:
        frame = split_frame(text)
        tr_id = frame.tr_id
        if tr_id in TRADE_TRS:
            on_tick = self._handlers.on_tick
            for tick in self._trades.parse(frame.payload, frame.count):
                notify(on_tick, tick)
        elif tr_id in NOTICE_TRS:
            for notice in self._notices(frame):
                notify(self._handlers.on_notice, notice)
        elif tr_id in BOOK_TRS:
            for book in parse_order_books(frame.payload, frame.count):
                notify(self._handlers.on_order_book, book)
        elif tr_id in MARKET_STATUS_TRS:
            for status in parse_market_status(frame.payload, frame.count):
                notify(self._handlers.on_market_status, status)
        else:
            raise MalformedFrame(f"no reader for TR {tr_id[:12]!r}", DropKind.UNKNOWN_TR)

    def _notices(self, frame: DataFrame) -> list[ExecutionNotice]:
        payload = frame.payload
        if frame.encrypted:
            keys = self._keys.get(frame.tr_id)
            if keys is None:
                raise MalformedFrame(f"{frame.tr_id} notice before its key/iv ack", DropKind.NO_KEY)
            payload = decrypt(payload, *keys)
        return parse_notices(payload, frame.count)


def _text(message: str | bytes) -> str:
    # Frames come undecoded (`recv(decode=False)`): websockets would close the connection on
    # invalid UTF-8 in a text frame; here it is one dropped frame. KIS sends text frames only,
    # so a binary frame is read the same way and dropped unless it is a frame.
    if len(message) > MAX_FRAME_BYTES:
        raise MalformedFrame(f"{len(message)} bytes, above any KIS frame", DropKind.OVERSIZED)
    if isinstance(message, str):
        return message
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedFrame("frame is not UTF-8", DropKind.ENCODING) from None


def notify(callback: Callable[..., None] | None, *args: object) -> None:
    """Call a handler; an exception in it is logged, never passed to the stream."""
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        log.exception("a realtime callback failed")
