"""`quotations/inquire-daily-itemchartprice` (FHKST03010100): daily bars as KIS sends them.

The simulator remembers one day, so the bars before today are drawn deterministically from
the symbol's code and each date, walking back from today's base price (yesterday's close):
the same request always answers the same bars, and the newest bar is today's trading so far.
`output2` comes newest first, at most 100 rows, as at KIS.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from starlette.responses import Response

from hantu.domain.values import round_to_tick
from hantu.simulator.calendar import is_trading_day, seoul
from hantu.simulator.feed import SymbolState
from hantu.simulator.layouts import CHART_OUTPUT1, CHART_OUTPUT2, emit
from hantu.simulator.rest_common import (
    Call,
    SimContext,
    answer,
    envelope,
    input_error,
    ok_message,
    parse_date,
    rate,
    require,
    won,
)

CHART_TR_IDS = frozenset({"FHKST03010100"})
MAX_ROWS = 100
PERIODS = frozenset({"D"})  # weekly / monthly / yearly bars are not simulated
_MOVE = Decimal("0.02")  # a day's close moves at most 2 % from the day before
_RANGE = Decimal("0.015")  # and its high / low reach at most 1.5 % beyond open / close


@dataclass(frozen=True, slots=True)
class Bar:
    day: date
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int


def _unit(code: str, day: date, salt: str) -> Decimal:
    """A number in [0, 1) fixed by code, date and salt."""
    digest = hashlib.sha256(f"{code}:{day.isoformat()}:{salt}".encode()).digest()
    return Decimal(int.from_bytes(digest[:4], "big")) / Decimal(2**32)


def _on_grid(value: Decimal) -> Decimal:
    return Decimal(max(round_to_tick(value), Decimal(1)))


def past_bars(code: str, base: Decimal, today: date, count: int) -> list[Bar]:
    """`count` trading days before `today`, newest first; the newest closes at `base`."""
    bars: list[Bar] = []
    close, day = base, today
    while len(bars) < count:
        day -= timedelta(days=1)
        if not is_trading_day(day):
            continue
        move = (_unit(code, day, "open") * 2 - 1) * _MOVE
        open_ = _on_grid(close * (1 - move))
        high = _on_grid(max(open_, close) * (1 + _unit(code, day, "high") * _RANGE))
        low = _on_grid(min(open_, close) * (1 - _unit(code, day, "low") * _RANGE))
        volume = 1_000_000 + int(_unit(code, day, "volume") * 9_000_000)
        bars.append(Bar(day, open_, max(high, open_, close), min(low, open_, close), close, volume))
        close = open_  # the day before closed where this one opened
    return bars


def today_bar(state: SymbolState, today: date) -> Bar:
    return Bar(today, state.open, state.high, state.low, state.last, state.volume)


def _row(bar: Bar, previous_close: Decimal | None) -> dict[str, str]:
    change = bar.close - previous_close if previous_close is not None else Decimal(0)
    sign = "2" if change > 0 else "5" if change < 0 else "3"
    return emit(
        CHART_OUTPUT2,
        {
            "stck_bsop_date": bar.day.strftime("%Y%m%d"),
            "stck_clpr": won(bar.close),
            "stck_oprc": won(bar.open),
            "stck_hgpr": won(bar.high),
            "stck_lwpr": won(bar.low),
            "acml_vol": str(bar.volume),
            "acml_tr_pbmn": won(bar.close * bar.volume),
            "flng_cls_code": "00",
            "prtt_rate": "0.00",
            "mod_yn": "N",
            "prdy_vrss_sign": sign,
            "prdy_vrss": won(change),
            "revl_issu_reas": "",
        },
    )


def _snapshot(state: SymbolState, today: date) -> dict[str, str]:
    change = state.last - state.base
    (yesterday,) = past_bars(state.code, state.base, today, 1)
    return emit(
        CHART_OUTPUT1,
        {
            "prdy_vrss": won(change),
            "prdy_vrss_sign": "2" if change > 0 else "5" if change < 0 else "3",
            "prdy_ctrt": rate(change / state.base * 100),
            "stck_prdy_clpr": won(state.base),
            "acml_vol": str(state.volume),
            "acml_tr_pbmn": won(state.value),
            "hts_kor_isnm": state.name,
            "stck_prpr": won(state.last),
            "stck_shrn_iscd": state.code,
            "prdy_vol": str(state.prev_volume),
            "stck_mxpr": won(state.upper),
            "stck_llam": won(state.lower),
            "stck_oprc": won(state.open),
            "stck_hgpr": won(state.high),
            "stck_lwpr": won(state.low),
            "stck_prdy_oprc": won(yesterday.open),
            "stck_prdy_hgpr": won(yesterday.high),
            "stck_prdy_lwpr": won(yesterday.low),
            "askp": won(state.last + state.tick),
            "bidp": won(state.last),
            "prdy_vrss_vol": str(state.volume - state.prev_volume),
            "lstn_stcn": str(state.listed_shares),
        },
    )


def bars_between(state: SymbolState, start: date, end: date, today: date) -> list[Bar]:
    """The bars from `start` to `end` (inclusive), newest first, at most 100."""
    span = max(0, (min(end, today) - start).days)
    history = past_bars(state.code, state.base, today, span + 1)
    bars = ([today_bar(state, today)] if start <= today <= end else []) + [
        bar for bar in history if start <= bar.day <= end
    ]
    return bars[:MAX_ROWS]


async def inquire_daily_itemchartprice(ctx: SimContext, call: Call) -> Response:
    """Daily bars of one symbol between FID_INPUT_DATE_1 and FID_INPUT_DATE_2."""
    require(call, "FID_COND_MRKT_DIV_CODE")
    code = require(call, "FID_INPUT_ISCD")
    start = parse_date(require(call, "FID_INPUT_DATE_1"), "FID_INPUT_DATE_1")
    end = parse_date(require(call, "FID_INPUT_DATE_2"), "FID_INPUT_DATE_2")
    if require(call, "FID_PERIOD_DIV_CODE") not in PERIODS:
        return input_error("FID_PERIOD_DIV_CODE", call.tr_id)
    require(call, "FID_ORG_ADJ_PRC")
    state = ctx.feed.get(code)
    if state is None:
        # A code KIS does not list: rt_cd "0" with nothing in it, as for inquire-price.
        return answer(envelope("0", *ok_message(call), output1={}, output2=[]), call.tr_id)
    today = seoul(ctx.clock.now()).date()
    bars = bars_between(state, start, end, today)
    rows = [
        _row(bar, bars[i + 1].close if i + 1 < len(bars) else None) for i, bar in enumerate(bars)
    ]
    body = envelope("0", *ok_message(call), output1=_snapshot(state, today), output2=rows)
    return answer(body, call.tr_id)
