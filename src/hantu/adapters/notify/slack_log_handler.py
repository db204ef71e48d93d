"""A `logging.Handler` that tells Slack about trouble (spec 003), without slowing the caller.

- CRITICAL (with its traceback, or the call stack when there is none) and ERROR go at once.
- WARNING is collected and sent as one message every `batch_seconds` (5 minutes).
- INFO and DEBUG never leave the process through this handler.
- A message seen in the last `dedupe_seconds` (1 minute) is dropped. Two messages are the
  same when the SHA-256 of (level, logger, normalised text) agrees; normalising masks
  secrets, replaces every run of digits by `#` and folds whitespace, so "order 123 failed"
  and "order 124 failed" count as one. That is deliberate: this channel is an alarm, and a
  burst of one failure is one alarm; each failed order is kept, and shown, by the order
  book and the failed-orders page, not by Slack.
- Everything sent is masked with the one masking helper (`hantu.domain.masking`).
- Sending happens on a background thread through slack-sdk's synchronous `WebClient`; `emit`
  only formats and enqueues. Records logged *by* that thread (slack-sdk's own) are ignored,
  so a failing Slack cannot feed itself.
- `flush` sends the pending warnings now; `close` flushes and stops the thread, and
  `logging.shutdown` (registered by `logging` with atexit) calls both at interpreter exit.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from hantu import messages_ko
from hantu.adapters.notify.delivery import RetryPolicy
from hantu.adapters.notify.slack import SLACK_API, translate
from hantu.domain.masking import mask
from hantu.service_layer.notify_ports import DeliveryResult

MAX_RECORD = 3_000  # a Slack section tops out at 3,000 characters
MAX_POST = 3_900  # keep each post under Slack's ~4,000 advised length
STACK_FRAMES = 12  # the innermost frames say where; the outer ones are the runner's
_FRAME = re.compile(r'^\s*File "[^"]*", line \d+, in [\w<>.]+$')
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LogChannels:
    """Slack channel ids per level (several may be the same channel)."""

    critical: str
    error: str
    warning: str


def make_slack_log_handler(
    token: str, channels: LogChannels, base_url: str = SLACK_API, timeout: int = 10
) -> SlackLogHandler:
    """The handler over a `WebClient` with slack-sdk's own retries off (the handler retries,
    honouring Retry-After, so a 429 is not slept on twice)."""
    client = WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])
    return SlackLogHandler(client, channels)


@dataclass(frozen=True, slots=True)
class _Post:
    channel: str
    text: str
    batched: bool


_STOP = object()


class SlackLogHandler(logging.Handler):
    """See the module docstring. Build one per process; `close` it (or let logging do)."""

    def __init__(
        self,
        client: WebClient,
        channels: LogChannels,
        *,
        batch_seconds: float = 300.0,
        dedupe_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(level=logging.WARNING)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self._client = client
        self._channels = channels
        self._batch_seconds = batch_seconds
        self._dedupe_seconds = dedupe_seconds
        self._clock = clock
        self._sleep = sleep
        self._policy = policy or RetryPolicy(attempts=4, base_delay=1.0, max_retry_after=60.0)
        self._seen: dict[str, float] = {}
        self._seen_lock = threading.Lock()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = False
        self.undelivered = 0
        self._thread = threading.Thread(target=self._run, name="slack-log-handler", daemon=True)
        self._thread.start()

    # --- the logging side: format, filter, enqueue ---------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING or threading.current_thread() is self._thread:
            return
        try:
            if self._is_duplicate(record):
                return
            self._queue.put(self._post_for(record))
        except Exception:
            self.handleError(record)

    def _post_for(self, record: logging.LogRecord) -> _Post:
        text = self.format(record)
        if record.levelno >= logging.CRITICAL:
            if not record.exc_info and not record.stack_info:
                text = f"{text}\n{messages_ko.LOG_SLACK_STACK}\n{_caller_stack()}"
            text = f"{messages_ko.LOG_SLACK_CRITICAL}\n{text}"
            return _Post(self._channels.critical, _cut(_mask_lines(text)), batched=False)
        if record.levelno >= logging.ERROR:
            text = f"{messages_ko.LOG_SLACK_ERROR}\n{text}"
            return _Post(self._channels.error, _cut(_mask_lines(text)), batched=False)
        return _Post(self._channels.warning, _cut(_mask_lines(text)), batched=True)

    def _is_duplicate(self, record: logging.LogRecord) -> bool:
        normalised = _SPACE.sub(" ", _DIGITS.sub("#", mask(record.getMessage()))).strip()
        raw = f"{record.levelno}\x1f{record.name}\x1f{normalised}"
        key = hashlib.sha256(raw.encode()).hexdigest()
        now = self._clock()
        with self._seen_lock:
            for old in [k for k, at in self._seen.items() if now - at >= self._dedupe_seconds]:
                del self._seen[old]
            if key in self._seen:
                return True
            self._seen[key] = now
            return False

    def flush(self) -> None:
        """Send the pending warnings now and wait until the thread has done so."""
        if self._closed or not self._thread.is_alive():
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait(30)

    def close(self) -> None:
        """Send what is pending, then stop the thread. Safe to call twice."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join(30)
        super().close()

    # --- the sending thread ----------------------------------------------------------------

    def _run(self) -> None:
        pending: list[str] = []
        opened: float | None = None
        while True:
            timeout = (
                None if opened is None else max(0.0, opened + self._batch_seconds - self._clock())
            )
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if isinstance(item, _Post) and item.batched:
                pending.append(item.text)
                opened = self._clock() if opened is None else opened
            elif isinstance(item, _Post):
                self._deliver(item.channel, item.text)
            due = opened is not None and self._clock() - opened >= self._batch_seconds
            if pending and (due or item is _STOP or isinstance(item, threading.Event)):
                self._send_batch(pending)
                pending, opened = [], None
            if isinstance(item, threading.Event):
                item.set()
            if item is _STOP:
                return

    def _send_batch(self, texts: list[str]) -> None:
        header = messages_ko.LOG_SLACK_WARNING_BATCH.format(
            count=len(texts), minutes=max(1, round(self._batch_seconds / 60))
        )
        chunk = header
        for text in texts:
            if len(chunk) + len(text) + 2 > MAX_POST:
                self._deliver(self._channels.warning, chunk)
                chunk = header
            chunk = f"{chunk}\n\n{text}"
        self._deliver(self._channels.warning, chunk)

    def _deliver(self, channel: str, text: str) -> None:
        attempt = 1
        while True:
            result = self._post_once(channel, text)
            wait = self._policy.wait_after(result, attempt)
            if wait is None:
                break
            self._sleep(wait)
            attempt += 1
        if not result.ok:
            self.undelivered += 1
            sys.stderr.write(f"slack log handler: undelivered ({result.detail})\n")

    def _post_once(self, channel: str, text: str) -> DeliveryResult:
        try:
            answer = self._client.chat_postMessage(channel=channel, text=text)
        except SlackApiError as error:
            return translate(error)
        except (OSError, ValueError) as error:  # urllib: URLError, timeouts, resets
            return DeliveryResult.transient(mask(f"{type(error).__name__}: {error}"))
        return DeliveryResult.delivered(str(answer.get("ts", "")), "slack")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_RECORD else text[: MAX_RECORD - 1] + "…"


def _mask_lines(text: str) -> str:
    # A traceback's `File "...", line N, in f` lines are code locations, never secrets, and
    # the masking helper would take a long path for an opaque token; every other line (the
    # message, exception texts, source lines) is masked.
    return "\n".join(line if _FRAME.match(line) else mask(line) for line in text.split("\n"))


def _caller_stack() -> str:
    frames = [
        frame
        for frame in traceback.extract_stack()
        if frame.filename not in (logging.__file__, __file__)
    ]
    return "".join(traceback.format_list(frames[-STACK_FRAMES:])).rstrip()
