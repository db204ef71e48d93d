"""The bot's commands: each reads what the web pages read and answers in Korean.

`answer` is the one entry the Telegram adapter calls per message: `/start CODE` links,
everything else first passes `authorize` (chat and `from.id`), then runs a command.
Money is shown as `70,667원` and quantities as `1,234주` (`messages_ko.format_*`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal

from hantu import messages_ko as ko
from hantu.domain.accounts import StrategyAccountView, User
from hantu.domain.enums import OPEN_STATUSES
from hantu.domain.masking import mask
from hantu.domain.values import StrategyAccountId
from hantu.errors import HantuError
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import queries
from hantu.service_layer.deps import SEOUL
from hantu.service_layer.ports import Balance, Broker, Holding
from hantu.service_layer.telegram_bot import (
    BotDeps,
    Refusal,
    authorize,
    entries_paused,
    link,
    set_entries_paused,
)

Command = Callable[[BotDeps, User], Awaitable[str]]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
log = logging.getLogger(__name__)


def parse_command(text: str) -> tuple[str, str] | None:
    """`/cmd@bot args` → ("cmd", "args"); None for text that is no command."""
    head, _, rest = text.strip().partition(" ")
    if not head.startswith("/") or len(head) < 2:
        return None
    return head[1:].split("@", 1)[0].lower(), rest.strip()


async def answer(deps: BotDeps, chat_id: int, from_id: int | None, text: str) -> str:
    """The Korean reply to one message: link by `/start CODE`, else an authorized command."""
    parsed = parse_command(text)
    if parsed is not None and parsed[0] == "start" and parsed[1]:
        return await link(deps, parsed[1], chat_id, from_id)
    who = await authorize(deps, chat_id, from_id)
    if isinstance(who, Refusal):
        return who.text
    command = COMMANDS.get(parsed[0]) if parsed is not None else None
    if command is None:
        return ko.TG_UNKNOWN
    return await command(deps, who)


async def _accounts(deps: BotDeps, user: User) -> list[StrategyAccountView]:
    return await accounts_service.strategy_accounts_of_user(deps.accounts, user.id)


async def status(deps: BotDeps, user: User) -> str:
    """Entries paused or not, the realtime streams, and how many orders are open."""
    views = await _accounts(deps, user)
    ids = {int(view.id) for view in views}
    async with deps.pipeline.uow(read_only=True) as uow:
        live = await uow.orders.with_status(*OPEN_STATUSES)
    paused = await entries_paused(deps, user.id)
    return ko.TG_STATUS.format(
        entries=ko.TG_ENTRIES_PAUSED if paused else ko.TG_ENTRIES_ON,
        accounts=len(views),
        streams=_streams(deps, ids),
        open_orders=sum(1 for order in live if int(order.strategy_account_id) in ids),
    )


def _streams(deps: BotDeps, ids: set[int]) -> str:
    if deps.stream_up is None or not ids:
        return ko.TG_STREAMS_UNKNOWN
    up = sum(1 for account in ids if deps.stream_up(account))
    return ko.TG_STREAMS.format(up=up, total=len(ids))


async def positions(deps: BotDeps, user: User) -> str:
    """Open positions with average price and realized PnL."""
    ids = [int(view.id) for view in await _accounts(deps, user)]
    held = await queries.open_positions(deps.pipeline, ids)
    if not held:
        return ko.TG_NO_POSITIONS
    lines = [ko.TG_POSITIONS_TITLE.format(count=len(held))]
    lines += [
        ko.TG_POSITION_LINE.format(
            symbol=position.symbol,
            quantity=ko.format_shares(position.quantity),
            average=ko.format_won(position.average_price),
            realized=ko.format_won(position.realized_pnl),
        )
        for position in held
    ]
    return "\n".join(lines)


async def orders(deps: BotDeps, user: User) -> str:
    """Today's orders (Seoul trading day), newest first."""
    ids = [int(view.id) for view in await _accounts(deps, user)]
    today = await queries.orders_since(deps.pipeline, ids, deps.pipeline.trading_day_start())
    if not today:
        return ko.TG_NO_ORDERS
    lines = [ko.TG_ORDERS_TITLE.format(count=len(today))]
    lines += [
        ko.TG_ORDER_LINE.format(
            time=order.created_at.astimezone(SEOUL).strftime("%H:%M:%S"),
            symbol=order.symbol,
            side=ko.TG_SIDES.get(order.side, order.side),
            quantity=ko.format_shares(order.quantity),
            price=ko.TG_MARKET_PRICE if order.price is None else ko.format_won(order.price),
            status=ko.TG_STATUSES.get(order.status.value, order.status.value),
            filled=ko.format_shares(order.filled_quantity),
        )
        for order in today
    ]
    return "\n".join(lines)


