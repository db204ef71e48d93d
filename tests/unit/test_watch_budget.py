"""The WebSocket budget plan: never over 41, holdings first, one path per symbol."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.watch_budget import KIS_REGISTRATIONS, WatchPath, plan_watch

codes = st.lists(st.integers(0, 200).map(lambda n: f"{n:06d}"), max_size=80, unique=True)


def test_small_lists_get_books() -> None:
    plan = plan_watch(["005930", "000660"], ["035420"])
    assert plan.symbols_on(WatchPath.TRADES_AND_BOOK) == ["005930", "000660", "035420"]
    assert plan.registrations == 7


def test_overflow_goes_to_rest() -> None:
    holdings = [f"{n:06d}" for n in range(30)]
    watch = [f"{n:06d}" for n in range(100, 120)]
    plan = plan_watch(holdings, watch)
    assert len(plan.symbols_on(WatchPath.REST_POLLING)) == 10
    assert plan.symbols_on(WatchPath.TRADES_AND_BOOK) == []
    assert plan.registrations == KIS_REGISTRATIONS


@given(codes, codes)
def test_plan_properties(holdings: list[str], watch: list[str]) -> None:
    plan = plan_watch(holdings, watch)
    assert plan.registrations <= KIS_REGISTRATIONS
    counted = 1 + sum(
        2 if p is WatchPath.TRADES_AND_BOOK else 1
        for p in plan.paths.values()
        if p is not WatchPath.REST_POLLING
    )
    assert counted <= KIS_REGISTRATIONS
    assert set(plan.paths) == set(holdings) | set(watch)
    streamed_holdings = [h for h in holdings if plan.paths[h] is not WatchPath.REST_POLLING]
    if any(plan.paths[h] is WatchPath.REST_POLLING for h in holdings):
        assert all(plan.paths[w] is WatchPath.REST_POLLING for w in watch if w not in holdings)
    assert len(streamed_holdings) == min(len(holdings), KIS_REGISTRATIONS - 1)


def test_two_registrations_per_streamed_symbol_halve_the_streamed_symbols() -> None:
    holdings = [f"{n:06d}" for n in range(25)]
    plan = plan_watch(holdings, [], trade_cost=2)  # KIS real: H0STCNT0 + H0STMKO0
    assert len(plan.symbols_on(WatchPath.TRADES_ONLY)) == 20
    assert plan.symbols_on(WatchPath.REST_POLLING) == holdings[20:]
    assert plan.registrations == KIS_REGISTRATIONS


@given(codes, st.integers(1, 3))
def test_plan_never_overspends_whatever_a_symbol_costs(holdings: list[str], cost: int) -> None:
    plan = plan_watch(holdings, [], trade_cost=cost)
    counted = 1 + sum(
        cost + (p is WatchPath.TRADES_AND_BOOK)
        for p in plan.paths.values()
        if p is not WatchPath.REST_POLLING
    )
    assert counted == plan.registrations <= KIS_REGISTRATIONS


def test_a_refused_symbol_is_polled_and_takes_no_registration() -> None:
    holdings = [f"{n:06d}" for n in range(25)]
    plan = plan_watch(holdings, [], trade_cost=2, refused={holdings[0]})
    assert plan.paths[holdings[0]] is WatchPath.REST_POLLING
    assert plan.symbols_on(WatchPath.TRADES_ONLY) == holdings[1:21]  # the 21st moves up
    assert plan.registrations == KIS_REGISTRATIONS


@given(codes, st.sets(st.integers(0, 200).map(lambda n: f"{n:06d}")))
def test_refused_symbols_are_never_streamed(holdings: list[str], refused: set[str]) -> None:
    plan = plan_watch(holdings, [], trade_cost=2, refused=refused)
    streamed = [s for s, p in plan.paths.items() if p is not WatchPath.REST_POLLING]
    assert not set(streamed) & refused
    assert streamed == [h for h in holdings if h not in refused][: len(streamed)]
