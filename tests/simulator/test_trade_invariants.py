"""H0STCNT0 records agree with themselves and with the trades behind them, over random paths.

Each property is checked against an independent tally of the trades: signs beside their
differences, open/high/low and the times they were set, aggressor counts and volumes
summing to the cumulative volume, 체결강도 and the buy ratio, and the best quotes and
totals matching the H0STASP0 book of the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from hantu.domain.values import round_to_tick, tick_size
from hantu.simulator import ws_frames as frames
from hantu.simulator.feed import PriceFeed, SymbolState
from hantu.simulator.ws_layouts import BOOK_LAYOUT, TRADE_LAYOUT
from tests.fakes import FakeClock

START = datetime(2026, 11, 20, 0, 0, 1, tzinfo=UTC)  # 09:00:01 KST

Step = tuple[int, int, int]  # (ticks to move, shares, seconds later)
# Mostly small moves, sometimes a jump that the band clamps to the upper or lower limit.
moves = st.one_of(st.integers(-4, 4), st.sampled_from([-1_000, 1_000]))
steps = st.lists(st.tuples(moves, st.integers(1, 500), st.integers(0, 90)), min_size=1, max_size=60)
bases = st.sampled_from([Decimal(1_990), Decimal(45_000), Decimal(71_000), Decimal(499_500)])


@dataclass
class Tally:
    """What the trades say, counted without the simulator's help."""

    first: tuple[Decimal, str] | None = None
    high: tuple[Decimal, str] | None = None
    low: tuple[Decimal, str] | None = None
    volume: int = 0
    value: Decimal = Decimal(0)
    last: Decimal | None = None
    side: str = "1"
    counts: dict[str, int] = field(default_factory=lambda: {"1": 0, "5": 0})
    shares: dict[str, int] = field(default_factory=lambda: {"1": 0, "5": 0})

    def add(self, price: Decimal, qty: int, hhmmss: str, base: Decimal) -> None:
        reference = self.last if self.last is not None else base
        if price != reference:
            self.side = "1" if price > reference else "5"
        self.first = self.first or (price, hhmmss)
        if self.high is None or price > self.high[0]:
            self.high = (price, hhmmss)
        if self.low is None or price < self.low[0]:
            self.low = (price, hhmmss)
        self.counts[self.side] += 1
        self.shares[self.side] += qty
        self.volume += qty
        self.value += price * qty
        self.last = price


def next_price(state: SymbolState, ticks: int) -> Decimal:
    price = state.last
    for _ in range(abs(ticks)):
        price = price + state.tick if ticks > 0 else price - tick_size(price - 1)
    return min(max(Decimal(round_to_tick(price)), state.lower), state.upper)


def sign_agrees(sign: str, diff: Decimal) -> bool:
    return {"1": diff > 0, "2": diff > 0, "3": diff == 0, "4": diff < 0, "5": diff < 0}[sign]


def ratio_close(shown: str, part: int, whole: int) -> bool:
    expected = Decimal(part) / Decimal(whole) * 100 if whole else Decimal(0)
    return abs(Decimal(shown) - expected) <= Decimal("0.005")


@settings(max_examples=60, deadline=None)
@given(base=bases, path=steps)
def test_trade_records_consistent_over_random_paths(base: Decimal, path: list[Step]) -> None:
    clock = FakeClock(START)
    feed = PriceFeed(clock, {"005930": ("삼성전자", base)})
    state, tally = feed["005930"], Tally()
    for ticks, qty, later in path:
        clock.advance(later)
        trade = feed.set_price("005930", next_price(state, ticks), qty)
        rec = dict(zip(TRADE_LAYOUT, frames.trade_record(state, trade), strict=True))
        tally.add(trade.price, qty, rec["STCK_CNTG_HOUR"], base)
        check_prices(rec, trade.price, state)
        check_open_high_low(rec, trade.price, tally)
        check_volumes(rec, tally)
        check_quotes(rec, state, trade.at)


def check_prices(rec: dict[str, str], price: Decimal, state: SymbolState) -> None:
    change = price - state.base
    assert Decimal(rec["PRDY_VRSS"]) == change
    assert sign_agrees(rec["PRDY_VRSS_SIGN"], change)
    assert (rec["PRDY_VRSS_SIGN"] == "1") == (price == state.upper)
    assert (rec["PRDY_VRSS_SIGN"] == "4") == (price == state.lower)


def check_open_high_low(rec: dict[str, str], price: Decimal, tally: Tally) -> None:
    assert tally.first is not None
    assert tally.high is not None
    assert tally.low is not None
    for prefix, name, (level, hhmmss) in (
        ("OPRC", "STCK_OPRC", tally.first),
        ("HGPR", "STCK_HGPR", tally.high),
        ("LWPR", "STCK_LWPR", tally.low),
    ):
        diff = Decimal(rec[f"{prefix}_VRSS_PRPR"])
        assert Decimal(rec[name]) == level
        assert diff == price - level
        assert sign_agrees(rec[f"{prefix}_VRSS_PRPR_SIGN"], diff)
        assert rec[f"{prefix}_VRSS_PRPR_SIGN"] in {"2", "3", "5"}
        assert rec[f"{prefix}_HOUR"] == hhmmss
    assert Decimal(rec["HGPR_VRSS_PRPR"]) <= 0 <= Decimal(rec["LWPR_VRSS_PRPR"])


def check_volumes(rec: dict[str, str], tally: Tally) -> None:
    buys, sells = tally.shares["1"], tally.shares["5"]
    assert int(rec["ACML_VOL"]) == tally.volume == buys + sells
    assert int(rec["SELN_CNTG_SMTN"]) + int(rec["SHNU_CNTG_SMTN"]) == tally.volume
    assert (int(rec["SHNU_CNTG_SMTN"]), int(rec["SELN_CNTG_SMTN"])) == (buys, sells)
    assert (int(rec["SHNU_CNTG_CSNU"]), int(rec["SELN_CNTG_CSNU"])) == (
        tally.counts["1"],
        tally.counts["5"],
    )
    assert int(rec["NTBY_CNTG_CSNU"]) == tally.counts["1"] - tally.counts["5"]
    assert rec["CCLD_DVSN"] == tally.side
    assert Decimal(rec["ACML_TR_PBMN"]) == tally.value
    assert ratio_close(rec["CTTR"], buys, sells)
    assert ratio_close(rec["SHNU_RATE"], buys, tally.volume)
    assert abs(Decimal(rec["WGHN_AVRG_STCK_PRC"]) - tally.value / tally.volume) <= Decimal("0.005")


def check_quotes(rec: dict[str, str], state: SymbolState, at: datetime) -> None:
    book = dict(zip(BOOK_LAYOUT, frames.book_record(state, at), strict=True))
    for name in ("ASKP1", "BIDP1", "ASKP_RSQN1", "BIDP_RSQN1", "TOTAL_ASKP_RSQN"):
        assert rec[name] == book[name], name
    assert rec["TOTAL_BIDP_RSQN"] == book["TOTAL_BIDP_RSQN"]
    assert int(rec["TOTAL_ASKP_RSQN"]) >= int(rec["ASKP_RSQN1"])
    assert int(rec["TOTAL_BIDP_RSQN"]) >= int(rec["BIDP_RSQN1"]) > 0
    assert Decimal(rec["BIDP1"]) == state.last
    ask = Decimal(rec["ASKP1"])
    assert ask == 0 if state.last == state.upper else ask == state.last + state.tick
    assert book["ACML_VOL"] == rec["ACML_VOL"]
