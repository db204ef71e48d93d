"""The simulated KIS WebSocket server (reference §6): approval-key subscriptions and acks,
one session per app key, 41 registrations per session, PINGPONG, realtime data frames
and AES-encrypted execution notices.

Any path is accepted (KIS samples use `/tryitout`, `/tryitout/<TR_ID>` or none, §1.1).
The PINGPONG heartbeat runs on wall-clock time: it is network behaviour, not market logic.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response

from hantu.simulator import ws_frames as frames
from hantu.simulator.feed import StatusChange, Trade
from hantu.simulator.matching import Notice
from hantu.simulator.rest_common import SimContext

MAX_SUBSCRIPTIONS = 41  # reference §6.4: the 42nd gets OPSP0008
# A subscription refused below the cap (the `refuse_subscriptions` fault): §6.3's OPSP0007.
SUBSCRIBE_REFUSED = ("OPSP0007", "SUBSCRIBE INTERNAL ERROR")
MARKET_TRS = frozenset({"H0STCNT0", "H0STASP0", "H0STMKO0"})
NOTICE_TRS = frozenset({"H0STCNI0", "H0STCNI9"})  # real / paper execution notices
# Overseas execution notices (real / paper): clients such as the official sample subscribe
# them beside the domestic ones; KIS acknowledges them with key/iv. This market has no
# overseas orders, so nothing is ever sent on them.
OVERSEAS_NOTICE_TRS = frozenset({"H0GSCNI0", "H0GSCNI9"})
ENCRYPTED_TRS = NOTICE_TRS | OVERSEAS_NOTICE_TRS
MAX_BATCH = 20  # records per frame at most
MAX_DRAIN = 1_000  # queued items one writer round takes
MAX_RECORDED_REQUESTS = 10_000  # for tests and diagnostics; a long-running sim keeps the last
MAX_BACKLOG = 10_000  # records queued for a slow client beyond this are dropped, as KIS does


class _Connection(ServerConnection):
    """Notes when the client last answered a PINGPONG: a ping or pong frame here, a text
    echo in `_on_message` (replies come in all three styles, §6.2)."""

    last_answer = 0.0

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.opcode in (Opcode.PING, Opcode.PONG):
            self.last_answer = time.monotonic()
        super().process_event(event)


@dataclass(eq=False)
class Session:
    """One client connection and what it registered."""

    conn: ServerConnection
    key: str = field(default_factory=lambda: secrets.token_hex(16))  # 32 chars → AES-256
    iv: str = field(default_factory=lambda: secrets.token_hex(8))  # 16 chars
    app_key: str | None = None
    subs: set[tuple[str, str]] = field(default_factory=set)
    queue: asyncio.Queue[tuple[str, str]] = field(default_factory=asyncio.Queue)
    dropped: int = 0

    def push(self, tr_id: str, payload: str) -> None:
        """Queue a record (`tr_id` set) or a ready frame (`tr_id` empty)."""
        if tr_id and self.queue.qsize() >= MAX_BACKLOG:
            self.dropped += 1  # market data only; acks and notices are never dropped
            return
        self.queue.put_nowait((tr_id, payload))


class WsServer:
    """KIS realtime over a `websockets` server on a loopback port."""

    def __init__(
        self,
        ctx: SimContext,
        *,
        pingpong_interval: float | None = 10.0,
        batch_records: bool = True,
        send_interval: float = 0.0,
    ) -> None:
        self._ctx = ctx
        self.pingpong_interval = pingpong_interval
        self.batch_records = batch_records
        self.send_interval = send_interval
        self._server: Server | None = None
        self.sessions: set[Session] = set()
        self._by_app_key: dict[str, Session] = {}
        self.connections_refused = 0
        # The latest (un)subscribe requests, refused ones too: (tr_type, tr_id, tr_key).
        self.requests: deque[tuple[str, str, str]] = deque(maxlen=MAX_RECORDED_REQUESTS)
        self._closing: set[asyncio.Task[None]] = set()
        ctx.feed.trade_listeners.append(self._on_trade)
        ctx.feed.status_listeners.append(self._on_status)
        ctx.engine.notice_listeners.append(self._on_notice)
        ctx.faults.dropper = self.drop_all

    async def start(self, host: str, port: int) -> int:
        """Listen; return the bound port (pass 0 for a free one)."""
        self._server = await serve(
            self._handle,
            host,
            port,
            process_request=self._process_request,
            create_connection=_Connection,
            ping_interval=None,
            max_size=2**20,
        )
        sockets = list(self._server.sockets)
        return int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Close every session and the listening socket."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def drop_all(self, abrupt: bool = True) -> int:
        """Cut every session (abruptly: no close frame, like a dead network)."""
        dropped = list(self.sessions)
        for session in dropped:
            if abrupt and session.conn.transport is not None:
                session.conn.transport.abort()
            else:
                task = asyncio.get_running_loop().create_task(session.conn.close(1011, "dropped"))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
        return len(dropped)

    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        if self._ctx.faults.refusing_websockets:
            self.connections_refused += 1
            return conn.respond(HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable\n")
        return None

    # --- one connection ----------------------------------------------------------------

    async def _handle(self, conn: ServerConnection) -> None:
        session = Session(conn)
        self.sessions.add(session)
        tasks = [asyncio.create_task(self._writer(session))]
        if self.pingpong_interval:
            tasks.append(asyncio.create_task(self._heartbeat(session, self.pingpong_interval)))
        try:
            async for message in conn:
                if isinstance(message, str) and not await self._on_message(session, message):
                    break
        except ConnectionClosed:
            pass
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.sessions.discard(session)
            if session.app_key and self._by_app_key.get(session.app_key) is session:
                del self._by_app_key[session.app_key]

    async def _writer(self, session: Session) -> None:
        while True:
            first = await session.queue.get()
            if first[0] and self.send_interval > 0:
                await asyncio.sleep(self.send_interval)  # let this interval's trades gather
            batch = [first]
            while not session.queue.empty() and len(batch) < MAX_DRAIN:
                batch.append(session.queue.get_nowait())
            for frame in self._frames(batch):
                try:
                    await session.conn.send(frame)
                except ConnectionClosed:
                    return

    def _frames(self, batch: list[tuple[str, str]]) -> list[str]:
        """One frame per TR and symbol for the records gathered (`0|H0STCNT0|003|...`, §6.2).

        KIS frames carry records of one registration: several trades of one symbol share
        a frame, two symbols never do. Control frames keep their place in the stream.
        """
        out: list[str] = []
        groups: dict[tuple[str, str], list[str]] = {}
        for tr_id, payload in batch:
            if not tr_id:
                out += _flush(groups)
                out.append(payload)
            elif not self.batch_records:
                out.append(f"0|{tr_id}|001|{payload}")
            else:
                group = groups.setdefault((tr_id, payload.split("^", 1)[0]), [])
                group.append(payload)
                if len(group) == MAX_BATCH:
                    out += _flush(groups)
        return out + _flush(groups)

    async def _heartbeat(self, session: Session, interval: float) -> None:
        # Strict PINGPONG (`faults.pingpong_timeout`): a client that has not answered a
        # PINGPONG within the timeout is cut, as KIS drops clients that never reply.
        conn = session.conn
        wait = interval
        while True:
            await asyncio.sleep(wait)
            sent = time.monotonic()
            session.push("", frames.pingpong(self._ctx.clock.now()))
            timeout = self._ctx.faults.pingpong_timeout
            if timeout is None:
                wait = interval
                continue
            await asyncio.sleep(timeout)
            if getattr(conn, "last_answer", 0.0) < sent:
                await conn.close(1000, "PINGPONG not answered")
                return
            wait = max(0.0, interval - timeout)

    async def _on_message(self, session: Session, text: str) -> bool:
        try:
            message = json.loads(text)
            header, body = message["header"], message.get("body", {})
        except (ValueError, KeyError, TypeError, AttributeError):
            header = body = None
        if not isinstance(header, dict) or not isinstance(body, dict):
            session.push("", frames.control("", "", "1", "OPSP9999", "JSON PARSING ERROR"))
            return True
        if header.get("tr_id") == "PINGPONG":
            if isinstance(session.conn, _Connection):
                session.conn.last_answer = time.monotonic()  # the client's echo
            return True
        return await self._on_request(session, header, body)

    async def _on_request(self, session: Session, header: Any, body: Any) -> bool:
        app_key = self._ctx.tokens.app_key_for_approval(str(header.get("approval_key", "")))
        tr = body.get("input")
        if not isinstance(tr, dict):
            tr = {}
        tr_id, tr_key = str(tr.get("tr_id", "")), str(tr.get("tr_key", ""))
        self.requests.append((str(header.get("tr_type", "")), tr_id, tr_key))
        if app_key is None:
            session.push("", frames.control(tr_id, tr_key, "1", "OPSP0011", "invalid approval"))
            return True
        if session.app_key is None:
            owner = self._by_app_key.get(app_key)
            if owner is not None and owner is not session:
                # Reference §6.4: a second session with the same app key is answered and cut.
                refusal = frames.control("(null)", "", "1", "OPSP8996", "ALREADY IN USE appkey")
                await session.conn.send(refusal)
                await session.conn.close(1000, "ALREADY IN USE appkey")
                return False
            session.app_key = app_key
            self._by_app_key[app_key] = session
        problem = self._invalid(session, header, tr_id, tr_key)
        if problem is not None:
            session.push("", frames.control(tr_id, tr_key, "1", *problem))
        elif str(header.get("tr_type")) == "1":
            self._subscribe(session, tr_id, tr_key)
        else:
            self._unsubscribe(session, tr_id, tr_key)
        return True

    def _invalid(
        self, session: Session, header: Any, tr_id: str, tr_key: str
    ) -> tuple[str, str] | None:
        if str(header.get("custtype", "")) not in ("P", "B"):
            return ("OPSP8998", "invalid custtype")
        if str(header.get("tr_type", "")) not in ("1", "2"):
            return ("OPSP8997", "invalid tr_type")
        if tr_id not in MARKET_TRS | ENCRYPTED_TRS:
            return ("OPSP8991", "invalid tr_id")
        if not tr_key:
            return ("OPSP8992", "invalid tr_key")
        if tr_id in ENCRYPTED_TRS:
            account = self._ctx.engine.account_for_key(session.app_key or "")
            if account is None or account.hts_id != tr_key:
                return ("OPSP8992", "invalid tr_key")
        return None

    def _subscribe(self, session: Session, tr_id: str, tr_key: str) -> None:
        pair = (tr_id, tr_key)
        if pair in session.subs:
            session.push("", frames.control(tr_id, tr_key, "1", "OPSP0002", "ALREADY IN SUBSCRIBE"))
            return
        if self._ctx.faults.subscription_refused(tr_key):
            session.push("", frames.control(tr_id, tr_key, "1", *SUBSCRIBE_REFUSED))
            return
        if len(session.subs) >= MAX_SUBSCRIPTIONS:
            session.push("", frames.control(tr_id, tr_key, "1", "OPSP0008", "MAX SUBSCRIBE OVER"))
            return
        session.subs.add(pair)
        encrypted = "Y" if tr_id in ENCRYPTED_TRS else "N"
        ack = frames.control(
            tr_id,
            tr_key,
            "0",
            "OPSP0000",
            "SUBSCRIBE SUCCESS",
            encrypt_flag=encrypted,
            key_iv=(session.key, session.iv),
        )
        session.push("", ack)

    def _unsubscribe(self, session: Session, tr_id: str, tr_key: str) -> None:
        pair = (tr_id, tr_key)
        if pair not in session.subs:
            session.push(
                "", frames.control(tr_id, tr_key, "1", "OPSP0003", "UNSUBSCRIBE ERROR(not found!)")
            )
            return
        session.subs.discard(pair)
        ack = frames.control(
            tr_id, tr_key, "0", "OPSP0001", "UNSUBSCRIBE SUCCESS", key_iv=(session.key, session.iv)
        )
        session.push("", ack)

    # --- publishing --------------------------------------------------------------------

    def _on_trade(self, trade: Trade) -> None:
        state = self._ctx.feed[trade.symbol]
        trade_rec = book_rec = ""
        for session in self.sessions:
            if ("H0STCNT0", trade.symbol) in session.subs:
                trade_rec = trade_rec or "^".join(frames.trade_record(state, trade))
                session.push("H0STCNT0", trade_rec)
            if ("H0STASP0", trade.symbol) in session.subs:
                book_rec = book_rec or "^".join(frames.book_record(state, trade.at))
                session.push("H0STASP0", book_rec)

    def _on_status(self, change: StatusChange) -> None:
        record = "^".join(frames.status_record(self._ctx.feed[change.symbol]))
        for session in self.sessions:
            if ("H0STMKO0", change.symbol) in session.subs:
                session.push("H0STMKO0", record)

    def _on_notice(self, notice: Notice) -> None:
        account = notice.order.account
        for session in self.sessions:
            for tr_id in NOTICE_TRS:
                if (tr_id, account.hts_id) in session.subs:
                    state = self._ctx.feed.get(notice.order.symbol)
                    name = state.name if state else notice.order.symbol
                    record = frames.notice_record(notice, account.hts_id, name)
                    frame = frames.encrypted_frame(tr_id, record, session.key, session.iv)
                    session.push("", frame)


def _flush(groups: dict[tuple[str, str], list[str]]) -> list[str]:
    frames_out = [f"0|{tr}|{len(g):03d}|{'^'.join(g)}" for (tr, _), g in groups.items()]
    groups.clear()
    return frames_out
