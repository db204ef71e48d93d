"""H0STCNT0 trade records (reference §7.1) → `Tick`s on the hot path, every field on demand.

A busy session sends hundreds of thousands of trade records, so `TradeParser.parse` reads
only the six fields a `Tick` needs, interns what repeats (symbols, prices on the tick grid,
trade sizes, timestamps) and builds each frozen `Tick` through its slot setters instead of
the dataclass `__init__` (which pays `object.__setattr__` per field). The other forty
fields stay text until someone asks: `TradeParser.fields` maps every reference name to its
string, for the records of one frame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from hantu.adapters.kis.realtime import SEOUL, TRADE_FIELDS, DropKind, MalformedFrame
from hantu.domain.errors import InvalidValue
from hantu.domain.values import Price, Quantity, Symbol
from hantu.service_layer.ports import Tick

# §7.1 field names in wire order (same layout for H0NXCNT0 / H0UNCNT0).
TRADE_FIELD_NAMES: tuple[str, ...] = (
    "MKSC_SHRN_ISCD", "STCK_CNTG_HOUR", "STCK_PRPR", "PRDY_VRSS_SIGN", "PRDY_VRSS",
    "PRDY_CTRT", "WGHN_AVRG_STCK_PRC", "STCK_OPRC", "STCK_HGPR", "STCK_LWPR", "ASKP1",
    "BIDP1", "CNTG_VOL", "ACML_VOL", "ACML_TR_PBMN", "SELN_CNTG_CSNU", "SHNU_CNTG_CSNU",
    "NTBY_CNTG_CSNU", "CTTR", "SELN_CNTG_SMTN", "SHNU_CNTG_SMTN", "CCLD_DVSN", "SHNU_RATE",
    "PRDY_VOL_VRSS_ACML_VOL_RATE", "OPRC_HOUR", "OPRC_VRSS_PRPR_SIGN", "OPRC_VRSS_PRPR",
    "HGPR_HOUR", "HGPR_VRSS_PRPR_SIGN", "HGPR_VRSS_PRPR", "LWPR_HOUR", "LWPR_VRSS_PRPR_SIGN",
    "LWPR_VRSS_PRPR", "BSOP_DATE", "NEW_MKOP_CLS_CODE", "TRHT_YN", "ASKP_RSQN1", "BIDP_RSQN1",
    "TOTAL_ASKP_RSQN", "TOTAL_BIDP_RSQN", "VOL_TNRT", "PRDY_SMNS_HOUR_ACML_VOL",
    "PRDY_SMNS_HOUR_ACML_VOL_RATE", "HOUR_CLS_CODE", "MRKT_TRTM_CLS_CODE", "VI_STND_PRC",
)  # fmt: skip
TRADE_FIELD_INDEX: dict[str, int] = {name: i for i, name in enumerate(TRADE_FIELD_NAMES)}

_CACHE_LIMIT = 8192
_T = TypeVar("_T")

# The fast builder sets Tick's slots one by one; a field added to Tick must be added here.
_TICK_SLOTS = ("symbol", "price", "volume", "at", "cumulative_volume")
if tuple(f.name for f in dataclasses.fields(Tick)) != _TICK_SLOTS:  # pragma: no cover
    raise RuntimeError("Tick's fields changed: update trade_records._TICK_SLOTS")
_SETTERS: tuple[Callable[[Tick, Any], None], ...] = tuple(
    Tick.__dict__[name].__set__ for name in _TICK_SLOTS
)


class TradeParser:
    """H0STCNT0 records → `Tick`s, fast: symbols, prices, volumes and times are interned.

    Prices sit on a tick grid and trade sizes repeat, so a bounded dict turns most
    `Price(str)` constructions into a lookup. Only the cumulative volume is new every record.
    """

    def __init__(self) -> None:
        self._symbols: dict[str, Symbol] = {}
        self._prices: dict[str, Price] = {}
        self._volumes: dict[str, Quantity] = {}
        self._times: dict[str, datetime] = {}

    def parse(self, payload: str, count: int) -> list[Tick]:
        """Parse the payload of one H0STCNT0 frame."""
        items = payload.split("^")
        width = _width(items, count)
        symbols, prices, volumes, times = self._symbols, self._prices, self._volumes, self._times
        intern, new = self._intern, object.__new__
        set_symbol, set_price, set_volume, set_at, set_cumulative = _SETTERS
        ticks: list[Tick] = []
        try:
            for base in range(0, len(items), width):
                code, price_s, volume_s = items[base], items[base + 2], items[base + 12]
                symbol = symbols.get(code) or intern(symbols, code, Symbol(code))
                price = prices.get(price_s) or intern(prices, price_s, Price(price_s))
                volume = volumes.get(volume_s) or intern(volumes, volume_s, Quantity(volume_s))
                stamp = items[base + 33] + items[base + 1]
                at = times.get(stamp) or intern(times, stamp, _seoul_instant(stamp))
                tick = new(Tick)
                set_symbol(tick, symbol)
                set_price(tick, price)
                set_volume(tick, volume)
                set_at(tick, at)
                set_cumulative(tick, Decimal(items[base + 13]))
                ticks.append(tick)
        except MalformedFrame:
            raise
        except (InvalidValue, InvalidOperation, ValueError, IndexError) as exc:
            raise MalformedFrame(f"bad trade record: {exc}", DropKind.BAD_VALUE) from None
        return ticks

    @staticmethod
    def fields(payload: str, count: int) -> list[dict[str, str]]:
        """Every §7.1 field of each record, by reference name, as KIS sent it (text).

        Fields KIS may append past the 46 are left out, as `parse` skips them.
        """
        items = payload.split("^")
        width = _width(items, count)
        names = TRADE_FIELD_NAMES
        return [
            dict(zip(names, items[base : base + TRADE_FIELDS], strict=True))
            for base in range(0, len(items), width)
        ]

    @staticmethod
    def _intern(cache: dict[str, _T], key: str, value: _T) -> _T:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = value
        return value


def _width(items: list[str], count: int) -> int:
    width, rest = divmod(len(items), count)
    if rest or width < TRADE_FIELDS:
        raise MalformedFrame(
            f"{len(items)} fields do not hold {count} trades of {TRADE_FIELDS}",
            DropKind.FIELD_COUNT,
        )
    return width


def _seoul_instant(stamp: str) -> datetime:
    # BSOP_DATE (YYYYMMDD) + STCK_CNTG_HOUR (HHMMSS), Seoul → aware UTC.
    if len(stamp) != 14 or not stamp.isdigit():
        raise MalformedFrame(f"bad trade time {stamp!r}", DropKind.BAD_VALUE)
    local = datetime(
        int(stamp[0:4]),
        int(stamp[4:6]),
        int(stamp[6:8]),
        int(stamp[8:10]),
        int(stamp[10:12]),
        int(stamp[12:14]),
        tzinfo=SEOUL,
    )
    return local.astimezone(UTC)
