"""`GET /api/v1/live`: the signed-in user's live notices as Server-Sent Events.

The stream opens with `retry: 1000` and, after replaying whatever the client missed (its
`Last-Event-ID` header, or `?last_event_id=` when a page reopens the stream itself), a
`ready` event whose id is the feed's latest: from then on the client's last id is always
one the feed can resume from. A `resync` event tells the page to reload everything: the gap
was older than the ring, the server restarted, or the client fell behind its queue.

Only notices about the user's own strategy accounts pass (user → strategy → strategy
account), and notices naming the user (alerts) pass to that user alone. The set is read at
connect and re-read, at most every few seconds, when a notice names an account outside it
(an account linked after the page opened). The session is checked again then, and after
every quiet half minute, so a signed-out user's stream ends.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Final

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from hantu.domain.errors import NotFound
from hantu.entrypoints.web.deps import SESSION_ID, CurrentUser, StateDep
from hantu.entrypoints.web.state import WebState
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import logins
from hantu.service_layer.live_feed import LiveFeed, LiveNotice

router = APIRouter(tags=["live"])

RETRY_MS: Final = 1000  # how soon a browser reconnects a dropped stream
PING_SECONDS: Final = 15  # keeps proxies from closing an idle stream
SEND_TIMEOUT: Final = 10.0  # a client that takes no bytes for this long is dropped
OWNERSHIP_REFRESH: Final = 5.0  # seconds between re-reads of the owned accounts
SESSION_RECHECK: Final = 30.0  # a quiet stream still ends this soon after its session does

LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", max_length=100)]
LastEventQuery = Annotated[str | None, Query(alias="last_event_id", max_length=100)]


class _Owner:
    """The accounts a stream may hear about, re-read when an unknown one shows up."""

    def __init__(self, state: WebState, user_id: int, session_id: str, owned: set[int]) -> None:
        self._state, self._user_id, self._session_id = state, user_id, session_id
        self._owned = owned
        self._checked = float("-inf")  # the first miss re-reads at once, later ones wait
        self.signed_out = False

    async def hears(self, notice: LiveNotice) -> bool:
        """A user's notice goes to that user; an account's to the account's owner."""
        if notice.strategy_account_id is None:
            return notice.user_id == self._user_id and not self.signed_out
        return await self.owns(notice.strategy_account_id)

    async def owns(self, strategy_account_id: int) -> bool:
        if strategy_account_id in self._owned:
            return True
        if asyncio.get_running_loop().time() - self._checked < OWNERSHIP_REFRESH:
            return False
        await self.refresh()
        return strategy_account_id in self._owned

    async def refresh(self) -> None:
        """Check the session again and re-read the owned accounts."""
        self._checked = asyncio.get_running_loop().time()
        user = await logins.session_user(self._state.accounts, self._session_id)
        if user is None or user.id != self._user_id:
            self.signed_out = True
            self._owned = set()
            return
        self._owned = await accounts_service.owned_strategy_account_ids(
            self._state.accounts, user.id
        )


def _message(notice: LiveNotice) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(notice.data(), ensure_ascii=False), id=notice.id)


def _control(event: str, latest: str, **data: Any) -> ServerSentEvent:
    body = json.dumps({"topic": event, "latest": latest, **data})
    return ServerSentEvent(body, event=event, id=latest)


async def _stream(feed: LiveFeed, owner: _Owner, last_id: str | None) -> AsyncIterator[Any]:
    with feed.subscribe() as subscription:  # before the snapshot: nothing falls in between
        missed = feed.since(last_id) if last_id else []
        latest = feed.latest_id
        yield ServerSentEvent(comment="hantu live", retry=RETRY_MS)
        if missed is None:
            yield _control("resync", latest, reason="gap")
        else:
            for notice in missed:
                if await owner.hears(notice):
                    yield _message(notice)
            yield _control("ready", latest)
        while not owner.signed_out:
            try:
                async with asyncio.timeout(SESSION_RECHECK):
                    notice = await subscription.queue.get()
            except TimeoutError:
                await owner.refresh()
                continue
            if subscription.overflowed:
                subscription.reset()
                yield _control("resync", feed.latest_id, reason="overflow")
            elif await owner.hears(notice):
                yield _message(notice)


# Not in the OpenAPI schema: a stream that never ends is no request/response operation, and
# schema-driven clients and fuzzers would wait on it until their read timeout.
@router.get("/api/v1/live", include_in_schema=False)
async def live(
    request: Request,
    user: CurrentUser,
    state: StateDep,
    last_event_id: LastEventId = None,
    after: LastEventQuery = None,
) -> EventSourceResponse:
    """Stream notices about the user's orders, fills, failed orders, positions and alerts."""
    if state.live is None:
        raise NotFound("live feed")
    owned = await accounts_service.owned_strategy_account_ids(state.accounts, user.id)
    owner = _Owner(state, user.id, str(request.session.get(SESSION_ID, "")), owned)
    return EventSourceResponse(
        _stream(state.live, owner, last_event_id or after),
        ping=PING_SECONDS,
        send_timeout=SEND_TIMEOUT,
    )