async def balance(deps: BotDeps, user: User) -> str:
    """Cash and holdings of each broker account, asked of the broker."""
    first_of: dict[int, StrategyAccountView] = {}
    for view in await _accounts(deps, user):
        first_of.setdefault(int(view.broker_account_id), view)
    if not first_of:
        return ko.TG_NO_ACCOUNTS
    parts = [ko.TG_BALANCE_TITLE]
    for view in first_of.values():
        parts.append(await _one_balance(deps, view))
    return "\n\n".join(parts)


async def _one_balance(deps: BotDeps, view: StrategyAccountView) -> str:
    names = {"name": view.broker_account_name, "hint": view.account_hint}
    try:
        broker = await deps.pipeline.brokers.broker_for(int(view.id))
        found: Balance = await asyncio.wait_for(broker.balance(), deps.pipeline.order_timeout)
    except (HantuError, TimeoutError) as exc:
        log.warning("balance of %s failed: %s", view.broker_account_name, mask(str(exc)))
        return ko.TG_BALANCE_FAILED.format(**names)
    stocks = Decimal(0)
    for holding in found.holdings:
        stocks += Decimal(holding.quantity) * await _price_of(deps, broker, holding)
    cash = Decimal(found.cash)
    return ko.TG_BALANCE_ACCOUNT.format(
        **names,
        cash=ko.format_won(cash),
        holdings=ko.format_won(stocks),
        total=ko.format_won(cash + stocks),
    )


async def _price_of(deps: BotDeps, broker: Broker, holding: Holding) -> Decimal:
    # Valued at the last price; a quote that fails falls back to the purchase price.
    try:
        quote = await asyncio.wait_for(broker.quote(holding.symbol), deps.pipeline.order_timeout)
    except (HantuError, TimeoutError):
        return Decimal(holding.average_price)
    return Decimal(quote.price)


async def pnl(deps: BotDeps, user: User) -> str:
    """Realized PnL of the user's strategy accounts, today and in total."""
    ids = [StrategyAccountId(int(view.id)) for view in await _accounts(deps, user)]
    since = deps.pipeline.trading_day_start()
    today = total = Decimal(0)
    async with deps.pipeline.uow(read_only=True) as uow:
        for account in ids:
            today += await uow.fills.realized_pnl_since(account, since)
            total += await uow.fills.realized_pnl_since(account, EPOCH)
    return ko.TG_PNL.format(today=ko.format_won(today), total=ko.format_won(total))


async def stop(deps: BotDeps, user: User) -> str:
    """Pause new entries; exits still run."""
    await set_entries_paused(deps, user.id, True)
    return ko.TG_STOPPED


async def resume(deps: BotDeps, user: User) -> str:
    """Allow new entries again."""
    await set_entries_paused(deps, user.id, False)
    return ko.TG_RESUMED


async def help_text(_deps: BotDeps, _user: User) -> str:
    """The command list."""
    return ko.TG_HELP


COMMANDS: dict[str, Command] = {
    "start": help_text,
    "help": help_text,
    "status": status,
    "positions": positions,
    "orders": orders,
    "balance": balance,
    "pnl": pnl,
    "stop": stop,
    "resume": resume,
}
