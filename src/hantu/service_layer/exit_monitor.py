"""The exit monitor: every open position's stop-loss and take-profit, acted on from ticks.

It keeps one `ExitState` per open position (loaded at start, opened when a buy fills,
dropped when the position closes) and runs `evaluate` on every trade tick of its symbol.
A crossing becomes one SELL of the whole position through the one pipeline, keyed by the
trigger's idempotency key: ticks that repeat the crossing, and a restart that evaluates it
again, find the order already there and place nothing. The exit reason rides on the order
as its source (`monitor:stop_loss`). While a symbol is halted or under VI, crossings wait;
when trading resumes the last price is evaluated again, so a level still crossed is acted on.

Tick and status callbacks run synchronously inside the realtime loop: they only evaluate
(pure, microseconds) and hand the order to a task.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from hantu import messages_ko as ko
from hantu.domain.enums import OrderType, Side
from hantu.domain.events import OrderFilled
from hantu.domain.exits import (
    EXIT_SOURCE_PREFIX,
    ExitRules,
    ExitState,
    ExitTrigger,
    Trigger,
    evaluate,
    exit_order_price,
)
from hantu.domain.order import OrderRequest
from hantu.domain.values import Quantity, StrategyAccountId, Symbol
from hantu.service_layer import orders
from hantu.service_layer.deps import Deps
from hantu.service_layer.monitor_ports import (
    ExitNotifier,
    MonitorPositions,
    MonitorSnapshot,
    PositionOfOrder,
    SymbolWatch,
    WatchedPosition,
)
from hantu.service_layer.ports import Tick

Key = tuple[StrategyAccountId, Symbol]
LATE = timedelta(seconds=1)  # spec 002: a tick later than this is logged
VERY_LATE = timedelta(seconds=5)  # ... and later than this is an error (alerting: to come)
LATE_LOG_EVERY = timedelta(minutes=1)  # per symbol, so a slow feed does not flood the log
log = logging.getLogger(__name__)


def exit_source(kind: ExitTrigger) -> str:
    """The order's source naming why the monitor sold (fits the 32-character column)."""
    return f"{EXIT_SOURCE_PREFIX}{kind.value}"


