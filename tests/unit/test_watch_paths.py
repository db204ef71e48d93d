"""The watch plan applied to the broker: only changes are sent, demotions before promotions."""

from __future__ import annotations

from hantu.domain.values import StrategyAccountId, Symbol
from hantu.domain.watch_budget import WatchPath
from hantu.service_layer.watch_paths import WatchPlanner

A, B, C = Symbol("005930"), Symbol("000660"), Symbol("035420")
ONE = StrategyAccountId(1)


class RecordingWatch:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []

    async def watch(
        self, account: StrategyAccountId, symbol: Symbol, *, order_book: bool = False
    ) -> None:
        self.calls.append(("watch", symbol.code, order_book))

    async def unwatch(self, account: StrategyAccountId, symbol: Symbol) -> None:
        self.calls.append(("unwatch", symbol.code, False))


async def test_planner_streams_what_fits_and_promotes_a_polled_symbol_when_one_closes() -> None:
    watch = RecordingWatch()
    planner = WatchPlanner(watch, budget=5, trade_cost=2)  # notices + two symbols

    await planner.apply([(ONE, A), (ONE, B), (ONE, C)])
    assert watch.calls == [("watch", "005930", False), ("watch", "000660", False)]
    assert [planner.path(s) for s in (A, B, C)] == [
        WatchPath.TRADES_ONLY,
        WatchPath.TRADES_ONLY,
        WatchPath.REST_POLLING,
    ]
    watch.calls.clear()

    await planner.apply([(ONE, B), (ONE, C)])  # A closed: C takes its slots
    assert watch.calls == [("unwatch", "005930", False), ("watch", "035420", False)]
    assert planner.path(A) is None
    watch.calls.clear()

    await planner.apply([(ONE, B)])  # room for B's book now
    assert watch.calls == [
        ("unwatch", "000660", False),
        ("unwatch", "035420", False),
        ("watch", "000660", True),
    ]
    assert planner.path(B) is WatchPath.TRADES_AND_BOOK
    assert planner.plan.registrations == 4


async def test_planner_sends_nothing_when_the_plan_is_unchanged() -> None:
    watch = RecordingWatch()
    planner = WatchPlanner(watch)
    await planner.apply([(ONE, A)])
    await planner.apply([(ONE, A), (StrategyAccountId(2), A)])  # a second holder of A
    assert watch.calls == [("watch", "005930", True)]


class FailingWatch(RecordingWatch):
    async def watch(
        self, account: StrategyAccountId, symbol: Symbol, *, order_book: bool = False
    ) -> None:
        raise RuntimeError("subscription limit")


async def test_planner_keeps_going_when_a_watch_fails() -> None:
    planner = WatchPlanner(FailingWatch())
    plan = await planner.apply([(ONE, A), (ONE, B)])
    assert set(plan.paths) == {"005930", "000660"}
    assert planner.path(B) is WatchPath.TRADES_AND_BOOK


async def test_planner_polls_a_refused_symbol_and_hands_its_slots_to_the_next_one() -> None:
    watch = RecordingWatch()
    planner = WatchPlanner(watch, budget=5, trade_cost=2)  # notices + two symbols
    await planner.apply([(ONE, A), (ONE, B), (ONE, C)])
    watch.calls.clear()

    planner.on_refused(A, "[OPSP0007] SUBSCRIBE INTERNAL ERROR")
    planner.on_refused(A, "[OPSP0007] again")  # the second registration of A: no news
    await planner.drain()
    assert watch.calls == [("unwatch", "005930", False), ("watch", "035420", False)]
    assert [planner.path(s) for s in (A, B, C)] == [
        WatchPath.REST_POLLING,
        WatchPath.TRADES_ONLY,
        WatchPath.TRADES_ONLY,
    ]
    assert planner.refused == {A: "[OPSP0007] SUBSCRIBE INTERNAL ERROR"}
    watch.calls.clear()

    planner.on_new_session()  # a reconnect: A, first in order, is tried again
    await planner.drain()
    assert watch.calls == [("unwatch", "035420", False), ("watch", "005930", False)]
    assert planner.path(A) is WatchPath.TRADES_ONLY
    assert planner.refused == {}


async def test_planner_new_session_without_refusals_sends_nothing() -> None:
    watch = RecordingWatch()
    planner = WatchPlanner(watch)
    await planner.apply([(ONE, A)])
    planner.on_new_session()
    await planner.drain()
    assert watch.calls == [("watch", "005930", True)]


async def test_a_refusal_replans_the_symbols_of_the_latest_apply() -> None:
    watch = RecordingWatch()
    planner = WatchPlanner(watch, budget=3, trade_cost=2)  # notices + one symbol
    await planner.apply([(ONE, A), (ONE, B)])
    planner.on_refused(A, "[OPSP0007] SUBSCRIBE INTERNAL ERROR")
    await planner.apply([(ONE, A)])  # B closed before the replan ran
    await planner.drain()
    assert planner.path(B) is None
    assert planner.path(A) is WatchPath.REST_POLLING
    assert ("watch", "000660", False) not in watch.calls
