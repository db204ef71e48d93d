"""Failed orders: save, retry through the same pipeline (at most five times), remove (soft).

A retry's idempotency key is derived from the failed order and the attempt number, so a
retry repeated after a crash or a double click never places a second order. An error on our
side (database, bug) raises before the attempt is counted and rolls back, consuming nothing;
an attempt our rate limit kept from being sent is recorded, but not counted either.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hantu.domain.enums import OrderType, Side
from hantu.domain.errors import NotFound
from hantu.domain.events import FailedOrderRemoved, FailedOrderSaved
from hantu.domain.failed_order import FailedOrder
from hantu.domain.order import Order, OrderRequest
from hantu.domain.values import Price
from hantu.service_layer.deps import Deps
from hantu.service_layer.orders import submit
from hantu.service_layer.outcome import SubmitResult
from hantu.service_layer.queries import FailedOrderView


async def save_failed_order(deps: Deps, failed: FailedOrder) -> int:
    """Store a failure that never became an order (e.g. a signal the broker could not take)."""
    async with deps.uow() as uow:
        await uow.failed_orders.add(failed)
        uow.record(
            FailedOrderSaved(
                failed_order_id=failed.id,
                order_id=failed.order_id,
                reason=failed.reason,
                occurred_at=deps.clock.now(),
            )
        )
        await uow.commit()
    if failed.id is None:
        raise AssertionError("the repository sets the id on add")
    return failed.id


async def retry(deps: Deps, failed_order_id: int) -> SubmitResult:
    """Send a failed order again through `submit`; refused while a previous retry is unsettled."""
    async with deps.uow(read_only=True) as uow:
        failed = await uow.failed_orders.get(failed_order_id)
        if failed is None:
            raise NotFound(f"failed order {failed_order_id} does not exist")
        last = None
        if failed.last_retry_order_id is not None:
            last = await uow.orders.get(failed.last_retry_order_id)
        failed.check_retryable(retry_in_flight=last is not None and last.status.is_unsettled)
        request = replace(retry_request(failed), idempotency_key=_attempt_key(failed, last))
    return await submit(deps, request, retry_of=failed_order_id)


def _attempt_key(failed: FailedOrder, last: Order | None) -> str:
    key = failed.retry_key()
    if last is not None and (last.idempotency_key + ":").startswith(key + ":"):
        # The last attempt had this number but was not counted (never sent): a key of its own.
        return f"{key}:{last.id}"
    return key


def retry_request(failed: FailedOrder) -> OrderRequest:
    """The order request of the next attempt, built from the stored columns and params."""
    price = failed.price
    if price is None and failed.order_params.get("price"):
        price = Price(Decimal(failed.order_params["price"]))
    return OrderRequest(
        idempotency_key=failed.retry_key(),
        strategy_account_id=failed.strategy_account_id,
        symbol=failed.symbol,
        side=Side(failed.side),
        order_type=OrderType(failed.order_type),
        quantity=failed.quantity,
        price=None if failed.order_type is OrderType.MARKET else price,
        source=failed.order_params.get("source", "retry")[:32],
    )


async def remove(deps: Deps, failed_order_id: int) -> FailedOrderView:
    """Hide a failed order from the default list; the row stays for audit."""
    async with deps.uow() as uow:
        failed = await uow.failed_orders.get(failed_order_id, for_update=True)
        if failed is None:
            raise NotFound(f"failed order {failed_order_id} does not exist")
        failed.remove(deps.clock.now())
        uow.record(
            FailedOrderRemoved(
                failed_order_id=failed_order_id,
                strategy_account_id=failed.strategy_account_id,
                occurred_at=deps.clock.now(),
            )
        )
        await uow.commit()
        return FailedOrderView.of(failed)
