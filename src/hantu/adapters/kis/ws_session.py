"""One KIS realtime session as the connection loop holds it, and how logs show it.

A session is one open socket, its approval key and its queue of (un)subscribe requests, sent
one at a time by the loop's pump; `pending` is the request waiting for its ack.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect

from hantu.domain.masking import mask, mask_value
from hantu.errors import HantuError

from .dispatch import SOCKET_MAX_SIZE
from .realtime import NOTICE_TRS, ControlFrame
from .realtime_types import Subscription


async def open_websocket(url: str) -> ClientConnection:
    """Open a KIS WebSocket: no proxy, no compression, room for large frames (see dispatch)."""
    return await connect(
        url, proxy=None, compression=None, max_size=SOCKET_MAX_SIZE, open_timeout=10
    )


@dataclass
class Session:
    ws: ClientConnection
    approval_key: str
    queue: asyncio.Queue[tuple[str, Subscription]] = field(default_factory=asyncio.Queue)
    pending: asyncio.Future[ControlFrame] | None = None
    pending_sub: Subscription | None = None
    refusal: HantuError | None = None  # KIS refused the session as a whole (OPSP8996)

    def answers_pending(self, control: ControlFrame) -> bool:
        """Whether a control frame is the answer to the request in flight.

        KIS echoes tr_id/tr_key in acks; an error about the session as a whole (tr_id
        "(null)" or empty) answers whatever is in flight.
        """
        if self.pending is None or self.pending.done() or self.pending_sub is None:
            return False
        if control.tr_id in ("", "(null)"):
            return True
        return (control.tr_id, control.tr_key) == (
            self.pending_sub.tr_id,
            self.pending_sub.tr_key,
        )


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def shown(sub: Subscription) -> str:
    """A subscription as logs may show it: a notice TR's key is the HTS ID, so it is masked."""
    key = mask_value(sub.tr_key, keep=2) if sub.tr_id in NOTICE_TRS else mask(sub.tr_key)
    return f"{sub.tr_id}/{key}"