class ExitMonitor:
    """Per-position exit states fed by ticks; one sell per crossing, paused under VI/halt."""

    def __init__(
        self,
        deps: Deps,
        positions: MonitorPositions,
        watch: SymbolWatch,
        notifier: ExitNotifier,
        rules: ExitRules,
    ) -> None:
        self._deps = deps
        self._positions = positions
        self._watch = watch
        self._notifier = notifier
        self._rules = rules
        self._states: dict[Key, tuple[WatchedPosition, ExitState]] = {}
        self._paused: set[Symbol] = set()
        self._last: dict[Symbol, Tick] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._late_logged: dict[Symbol, datetime] = {}
        self._active = True  # False between `stop()` and the next `start()`

    # --- what is watched ---------------------------------------------------------------

    async def start(self) -> None:
        """Protect every open position from now on."""
        self._active = True
        for position in await self._positions.open_positions():
            await self._track(position)
        log.info("exit monitor protects %s open positions", len(self._states))

    async def run(self) -> None:
        """A supervised service: load the positions, then let ticks and fills drive it."""
        await self.start()
        await asyncio.Event().wait()

    async def stop(self) -> None:
        """Stop protecting: unwatch every symbol and forget the states (the close, or a
        person's `hantu monitor stop`); exits already being placed still finish."""
        self._active = False
        for key in list(self._states):
            await self._drop(key)
        self._paused.clear()
        log.info("exit monitor stopped")

    def snapshot(self) -> MonitorSnapshot:
        """What the monitor panel shows: positions protected, last ticks, exits placing."""
        return MonitorSnapshot(
            active=self._active,
            positions=tuple(position for position, _ in self._states.values()),
            last_tick_at={symbol: tick.at for symbol, tick in self._last.items()},
            paused=frozenset(self._paused),
            placing=len(self._tasks),
            awaiting_fill=sum(1 for _, state in self._states.values() if state.done),
        )

    def watched(self) -> dict[Key, ExitState]:
        return {key: state for key, (_, state) in self._states.items()}

    def paused(self, symbol: Symbol) -> bool:
        return symbol in self._paused

    async def on_filled(self, event: OrderFilled) -> None:
        """Bus handler: a fill opens, moves or closes a position; an exit's fill is told
        (from the stored order, so an exit placed before a restart is told too)."""
        found = await self._positions.position_of_order(str(event.order_id), str(event.fill_id))
        if found is None:
            return
        if found.source.startswith(EXIT_SOURCE_PREFIX):
            await self._tell_exit(event, found)
        if not self._active:
            return  # stopped: `start()` loads the positions again
        key = (found.strategy_account_id, found.symbol)
        if found.position is None:
            await self._drop(key)
        else:
            await self._track(found.position)

    async def _track(self, position: WatchedPosition) -> None:
        key = (position.strategy_account_id, position.symbol)
        known = self._states.get(key)
        if known is not None and known[1].entry_seq == position.entry_seq:
            _, state = known
            if not state.done and state.average_price != position.average_price:
                state = replace(state, average_price=position.average_price)
            self._states[key] = (position, state)  # same holding: keep its high-water mark
            return
        state = ExitState.open(
            f"{int(position.strategy_account_id)}:{position.symbol.code}",
            position.entry_seq,
            position.average_price,
            self._rules,
        )
        first_of_symbol = not any(symbol == position.symbol for _, symbol in self._states)
        self._states[key] = (position, state)
        if first_of_symbol:
            await self._watch.watch(position.strategy_account_id, position.symbol)

    async def _drop(self, key: Key) -> None:
        if self._states.pop(key, None) is None:
            return
        account, symbol = key
        if not any(s == symbol for _, s in self._states):
            await self._watch.unwatch(account, symbol)

    # --- ticks and market state ----------------------------------------------------------

    def on_tick(self, tick: Tick) -> None:
        """Realtime callback: evaluate every position of the tick's symbol."""
        self._last[tick.symbol] = tick
        if not self._active:
            return
        self._check_lag(tick)
        for key, (position, state) in list(self._states.items()):
            if key[1] == tick.symbol:
                self._evaluate(key, position, state, tick.price, tick.at)

    def _check_lag(self, tick: Tick) -> None:
        now = self._deps.clock.now()
        lag = now - tick.at
        if lag <= LATE:
            return
        logged = self._late_logged.get(tick.symbol)
        if logged is not None and now - logged < LATE_LOG_EVERY:
            return
        self._late_logged[tick.symbol] = now
        level = logging.ERROR if lag > VERY_LATE else logging.WARNING
        log.log(level, "tick of %s arrived %.1f s late", tick.symbol, lag.total_seconds())

    def on_market_status(self, halted: bool, symbol: Symbol) -> None:
        """Realtime callback: pause exits of a halted / VI symbol; on resume act on the last
        price if it still crosses a level."""
        if halted:
            if symbol not in self._paused:
                log.warning("exit orders of %s paused: halt or VI", symbol)
            self._paused.add(symbol)
            return
        if symbol not in self._paused:
            return
        self._paused.discard(symbol)
        log.info("exit orders of %s resumed", symbol)
        last = self._last.get(symbol)
        if last is not None:
            self.on_tick(last)

    def _evaluate(
        self, key: Key, position: WatchedPosition, state: ExitState, price: Decimal, at: datetime
    ) -> None:
        advanced, trigger = evaluate(state, price, at)
        if trigger is not None and key[1] in self._paused:
            # Watching continues; the crossing is judged again when trading resumes.
            self._states[key] = (position, replace(advanced, done=False))
            return
        self._states[key] = (position, advanced)
        if trigger is not None:
            task = asyncio.create_task(self._sell(position, trigger), name=f"exit {key[1]}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _sell(self, position: WatchedPosition, trigger: Trigger) -> None:
        price = exit_order_price(self._rules, trigger.price)
        request = OrderRequest(
            idempotency_key=trigger.idempotency_key,
            strategy_account_id=position.strategy_account_id,
            symbol=position.symbol,
            side=Side.SELL,
            order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
            quantity=Quantity(position.quantity),
            price=price,
            source=exit_source(trigger.kind),
        )
        log.warning(
            "%s of %s crossed at %s (level %s): selling %s",
            trigger.kind.value,
            position.symbol,
            trigger.price,
            trigger.level,
            position.quantity,
        )
        try:
            result = await orders.submit(self._deps, request)
        except Exception:
            log.exception("the exit order of %s could not be placed", position.symbol)
            return
        log.info("exit order %s of %s: %s", result.order.id, position.symbol, result.outcome)

    async def drain(self) -> None:
        """Wait for exit orders still being placed (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- telling --------------------------------------------------------------------------

    async def _tell_exit(self, event: OrderFilled, found: PositionOfOrder) -> None:
        try:
            kind = ExitTrigger(found.source.removeprefix(EXIT_SOURCE_PREFIX))
        except ValueError:
            log.warning("exit order %s has an unknown reason %s", event.order_id, found.source)
            return
        realized = found.fill_realized_pnl
        # The fill's realized PnL gives the average it sold against (the position may be
        # closed and its average reset by now).
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
            await self._notifier.exit_filled(str(event.order_id), kind.value, title, body)
        except Exception:
            log.exception("could not tell the exit fill of %s", found.symbol)
