"""An exit the broker refused is placed again, so a refusal does not leave a position bare.

A refused sell (REFUSED: the broker said no, or it was never sent; REJECTED: our sell check
said no) was never at the broker, so placing it again cannot sell twice. After a backoff
(`retry_backoff_seconds`, doubled each time), the position is read again (sell what is
held and no open sell claims; nothing if nothing is), repriced from the last tick and the
book, and placed under the trigger's key plus the attempt (`exit:…:stop_loss:7:x1`), so a
repeat of the same attempt finds it placed. Each attempt is a retry of the first refusal's
failed order, which an accepted one resolves. The wait holds while the symbol is halted or
under VI, and ends when the monitor stops or the position is no longer watched.

An exit the exchange refuses after accepting it (KIS's notice RFUS_YN=1; the broker's order
list, whose sync records it refused) was never filled either, and is placed again the same
way, under its own key plus `:x<n>`; the attempts count across such chains.

Never retried: an UNCONFIRMED order (it may be at the broker; the reconciliation settles
it), an error on our side (the order may have left), and refusals no retry can cure (our
auth or settings, a deactivated account): those are told at once. After the last attempt,
the owner hears that the position is unprotected and why (EMERGENCY).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from enum import Enum
from typing import Protocol

from hantu import messages_ko as ko
from hantu.domain.enums import OrderType, Side
from hantu.domain.exits import ExitState, Trigger
from hantu.domain.order import OrderRequest
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer import orders
from hantu.service_layer.deps import Deps
from hantu.service_layer.monitor_ports import MonitorOptions, WatchedPosition
from hantu.service_layer.outcome import Refusal, SubmitOutcome, SubmitResult
from hantu.service_layer.queries import OrderView

log = logging.getLogger(__name__)
RETRY_SUFFIX = ":x"
MAX_BACKOFF_SECONDS = 30.0
PAUSED_RECHECK_SECONDS = 0.5
HOPELESS_REFUSALS = frozenset({Refusal.AUTH, Refusal.CONFIG})


class UnprotectedAlarm(Protocol):
    """Tell the owner of `order_id` that an exit could not be placed (EMERGENCY)."""

    async def exit_unprotected(self, order_id: str, title: str, body: str) -> None: ...


class Verdict(Enum):
    DONE = "done"  # at the broker, or maybe (unconfirmed): nothing more to place
    RETRY = "retry"  # refused, never at the broker: may be placed again
    HOPELESS = "hopeless"  # refused for a cause no retry cures


def retry_key(trigger_key: str, attempt: int) -> str:
    """The idempotency key of re-placement `attempt` of a refused exit."""
    return f"{trigger_key}{RETRY_SUFFIX}{attempt}"


def placements_before(idempotency_key: str) -> int:
    """How many re-placements led to the order under `idempotency_key`."""
    return idempotency_key.count(RETRY_SUFFIX)


def backoff(attempt: int, first: float) -> float:
    """The wait before re-placement `attempt` (1, 2, 4 … times `first`, bounded)."""
    return min(first * float(2 ** (attempt - 1)), MAX_BACKOFF_SECONDS)


def verdict_of(result: SubmitResult, account_active: bool = True) -> Verdict:
    """What a submit's answer leaves to do for an exit."""
    match result.order_outcome:
        case SubmitOutcome.REFUSED if result.refusal in HOPELESS_REFUSALS:
            return Verdict.HOPELESS
        case SubmitOutcome.REFUSED:
            return Verdict.RETRY
        case SubmitOutcome.REJECTED:
            return Verdict.RETRY if account_active else Verdict.HOPELESS
        case _:
            return Verdict.DONE


