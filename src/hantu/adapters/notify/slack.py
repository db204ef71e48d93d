"""Slack through slack-sdk's `AsyncWebClient`: `chat.postMessage`, as a `DeliveryResult`.

slack-sdk raises `SlackApiError` for any non-200 answer or `ok: false`; the outcome follows:

    HTTP 429 (Retry-After header) / error "ratelimited"  → RETRY_AFTER(Retry-After, default 1)
    HTTP 5xx, or error "fatal_error" / "service_unavailable" / "internal_error"  → TRANSIENT
    aiohttp.ClientError, TimeoutError                     → TRANSIENT (may have arrived)
    any other error (invalid_auth, channel_not_found, not_in_channel, ...)  → PERMANENT

slack-sdk's own retry handlers are turned off: the retry policy is ours (`delivery.py`), so a
429 is not slept on twice.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hantu.domain.masking import mask
from hantu.service_layer.notify_ports import DeliveryResult, OutgoingMessage

SLACK_API = "https://slack.com/api/"
_TRANSIENT_ERRORS = frozenset(
    {"fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)


def make_client(token: str, base_url: str = SLACK_API, timeout: int = 10) -> AsyncWebClient:
    """A client with no built-in retries (ours decide) and a `timeout`-second limit."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


class SlackNotifier:
    """One workspace token; `message.chat` is the channel id. `silent` has no Slack meaning."""

    name = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        try:
            answer = await self._client.chat_postMessage(channel=message.chat, text=message.text)
        except SlackApiError as error:
            return translate(error)
        except (aiohttp.ClientError, TimeoutError) as error:
            return DeliveryResult.transient(mask(f"{type(error).__name__}: {error}"))
        return DeliveryResult.delivered(str(answer.get("ts", "")), self.name)

    async def aclose(self) -> None:
        if self._client.session is not None:
            await self._client.session.close()


def translate(error: SlackApiError) -> DeliveryResult:
    """Map a `SlackApiError` onto the port's outcome (see the module docstring)."""
    response = error.response
    status = response.status_code
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error", ""))
    detail = mask(f"slack {status} {code}".strip())
    if status == 429 or code == "ratelimited":
        return DeliveryResult.wait(_retry_after(response.headers), detail)
    if status >= 500 or code in _TRANSIENT_ERRORS:
        return DeliveryResult.transient(detail)
    return DeliveryResult.permanent(detail)


def _retry_after(headers: object) -> float:
    getter = getattr(headers, "get", None)
    raw = getter("Retry-After") if getter else None
    if raw is None and getter:
        raw = getter("retry-after")
    try:
        return max(float(raw), 0.0) if raw is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
