"""Whether a started hantu's execution notices stream yet.

A fill before they do is never told (KIS does not replay notices) and reaches the books by
the REST sync alone, many seconds later on a busy machine: tests that wait for a fill buy
only once this is true, as a person's first webhook comes well after the start.
"""

from __future__ import annotations

from hantu.entrypoints.web.runtime import Runtime


async def notices_acked(runtime: Runtime) -> bool:
    realtime = getattr(await runtime.app.deps.brokers.broker_for(1), "realtime", None)
    acked = () if realtime is None else realtime.acknowledged
    return any(sub.tr_id.startswith("H0STCNI") for sub in acked)
