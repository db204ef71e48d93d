"""KRX trading days and regular-session hours from the `holidays` package's XKRX calendar.

Regular session 09:00-15:30 Asia/Seoul (reference §8.4). The first trading day of a year and
the CSAT (수능) day open an hour late, at 10:00; the CSAT day also closes an hour late, 16:30.
CSAT dates are not in `holidays`, so they are passed in (defaults below; check them yearly).

`holidays` answers for one market only after importing every country and exchange it knows
(over 300 modules, about 12 MB resident for the life of the process). So the XKRX days off are
asked of it in a short child process, two years at a time, and only the dates are kept here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hantu.errors import ConfigError
from hantu.service_layer.calendar_ports import Session

SEOUL = ZoneInfo("Asia/Seoul")
OPEN = time(9, 0)
CLOSE = time(15, 30)
LATE_OPEN = time(10, 0)
CSAT_CLOSE = time(16, 30)
# The CSAT days as announced by KICE for the 2026 and 2027 school years.
DEFAULT_CSAT_DAYS: frozenset[date] = frozenset({date(2025, 11, 13), date(2026, 11, 19)})
_SEARCH_DAYS = 40
_ASK_SECONDS = 60.0
# Prints {year: [ISO dates]} for the years given as arguments.
_ASK = (
    "import json, sys, holidays\n"
    "years = [int(y) for y in sys.argv[1:]]\n"
    "days = holidays.financial_holidays('XKRX', years=years)\n"
    "print(json.dumps({y: sorted(d.isoformat() for d in days if d.year == y) for y in years}))\n"
)
_days_off: dict[int, frozenset[date]] = {}


def _xkrx_holidays(year: int) -> frozenset[date]:
    """The year's XKRX days off; a missing year is asked with the next one, so a session
    search across New Year does not ask twice."""
    if year not in _days_off:
        _days_off.update(_ask_holidays((year, year + 1)))
    return _days_off[year]


def _ask_holidays(years: Iterable[int]) -> dict[int, frozenset[date]]:
    command = [sys.executable, "-c", _ASK, *(str(y) for y in years)]
    try:
        done = subprocess.run(  # noqa: S603 - our interpreter, our code, integer years
            command, capture_output=True, text=True, timeout=_ASK_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"the XKRX calendar could not be read: {exc}") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError(f"the XKRX calendar could not be read: {last}")
    answer: dict[str, list[str]] = json.loads(done.stdout)
    return {int(y): frozenset(date.fromisoformat(d) for d in days) for y, days in answer.items()}


class KrxCalendar:
    """The `MarketCalendar` port for KRX."""

    def __init__(self, csat_days: Iterable[date] = DEFAULT_CSAT_DAYS) -> None:
        self._csat_days = frozenset(csat_days)

    def is_trading_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _xkrx_holidays(day.year)

    def _first_trading_day(self, year: int) -> date:
        day = date(year, 1, 1)
        while not self.is_trading_day(day):
            day += timedelta(days=1)
        return day

    def session(self, day: date) -> Session | None:
        if not self.is_trading_day(day):
            return None
        opens, closes = OPEN, CLOSE
        if day in self._csat_days:
            opens, closes = LATE_OPEN, CSAT_CLOSE
        elif day == self._first_trading_day(day.year):
            opens = LATE_OPEN
        return Session(
            day,
            datetime.combine(day, opens, tzinfo=SEOUL),
            datetime.combine(day, closes, tzinfo=SEOUL),
        )

    def _sessions_from(self, at: datetime) -> Iterable[Session]:
        day = at.astimezone(SEOUL).date()
        for offset in range(_SEARCH_DAYS):
            found = self.session(day + timedelta(days=offset))
            if found is not None:
                yield found
        raise LookupError(f"no KRX session within {_SEARCH_DAYS} days of {at.isoformat()}")

    def is_open(self, at: datetime) -> bool:
        today = self.session(at.astimezone(SEOUL).date())
        return today is not None and today.opens_at <= at < today.closes_at

    def next_open(self, at: datetime) -> datetime:
        return next(s.opens_at for s in self._sessions_from(at) if s.opens_at > at)

    def next_close(self, at: datetime) -> datetime:
        return next(s.closes_at for s in self._sessions_from(at) if s.closes_at > at)
