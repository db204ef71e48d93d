"""KRX trading days and regular-session hours, for the simulator's market-closed rule.

Regular session 09:00–15:30 KST (reference §8.4); auctions and off-hours sessions are not
simulated. Holidays come from the `holidays` package's XKRX calendar.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SEOUL = ZoneInfo("Asia/Seoul")
OPEN = time(9, 0)
CLOSE = time(15, 30)


@lru_cache(maxsize=16)
def _krx_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("XKRX", years=year).keys())


def is_trading_day(day: date) -> bool:
    """Tell whether KRX opens on this calendar day."""
    return day.weekday() < 5 and day not in _krx_holidays(day.year)


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def is_business_day(day: date) -> bool:
    """A weekday that is not a public holiday (banks open)."""
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def is_regular_session(moment: datetime) -> bool:
    """Tell whether the KRX regular session is running at this aware instant."""
    local = moment.astimezone(SEOUL)
    return is_trading_day(local.date()) and OPEN <= local.time() < CLOSE


def seoul(moment: datetime) -> datetime:
    """The instant in Asia/Seoul, where KIS stamps its times."""
    return moment.astimezone(SEOUL)
