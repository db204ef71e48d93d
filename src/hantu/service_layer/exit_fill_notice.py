"""The stop-loss / take-profit notice of an exit's fill (spec 002 §6.2), from the fill itself.

Built from the fill and the PnL it realized, not from the position, which the fill may have
closed (and its average reset) by the time the notice is written.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from hantu import messages_ko as ko
from hantu.domain.events import OrderFilled
from hantu.domain.exits import EXIT_SOURCE_PREFIX, ExitTrigger
from hantu.service_layer.monitor_ports import ExitNotifier, PositionOfOrder

log = logging.getLogger(__name__)


async def tell_exit_fill(
    notifier: ExitNotifier, event: OrderFilled, found: PositionOfOrder
) -> None:
    """Tell the owner that an exit order filled, with its price, entry and PnL."""
    try:
        kind = ExitTrigger(found.source.removeprefix(EXIT_SOURCE_PREFIX))
    except ValueError:
        log.warning("exit order %s has an unknown reason %s", event.order_id, found.source)
        return
    realized = found.fill_realized_pnl
    # The fill's realized PnL gives the average it sold against.
    entry = event.price - realized / event.quantity if realized is not None else event.price
    fill = ko.ExitFill(
        name="",
        code=found.symbol.code,
        exit_price=event.price,
        entry_price=entry,
        quantity=event.quantity,
        pnl=realized if realized is not None else Decimal(0),
        return_rate=(event.price - entry) / entry if entry else Decimal(0),
        hold_days=0,
    )
    texts = ko.take_profit_filled if kind is ExitTrigger.TAKE_PROFIT else ko.stop_loss_filled
    title, body = texts(fill)
    try:
        await notifier.exit_filled(str(event.order_id), kind.value, title, body)
    except Exception:
        log.exception("could not tell the exit fill of %s", found.symbol)
