"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from hantu.entrypoints.web.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(state: StateDep) -> dict[str, object]:
    """Answer while the process serves requests, with the realtime streams' state.

    A stream that is down leaves `status` "ok": the process is alive and its REST sync
    takes over the fills, so a supervisor must not restart it for that.
    """
    return {"status": "ok", "realtime": state.metrics.realtime_health()}


@router.get("/metrics", include_in_schema=False)
async def metrics(state: StateDep) -> Response:
    """Expose counters, the broker latency histogram and the failed-order backlog."""
    state.metrics.failed_pending.set(await state.pipeline.pending_failed_count())
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
