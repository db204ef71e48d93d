"""A sell may not ask for more than the strategy account holds, unless it adopts first.

The rule: a sell is refused before sending when it asks for more than the account's position
less its open sells (two SELL 1 with one share held: the second is refused). A strategy that
switches `adopt_broker_holdings` on may sell shares the broker holds but hantu did not buy:
before the order is created, the shortfall (only the shortfall, never the whole surplus, so
the owner's other shares stay outside hantu's books) is adopted into the position at the
broker's purchase average (KIS `pchs_avg_pric`) and a `HoldingAdopted` event records it. If
the broker does not hold the whole shortfall beyond every hantu position on that broker
account, nothing is adopted and the sell is refused as before.

The need is found inside the transaction that creates the sell (`adopts_first`), not by a
read of its own before it: an exit is latency-bound and almost never adopts. That
transaction is then rolled back, the broker asked outside any, and the sell created again.
"""

from __future__ import annotations

import asyncio
import logging

from hantu import messages_ko as ko
from hantu.domain.enums import Side
from hantu.domain.events import HoldingAdopted
from hantu.domain.masking import mask
from hantu.domain.order import OrderRequest
from hantu.domain.position import Position
from hantu.domain.risk import SELL_ABOVE_POSITION, RiskViolation, SellCapacity
from hantu.errors import HantuError
from hantu.service_layer.deps import Deps
from hantu.service_layer.ports import Broker, Holding, PipelineUnitOfWork

log = logging.getLogger(__name__)


def sell_violations(request: OrderRequest, capacity: SellCapacity) -> list[RiskViolation]:
    """The one rule a sell can break: asking for more than the position still covers."""
    if capacity.shortfall(request.quantity) == 0:
        return []
    detail = (
        f"{request.symbol}: held {capacity.held}, open sells {capacity.open_sells},"
        f" asked {request.quantity}"
    )
    message = ko.SELL_ABOVE_POSITION.format(
        symbol=request.symbol,
        held=capacity.held,
        open_sells=capacity.open_sells,
        asked=request.quantity,
    )
    return [RiskViolation(SELL_ABOVE_POSITION, detail, message)]


async def adopts_first(
    uow: PipelineUnitOfWork, request: OrderRequest, capacity: SellCapacity
) -> bool:
    """Whether a sell being created must first adopt broker holdings: its strategy allows
    it, the position falls short, and its key is new (a repeated signal adopts nothing)."""
    if not capacity.adopt_allowed or capacity.shortfall(request.quantity) == 0:
        return False
    return await uow.orders.get_by_idempotency_key(request.idempotency_key) is None


async def adopt_for_sell(deps: Deps, broker: Broker, request: OrderRequest) -> None:
    """Adopt the broker holdings a sell falls short of, outside any write transaction."""
    holding = await _broker_holding(deps, broker, request)
    if holding is not None:
        await _adopt(deps, request, holding)


async def _broker_holding(deps: Deps, broker: Broker, request: OrderRequest) -> Holding | None:
    try:
        balance = await asyncio.wait_for(broker.balance(), deps.order_timeout)
    except (HantuError, TimeoutError) as exc:
        # Nothing adopted: the sell is then refused as above the position, never sent blind.
        log.warning("no balance to adopt %s for a sell: %s", request.symbol, mask(str(exc)))
        return None
    return next((h for h in balance.holdings if h.symbol == request.symbol), None)


async def _adopt(deps: Deps, request: OrderRequest, holding: Holding) -> None:
    now = deps.clock.now()
    async with deps.uow() as uow:
        # Read again under the account's lock: another sell may have adopted meanwhile.
        account, symbol = request.strategy_account_id, request.symbol
        capacity = await uow.risk.sell_capacity(account, symbol, lock=True)
        quantity = capacity.adoptable(request.quantity, holding.quantity)
        if quantity <= 0:
            return
        position = await uow.positions.get(account, symbol, for_update=True)
        if position is None:
            position = Position(strategy_account_id=account, symbol=symbol)
            await uow.positions.add(position)
        position.apply_fill(Side.BUY, quantity, holding.average_price)
        uow.record(
            HoldingAdopted(
                strategy_account_id=account,
                symbol=symbol,
                quantity=quantity,
                average_price=holding.average_price,
                broker_quantity=holding.quantity,
                idempotency_key=request.idempotency_key,
                occurred_at=now,
            )
        )
        await uow.commit()
    log.info("adopted %s shares of %s into account %s", quantity, symbol, account)
