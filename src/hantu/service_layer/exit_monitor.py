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

Never blind: which symbols stream over the WebSocket is the watch plan of `watch_paths`
(KIS's 41 registrations); every watched symbol whose trades do not flow now (beyond the
budget, the stream down or asleep, a subscription skipped) is polled over REST by
`price_polling`, and its price is evaluated as a tick. Every exit placed is then awaited by
`exit_fill_wait` (spec 002 §4-1).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.events import OrderFilled
from hantu.domain.exits import (
    EXIT_SOURCE_PREFIX,
    ExitRules,
    ExitState,
    ExitTrigger,
    Trigger,
    evaluate,
)
from hantu.domain.order import OrderRequest
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.domain.watch_budget import WatchPath
from hantu.service_layer import orders, queries
from hantu.service_layer.best_bids import BestBids
from hantu.service_layer.deps import Deps
from hantu.service_layer.exit_fill_notice import tell_exit_fill
from hantu.service_layer.exit_fill_wait import ExitFillWait
from hantu.service_layer.exit_refused_later import LateRefusals
from hantu.service_layer.exit_retry import ExitRetry, UnprotectedAlarm
from hantu.service_layer.exit_rules_ports import RulesSource
from hantu.service_layer.late_ticks import LateTickAlarm, LateTickNotifier, TickLag
from hantu.service_layer.monitor_ports import (
    ExitNotifier,
    ExitWarnings,
    MonitorOptions,
    MonitorPositions,
    MonitorSnapshot,
    StreamHealth,
    SymbolWatch,
    WatchedPosition,
)
from hantu.service_layer.ports import Tick
from hantu.service_layer.price_polling import Pace, PricePoller, SymbolPath
from hantu.service_layer.watch_paths import WatchPlanner, paths_of

