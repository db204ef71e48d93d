"""ALERT mode's wiring: the SQL alert store, the one order pipeline, broker quotes, the bus."""

from __future__ import annotations

from hantu.adapters.db.alerts_repository import SqlAlertStore
from hantu.adapters.db.engine import Database
from hantu.domain.order import OrderRequest
from hantu.service_layer import orders
from hantu.service_layer.alerts import AlertDeps, broker_quote
from hantu.service_layer.alerts_ports import Submit
from hantu.service_layer.deps import Deps
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.outcome import SubmitOutcome
from hantu.service_layer.webhooks import AccountResult


def pipeline_submit(deps: Deps) -> Submit:
    """An approved alert's order goes through `orders.submit`, as a webhook's does."""

    async def submit(request: OrderRequest, webhook_id: str | None) -> AccountResult:
        result = await orders.submit(deps, request, webhook_id=webhook_id)
        return AccountResult(
            strategy_account_id=int(request.strategy_account_id),
            outcome=result.order_outcome,
            order_id=result.order.id,
            broker_order_id=result.order.broker_order_id,
            error=result.error or result.order.reason,
            failed_order_id=result.failed_order_id,
            duplicate=result.outcome is SubmitOutcome.DUPLICATE,
            broker_seconds=result.broker_seconds,
        )

    return submit


def build_alerts(db: Database, deps: Deps, bus: EventBus) -> AlertDeps:
    return AlertDeps(
        store=SqlAlertStore(db),
        clock=deps.clock,
        submit=pipeline_submit(deps),
        quote=broker_quote(deps.brokers),
        publish=bus.publish,
    )
