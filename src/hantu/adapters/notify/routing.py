"""One notifier over several channels: the chat of a message names its channel.

The directory addresses a recipient as `telegram:<chat id>` or `slack:<channel id>`
(`Address`); `ChannelRouter` sends each message through the named channel. A bare chat
(no prefix) is a Telegram chat, as before there was a second channel. `Escalating` is the
emergency path: when the first channel cannot deliver, the same text goes to the first
fallback address on another channel (spec 002: an emergency that cannot reach its first
channel goes to the second).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from hantu.service_layer.notify_ports import Address, DeliveryResult, Notifier, OutgoingMessage


class ChannelRouter:
    """Sends through the channel the message's address names."""

    name = "router"

    def __init__(self, channels: Mapping[str, Notifier]) -> None:
        self._channels = dict(channels)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        address = Address.parse(message.chat)
        channel = self._channels.get(address.channel)
        if channel is None:
            return DeliveryResult.permanent(f"{address.channel} not configured")
        return await channel.send(replace(message, chat=address.chat))


class Escalating:
    """Tries the message's own address, then the first of `fallbacks` on another channel."""

    name = "escalating"

    def __init__(self, router: Notifier, fallbacks: Sequence[Address]) -> None:
        self._router = router
        self._fallbacks = tuple(fallbacks)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        first = await self._router.send(message)
        if first.ok:
            return first
        own = Address.parse(message.chat).channel
        second = next((a for a in self._fallbacks if a.channel != own), None)
        if second is None:
            return first
        result = await self._router.send(replace(message, chat=str(second)))
        detail = f"{own}: {first.detail}"
        if result.ok:
            return replace(result, detail=detail)
        return replace(
            first,
            detail=f"{detail}; {second.channel}: {result.detail}",
            attempts=first.attempts + result.attempts,
        )
