"""The KIS realtime connection loop: subscribe, answer PINGPONG, dispatch, reconnect.

Around the pure parsers of `realtime`, one loop owns one WebSocket (KIS allows one session
per app key, gotcha 3). Subscriptions are sent one at a time, paced (default 0.5 s), each
waiting for its ack; a refused one is retried three times, then skipped and reported. On a
disconnect the loop waits 1, 2, 4, 8, 16 s between attempts (both the delay generator and
`classify(exc)` are injectable; the delays start over only after KIS acked a subscription),
re-sends every subscription and collects fresh AES key/iv from the new acks; when the
delays run out it *sleeps*: it reports it once, then tries again every `sleep_retry`
seconds (default 5 minutes, far inside KIS's warning about tight connect loops) or at
once on `wake()`. OPSP8996 (another session holds the app key) is retried the same way,
since that session may be our own dropped one; a key truly held elsewhere ends in the
sleep state with a report naming it. `suspend()` is the planned disconnect of the close:
queued requests go out, the socket closes and the loop waits, reporting nothing, until
`resume()`. Frames are read by `dispatch.FrameReader` (a bad one is dropped and counted,
never fatal); the client's vocabulary lives in `realtime_types`, a session in `ws_session`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import datetime

import websockets
from websockets.asyncio.client import ClientConnection

from hantu.domain.masking import mask
from hantu.errors import BrokerUnavailable, HantuError
from hantu.service_layer.ports import Clock

from .dispatch import HEAD_CHARS, FrameReader, notify
from .errors import AppKeyInUse, SubscriptionLimitExceeded
from .realtime import NOTICE_TRS, ControlFrame, DropKind
from .realtime_types import ApprovalKeys, RealtimeHandlers, State, Subscription
from .reconnect import SLEEP_RETRY_SECONDS, Verdict, default_classify, default_delays
from .ws_session import Session, describe, open_websocket, shown

log = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 41  # per session (reference §6.4; OPSP0008 beyond)
SUBSCRIBE_RETRIES = 3
ALREADY_IN_USE = "OPSP8996"
APPROVAL_NOT_FOUND = "OPSP0011"
KEY_REFUSED = "KEY-REFUSED"  # ours, not KIS's: an ack whose AES key/iv we refused


class KisRealtimeClient:
    """One KIS realtime session with its subscriptions; `run()` is the connection loop."""

    def __init__(
        self,
        url: str,
        approval: ApprovalKeys,
        clock: Clock,
        handlers: RealtimeHandlers,
        *,
        subscribe_interval: float = 0.5,
        ack_timeout: float = 5.0,
        delays: Callable[[], Iterator[float]] = default_delays,
        classify: Callable[[BaseException], Verdict] = default_classify,
        open_socket: Callable[[str], Awaitable[ClientConnection]] = open_websocket,
        sleep_retry: float = SLEEP_RETRY_SECONDS,
    ) -> None:
        self._url = url
        self._approval = approval
        self._clock = clock
        self._handlers = handlers
        self._interval = subscribe_interval
        self._ack_timeout = ack_timeout
        self._delays = delays
        self._classify = classify
        self._open = open_socket
        self._sleep_retry = sleep_retry
        self._wanted: dict[Subscription, None] = {}
        self._acked: dict[Subscription, datetime] = {}  # with when each was acked
        self._frames = FrameReader(handlers)
        self._session: Session | None = None
        self._closed = False
        self._wake = asyncio.Event()
        self._resumed = asyncio.Event()
        self._suspended = False
        self._session_served = False
        self._asleep = False
        self._last_error = ""
        # Set once the first session's notice subscription is settled: acked, skipped, or
        # the session lost. Orders sent before then would fill with nobody to hear of it.
        self._first_notices = asyncio.Event()
        self.state = State.IDLE
        self.connections = 0

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self._wanted)

    @property
    def acknowledged(self) -> set[Subscription]:
        """Subscriptions KIS has acked on the current session."""
        return set(self._acked)

    @property
    def dropped(self) -> dict[DropKind, int]:
        """Frames dropped since start, by kind."""
        return dict(self._frames.dropped)

    @property
    def malformed(self) -> int:
        return sum(self._frames.dropped.values())

    def receiving(self, tr_id: str, tr_key: str) -> bool:
        """Whether a feed flows now: connected, acked, and (for notices) a usable key held."""
        return self.receiving_since(tr_id, tr_key) is not None

    def receiving_since(self, tr_id: str, tr_key: str) -> datetime | None:
        """Since when a feed flows (its ack on the current session); None while it does not."""
        acked = self._acked.get(Subscription(tr_id, tr_key))
        if acked is None or self.state is not State.CONNECTED:
            return None
        if tr_id in NOTICE_TRS and not self._frames.has_key(tr_id):
            return None
        return acked

    async def first_notices(self, wait_seconds: float) -> None:
        """Wait (at most `wait_seconds`) until the first session's notice subscription is
        settled: acked, skipped after its retries, or the session lost."""
        if self._first_notices.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_notices.wait(), wait_seconds)

    # --- subscriptions ------------------------------------------------------------------

    def subscribe(self, tr_id: str, tr_key: str) -> None:
        """Ask for a realtime feed; sent now if connected, else on the next connect."""
        sub = Subscription(tr_id, tr_key)
        if sub in self._wanted:
            return
        if len(self._wanted) >= MAX_SUBSCRIPTIONS:
            raise SubscriptionLimitExceeded(
                f"KIS allows {MAX_SUBSCRIPTIONS} realtime subscriptions per session; "
                f"unsubscribe one before adding {shown(sub)}"
            )
        self._wanted[sub] = None
        if self._session is not None:
            self._session.queue.put_nowait(("1", sub))

    def unsubscribe(self, tr_id: str, tr_key: str) -> None:
        """Stop a feed, with the exact (tr_id, tr_key) used to subscribe (OPSP0003 otherwise)."""
        sub = Subscription(tr_id, tr_key)
        if self._wanted.pop(sub, 0) is None and self._session is not None:
            self._session.queue.put_nowait(("2", sub))

    # --- lifecycle ----------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and stay connected until `close()`; raises only on a fatal error."""
        delays = self._delays()
        while not self._closed:
            if self._suspended:
                self.state = State.IDLE  # between sessions: spec 002's 대기
                await self._resumed.wait()
                delays = self._delays()
                continue
            try:
                await self._connect_and_listen()
            except Exception as exc:
                self._lost(exc)
            if self._closed or self._suspended:
                continue
            if self._session_served:
                delays = self._delays()  # KIS served the last session: back-off starts over
                self._asleep = False
            delay = None if self._asleep else next(delays, None)
            if delay is None:
                if await self._sleep():
                    delays = self._delays()
                continue
            self.state = State.BACKING_OFF
            await self._clock.sleep(delay)
        self.state = State.CLOSED

    def _lost(self, exc: Exception) -> None:
        """A session ended in `exc`: noted for the sleep report, or raised if fatal."""
        self._first_notices.set()  # no notice comes on this session: nobody waits for one
        if self._closed or self._suspended:
            return  # closing, or the planned disconnect of the close: no failure
        if self._classify(exc) is Verdict.FATAL:
            self.state = State.CLOSED
            reason = f"KIS realtime stopped, needs a human: {mask(describe(exc))}"
            log.error(reason)
            notify(self._handlers.on_sleep, reason)
            raise exc
        self._last_error = mask(describe(exc))
        log.warning("KIS realtime connection lost: %s", self._last_error)

    async def _sleep(self) -> bool:
        """The sleep state: report once, then wait for `wake()` or the slow retry.

        Returns whether `wake()` ended it (a fresh back-off follows) rather than the timer
        (one more attempt, still asleep if it fails).
        """
        self.state = State.SLEEPING
        if not self._asleep:
            self._asleep = True
            reason = "KIS realtime connection failed after every reconnect attempt"
            if self._last_error:
                reason += f" (last: {self._last_error})"
            log.error("%s; retrying every %.0f s", reason, self._sleep_retry)
            notify(self._handlers.on_sleep, reason)
        self._wake.clear()
        woken = asyncio.ensure_future(self._wake.wait())
        timer = asyncio.ensure_future(self._clock.sleep(self._sleep_retry))
        try:
            await asyncio.wait((woken, timer), return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            timer.cancel()
        if self._wake.is_set():
            self._asleep = False
            return True
        return False

    def wake(self) -> None:
        """Leave the sleep state and try again (the monitor's restart)."""
        self._wake.set()

    async def suspend(self, drain_timeout: float = 25.0) -> None:
        """Disconnect on purpose (the close) and stay disconnected until `resume()`: the
        queued (un)subscribe requests go out first (for up to `drain_timeout` s), then the
        socket is closed; no reconnect, no sleep report."""
        if self._suspended or self._closed:
            return
        self._suspended = True
        self._first_notices.set()
        self._resumed.clear()
        self._wake.set()  # out of the sleep state's wait, into the suspended one
        session = self._session
        if session is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.queue.join(), drain_timeout)
        await session.ws.close()
        log.info("KIS realtime disconnected until the next session")

    def resume(self) -> None:
        """Connect again after `suspend()` (the next open), with a fresh back-off."""
        if self._suspended:
            self._suspended = False
            self._asleep = False
            self._resumed.set()

    async def close(self) -> None:
        """Stop the loop and close the socket."""
        self._closed = True
        self._first_notices.set()
        self._wake.set()
        self._resumed.set()
        session = self._session
        if session is not None:
            await session.ws.close()

    # --- one session --------------------------------------------------------------------

    async def _connect_and_listen(self) -> None:
        self.state = State.CONNECTING
        self._session_served = False
        key = await self._approval.approval_key()
        ws = await self._open(self._url)
        if self._suspended:  # suspended while connecting: no session after all
            await ws.close()
            return
        session = Session(ws, key)
        # An open socket is no success: KIS cuts sessions it will not serve (OPSP8996, a
        # wrong HTS ID) right after the handshake. Only an ack proves it, unless nothing
        # is wanted and so nothing can be acked.
        self._session_served = not self._wanted
        self._frames.forget_keys()  # stale AES key/iv; fresh ones come with the new acks
        self._acked.clear()
        for sub in self._wanted:
            session.queue.put_nowait(("1", sub))
        self._session = session
        self.state = State.CONNECTED
        self.connections += 1
        notify(self._handlers.on_connected)
        pump = asyncio.create_task(self._pump(session))
        try:
            await self._listen(session)
        finally:
            self._session = None
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                await pump
            await ws.close()
        if session.refusal is not None:
            raise session.refusal
        if not self._closed and not self._suspended:
            raise BrokerUnavailable("KIS closed the realtime connection")

    async def _listen(self, session: Session) -> None:
        while session.refusal is None:
            try:
                # Undecoded: invalid UTF-8 is then one dropped frame, not a closed connection.
                message = await session.ws.recv(decode=False)
            except websockets.ConnectionClosedOK:
                return
            await self._handle(session, message)

    async def _pump(self, session: Session) -> None:
        first = True
        while True:
            tr_type, sub = await session.queue.get()
            try:
                first = await self._send_one(session, tr_type, sub, first)
            finally:
                session.queue.task_done()  # `suspend` waits for the queue to drain

    async def _send_one(
        self, session: Session, tr_type: str, sub: Subscription, first: bool
    ) -> bool:
        """Send one queued request, paced; whether the next one is still the first."""
        if tr_type == "1" and sub not in self._wanted:
            return first
        if not first:
            await self._clock.sleep(self._interval)
            if tr_type == "1" and sub not in self._wanted:
                return False  # unsubscribed while we paced (a refused symbol's other TRs)
        if tr_type == "2":
            self._acked.pop(sub, None)
            await self._request(session, "2", sub)
        else:
            await self._subscribe_with_retries(session, sub)
        return False

    async def _subscribe_with_retries(self, session: Session, sub: Subscription) -> None:
        reason = ""
        for attempt in range(1 + SUBSCRIBE_RETRIES):
            if attempt:
                await self._clock.sleep(self._interval)
            ack = await self._request(session, "1", sub)
            if ack is not None and ack.ok:
                self._acked[sub] = self._clock.now()
                if sub.tr_id in NOTICE_TRS:
                    self._first_notices.set()
                self._session_served = True
                if self._asleep:
                    self._asleep = False
                    log.warning("KIS realtime is back after the sleep state")
                return
            reason = f"[{ack.msg_cd}] {ack.msg1}" if ack is not None else "no answer"
            if ack is not None:
                await self._before_retry(session, sub, ack)
        log.error("KIS subscription %s skipped: %s", shown(sub), reason)
        if sub.tr_id in NOTICE_TRS:
            self._first_notices.set()
        self._wanted.pop(sub, None)
        notify(self._handlers.on_subscription_failed, sub, reason)

    async def _before_retry(self, session: Session, sub: Subscription, ack: ControlFrame) -> None:
        if ack.msg_cd == APPROVAL_NOT_FOUND:
            # OPSP0011: KIS no longer knows our approval key; get a fresh one.
            self._approval.forget_approval_key()
            with contextlib.suppress(HantuError):  # keep trying with the old one
                session.approval_key = await self._approval.approval_key()
        elif ack.msg_cd == KEY_REFUSED:
            # KIS did subscribe; asked again it would answer OPSP0002 without any key, so
            # unsubscribe first and let the next ack bring a fresh key/iv.
            await self._request(session, "2", sub)
            await self._clock.sleep(self._interval)

    async def _request(
        self, session: Session, tr_type: str, sub: Subscription
    ) -> ControlFrame | None:
        message = {
            "header": {
                "approval_key": session.approval_key,
                "custtype": "P",
                "tr_type": tr_type,
                "content-type": "utf-8",
            },
            "body": {"input": {"tr_id": sub.tr_id, "tr_key": sub.tr_key}},
        }
        session.pending = asyncio.get_running_loop().create_future()
        session.pending_sub = sub
        try:
            await session.ws.send(json.dumps(message))
            return await asyncio.wait_for(session.pending, self._ack_timeout)
        except TimeoutError:
            return None
        finally:
            session.pending = None
            session.pending_sub = None

    # --- frames -------------------------------------------------------------------------

    async def _handle(self, session: Session, message: str | bytes) -> None:
        read = self._frames.read(message)
        if read is None:
            return
        text, control = read
        if control.is_ping:
            await session.ws.send(text)  # echo PINGPONG verbatim (reference §6.2)
            return
        try:
            self._on_control(session, control, text[:HEAD_CHARS])
        except Exception as exc:  # one frame must never end the stream
            self._frames.drop(DropKind.UNEXPECTED, f"{type(exc).__name__}: {exc}", text)

    def _on_control(self, session: Session, control: ControlFrame, head: str) -> None:
        if not self._frames.accept_keys(control, head):
            # A notice ack whose key/iv cannot decrypt anything is no success: retried.
            control = replace(control, rt_cd="1", msg_cd=KEY_REFUSED, msg1="unusable AES key/iv")
        if control.msg_cd == ALREADY_IN_USE:
            session.refusal = AppKeyInUse()  # retried, then sleep: see AppKeyInUse
            return
        if not control.ok:
            log.warning("KIS realtime answered %s %s", control.msg_cd, control.msg1)
        if session.answers_pending(control) and session.pending is not None:
            session.pending.set_result(control)