class ExitRetry:
    """Re-places refused exits of the monitor's positions; tells when they stay bare."""

    def __init__(
        self,
        deps: Deps,
        options: MonitorOptions,
        alarm: UnprotectedAlarm | None,
        last_price: Callable[[Symbol], Decimal | None],
        price_of: Callable[[WatchedPosition, Decimal], Price | None],
        watched: Callable[[], Mapping[tuple[StrategyAccountId, Symbol], ExitState]],
        paused: Callable[[Symbol], bool],
    ) -> None:
        self._deps = deps
        self._options = options
        self._alarm = alarm
        self._last_price = last_price
        self._price_of = price_of  # the exit's price for a last price (the book, the rules)
        self._watched = watched  # empty once the monitor stops
        self._paused = paused
        self.held = 0  # exits waiting out a halt or VI now: placing nothing meanwhile

    async def settle(
        self,
        request: OrderRequest,
        result: SubmitResult,
        position: WatchedPosition,
        trigger: Trigger,
    ) -> SubmitResult:
        """Place `request` again while refused; returns what the last attempt became."""
        verdict = await self._verdict(result, position)
        return await self._again(request, result, verdict, position, trigger, 0)

    async def refused_later(
        self, order: OrderView, position: WatchedPosition, trigger: Trigger, source: str
    ) -> SubmitResult | None:
        """Place again an exit the exchange refused after accepting it; None when no attempt
        is left (the owner is told) or nothing is left to sell."""
        request = OrderRequest(
            idempotency_key=order.idempotency_key,
            strategy_account_id=position.strategy_account_id,
            symbol=position.symbol,
            side=Side.SELL,
            order_type=OrderType(order.order_type),
            quantity=Quantity(order.quantity - order.filled_quantity),
            price=None if order.price is None else Price(order.price),
            source=source,
        )
        done = placements_before(order.idempotency_key)
        log.warning("exit order %s of %s refused by the exchange", order.id, position.symbol)
        refused = SubmitResult(
            order, SubmitOutcome.REFUSED, error=ko.monitor.EXIT_REFUSED_AT_EXCHANGE
        )
        result = await self._again(request, refused, Verdict.RETRY, position, trigger, done)
        return None if result is refused else result

    async def _again(
        self,
        request: OrderRequest,
        result: SubmitResult,
        verdict: Verdict,
        position: WatchedPosition,
        trigger: Trigger,
        done: int,
    ) -> SubmitResult:
        failed_id = result.failed_order_id
        attempt, base = done, request.idempotency_key  # a chain's keys grow from its first
        while verdict is Verdict.RETRY and attempt < self._options.retry_attempts:
            attempt += 1
            if not await self._wait(position, attempt - done):
                log.info("re-placing the exit of %s ended: not watched", position.symbol)
                return result
            again = await self._next(request, position, trigger, base, attempt - done)
            if again is None:
                log.info("exit of %s not re-placed: nothing left to sell", position.symbol)
                return result
            request = again
            try:
                result = await orders.submit(self._deps, request, retry_of=failed_id)
            except Exception:  # our side failed: the order may have left, so no more attempts
                log.exception("re-placing the exit of %s failed", position.symbol)
                break
            failed_id = result.failed_order_id or failed_id
            log.warning("exit of %s re-placed (%s): %s", position.symbol, attempt, result.outcome)
            verdict = await self._verdict(result, position)
        if verdict is not Verdict.DONE:
            await self._tell(request, result, trigger, attempt, verdict)
        return result

    async def _verdict(self, result: SubmitResult, position: WatchedPosition) -> Verdict:
        if result.order_outcome is not SubmitOutcome.REJECTED:
            return verdict_of(result)
        async with self._deps.uow(read_only=True) as uow:
            rules = await uow.risk.account_rules(position.strategy_account_id)
        return verdict_of(result, rules.active)

    def _guarding(self, position: WatchedPosition) -> bool:
        state = self._watched().get((position.strategy_account_id, position.symbol))
        return state is not None and state.entry_seq == position.entry_seq  # the same holding

    async def _wait(self, position: WatchedPosition, attempt: int) -> bool:
        await self._deps.clock.sleep(backoff(attempt, self._options.retry_backoff_seconds))
        if self._guarding(position) and self._paused(position.symbol):
            self.held += 1  # the monitor shows 장 중단 meanwhile, not 주문 실행
            try:
                while self._guarding(position) and self._paused(position.symbol):
                    await self._deps.clock.sleep(PAUSED_RECHECK_SECONDS)  # halt / VI: no order
            finally:
                self.held -= 1
        return self._guarding(position)

    async def _next(
        self,
        request: OrderRequest,
        position: WatchedPosition,
        trigger: Trigger,
        base: str,
        attempt: int,
    ) -> OrderRequest | None:
        async with self._deps.uow(read_only=True) as uow:
            capacity = await uow.risk.sell_capacity(
                position.strategy_account_id, position.symbol, lock=False
            )
        if capacity.free <= 0:
            return None
        price = self._price_of(position, self._last_price(position.symbol) or trigger.price)
        return replace(
            request,
            idempotency_key=retry_key(base, attempt),
            quantity=Quantity(capacity.free),
            price=price,
            order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
        )

    async def _tell(
        self,
        request: OrderRequest,
        result: SubmitResult,
        trigger: Trigger,
        attempts: int,
        verdict: Verdict,
    ) -> None:
        reason = result.error or result.order.reason or ko.monitor.EXIT_REFUSED_UNKNOWN
        title, body = ko.monitor.exit_unprotected(
            request.symbol.code,
            trigger.kind.value,
            request.quantity,
            reason,
            attempts,
            retried=verdict is Verdict.RETRY,
        )
        log.error("exit of %s not placed after %s re-placements", request.symbol, attempts)
        if self._alarm is None:
            return
        try:
            await self._alarm.exit_unprotected(str(result.order.id), title, body)
        except Exception:
            log.exception("could not tell that the exit of %s was not placed", request.symbol)
