"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from hantu.entrypoints.web.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Answer while the process serves requests."""
    return {"status": "ok"}


@router.get("/metrics", include_in_schema=False)
async def metrics(state: StateDep) -> Response:
    """Expose counters, the broker latency histogram and the failed-order backlog."""
    state.metrics.failed_pending.set(await state.pipeline.pending_failed_count())
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