Key = tuple[StrategyAccountId, Symbol]
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
        *,
        stream: StreamHealth | None = None,
        warnings: ExitWarnings | None = None,
        options: MonitorOptions = MonitorOptions(),  # noqa: B008 - frozen, shared safely
        pace: Pace = asyncio.sleep,
        rules_for: RulesSource | None = None,
        late: LateTickNotifier | None = None,
        unprotected: UnprotectedAlarm | None = None,
    ) -> None:
        self._deps = deps
        self._positions = positions
        self._notifier = notifier
        self._rules = rules
        budget, cost = options.registrations, options.trade_cost
        self._planner = WatchPlanner(
            watch, budget=budget, trade_cost=cost, after=self._retain_books
        )
        self._poller = (
            None
            if stream is None
            else PricePoller(
                deps,
                stream,
                self._watch_order,
                self.on_tick,
                per_second=options.poll_per_second,
                pace=pace,
                on_status=self.on_market_status,
            )
        )
        self._fill_wait = ExitFillWait(
            deps, options, warnings, self._last_price, self._exit_price, pace=pace
        )
        self._retry = ExitRetry(
            deps, options, unprotected, self._last_price, self._exit_price, self.watched,
            self.paused,
        )  # fmt: skip
        self.late_refusals = LateRefusals(deps, self._fill_wait, self._retry)
        self._rules_for = rules_for  # per strategy / position; None: `rules` for every one
        self._states: dict[Key, tuple[WatchedPosition, ExitState]] = {}
        self._paused: set[Symbol] = set()
        self._last: dict[Symbol, Tick] = {}
        self._books = BestBids(deps.clock, options.max_bid_gap_ticks)  # booked symbols only
        self._tasks: set[asyncio.Task[None]] = set()
        self._lag = TickLag(LateTickAlarm(late))  # late ticks logged, very late ones told
        self._active = True  # False between `stop()` and the next `start()`

    # --- what is watched ---------------------------------------------------------------

    async def start(self) -> None:
        """Protect every open position from now on."""
        self._active = True
        for position in await self._positions.open_positions():
            await self._track(position)
        log.info("exit monitor protects %s open positions", len(self._states))
        positions = {key: position for key, (position, _) in self._states.items()}
        if resumed := await self._fill_wait.resume(positions):
            log.info("awaiting the fill of %s exit orders placed before the start", resumed)

    async def run(self) -> None:
        """A supervised service: load the positions, then let ticks, polls and fills drive
        it, and check the fill waits."""
        await self.start()
        await self.loops()

    async def loops(self) -> None:
        """The REST poller and the fill waits, for as long as the monitor exists: a
        `stop()` leaves nothing to poll, and exits already placed still await their fill."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._fill_wait.run(), name="exit fill waits")
            if self._poller is not None:
                group.create_task(self._poller.run(), name="exit price polling")

    @property
    def poller(self) -> PricePoller | None:
        return self._poller

    @property
    def fill_wait(self) -> ExitFillWait:
        return self._fill_wait

    @property
    def best_bids(self) -> BestBids:
        return self._books

    @property
    def planner(self) -> WatchPlanner:
        return self._planner

    def watch_paths(self) -> dict[Symbol, SymbolPath]:
        """Per watched symbol: the path its prices come by now, when the last one came, and
        why KIS refused to stream it (if it did)."""
        symbols = dict.fromkeys(symbol for _, symbol in self._states)
        return paths_of(self._planner, self._poller, symbols, self._last)

    def _watch_order(self) -> list[tuple[StrategyAccountId, Symbol]]:
        return list(self._states)

    def _last_price(self, symbol: Symbol) -> Decimal | None:
        last = self._last.get(symbol)
        return None if last is None else last.price

    def _exit_price(self, position: WatchedPosition, last: Decimal) -> Price | None:
        known = self._states.get((position.strategy_account_id, position.symbol))
        rules = self._rules if known is None else known[1].rules  # the position's own pricing
        return self._books.exit_price(rules, position.symbol, last)

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
            placing=len(self._tasks) - self._retry.held,
            best_bids=self._books.all(),
            awaiting_fill=sum(1 for _, state in self._states.values() if state.done),
            polled=frozenset(
                symbol
                for _, symbol in self._states
                if self._poller is not None and self._poller.polling(symbol)
            ),
            refused=self._planner.refused,
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
            order = await queries.get_order(self._deps, str(event.order_id))
            whole = order is not None and order.status is OrderStatus.FILLED
            self._fill_wait.on_fill(str(event.order_id), whole)
            await tell_exit_fill(self._notifier, event, found)
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
        rules, atr = await self._rules_of(position)
        state = ExitState.open(
            f"{int(position.strategy_account_id)}:{position.symbol.code}",
            position.entry_seq,
            position.average_price,
            rules,
            atr,
        )
        self._states[key] = (position, state)
        await self._replan()

    async def _replan(self) -> None:
        await self._planner.apply(self._watch_order())

    def _retain_books(self) -> None:
        booked = WatchPath.TRADES_AND_BOOK
        self._books.retain(s for _, s in self._states if self._planner.path(s) is booked)

    def on_best_bid(self, symbol: Symbol, price: Decimal) -> None:
        """Realtime callback: a book (H0STASP0) of a symbol, by its best bid (0: none)."""
        if self._planner.path(symbol) is WatchPath.TRADES_AND_BOOK:
            self._books.record(symbol, price)

    async def _rules_of(self, position: WatchedPosition) -> tuple[ExitRules, Decimal | None]:
        if self._rules_for is None:
            return self._rules, None
        return await self._rules_for.rules_for(position)

    async def refresh_rules(
        self, account: StrategyAccountId | None = None, symbol: Symbol | None = None
    ) -> None:
        """Rules changed: resolve them again for the watched positions they may touch
        (all when `account` is None), keeping each one's high-water mark."""
        for key, (position, _) in list(self._states.items()):
            if account is not None and (key[0] != account or key[1] != symbol):
                continue
            rules, atr = await self._rules_of(position)
            current = self._states.get(key)
            if current is not None and current[1].entry_seq == position.entry_seq:
                self._states[key] = (current[0], replace(current[1], rules=rules, atr=atr))

    async def _drop(self, key: Key) -> None:
        if self._states.pop(key, None) is None:
            return
        await self._replan()

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
        self._lag.check(tick.symbol, tick.at, self._deps.clock.now())

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
            sell = self._sell(position, trigger, advanced.rules)
            task = asyncio.create_task(sell, name=f"exit {key[1]}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _sell(self, position: WatchedPosition, trigger: Trigger, rules: ExitRules) -> None:
        price = self._books.exit_price(rules, position.symbol, trigger.price)
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
        result = await self._retry.settle(request, result, position, trigger)  # if refused
        if result.order.status.is_open or result.order.status is OrderStatus.NEW:
            self._fill_wait.expect(str(result.order.id), position, trigger, request.source)

    async def drain(self) -> None:
        """Wait for exit orders still being placed (tests, shutdown)."""
        await self._planner.drain()
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.late_refusals.drain()
        await self._lag.alarm.drain()
