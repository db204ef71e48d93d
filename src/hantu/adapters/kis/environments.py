"""Where each KIS environment lives and what it calls things: one table, no `if paper:`.

REAL and PAPER differ in hosts, the first letter of account TR IDs (`T`/`C` → `V`), the
execution-notice TR (H0STCNI0 / H0STCNI9), the realtime TRs a watched symbol gets (no
H0STMKO0 on paper), rate limits and page sizes (reference §1, §4.9, §5).
SIMULATOR speaks the REAL dialect on loopback URLs the caller supplies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from hantu.config import KisEnvironment
from hantu.errors import ConfigError


class Tr(StrEnum):
    """Transactions the adapter uses; the environment maps each to a TR ID."""

    BUY = "BUY"
    SELL = "SELL"
    REVISE_CANCEL = "REVISE_CANCEL"
    CANCELLABLE = "CANCELLABLE"
    DAILY_ORDERS = "DAILY_ORDERS"
    BALANCE = "BALANCE"
    BUYABLE = "BUYABLE"
    PRICE = "PRICE"
    HOLIDAY = "HOLIDAY"
    STOCK_INFO = "STOCK_INFO"
    DAILY_CHART = "DAILY_CHART"


# Current generation of order/account TR IDs (reference §1.2); `None` = not offered there.
_REAL_TR: dict[Tr, str | None] = {
    Tr.BUY: "TTTC0012U",
    Tr.SELL: "TTTC0011U",
    Tr.REVISE_CANCEL: "TTTC0013U",
    Tr.CANCELLABLE: "TTTC0084R",
    Tr.DAILY_ORDERS: "TTTC0081R",
    Tr.BALANCE: "TTTC8434R",
    Tr.BUYABLE: "TTTC8908R",
    Tr.PRICE: "FHKST01010100",
    Tr.HOLIDAY: "CTCA0903R",
    Tr.STOCK_INFO: "CTPF1002R",
    Tr.DAILY_CHART: "FHKST03010100",
}
_PAPER_TR: dict[Tr, str | None] = {
    Tr.BUY: "VTTC0012U",
    Tr.SELL: "VTTC0011U",
    Tr.REVISE_CANCEL: "VTTC0013U",
    Tr.CANCELLABLE: None,  # TTTC0084R is real only
    Tr.DAILY_ORDERS: "VTTC0081R",
    Tr.BALANCE: "VTTC8434R",
    Tr.BUYABLE: "VTTC8908R",
    Tr.PRICE: "FHKST01010100",  # quotation TRs are the same in both environments
    Tr.HOLIDAY: None,  # CTCA0903R is real only
    Tr.STOCK_INFO: None,  # CTPF1002R (search-stock-info) is real only (§4.9)
    Tr.DAILY_CHART: "FHKST03010100",  # daily charts are offered in paper too (§4.9)
}

# Trades (H0STCNT0) everywhere; market operation / VI (H0STMKO0) is real only (§4.9).
_REAL_SYMBOL_TRS = ("H0STCNT0", "H0STMKO0")
_PAPER_SYMBOL_TRS = ("H0STCNT0",)
ORDER_BOOK_TR_ID = "H0STASP0"


@dataclass(frozen=True, slots=True)
class KisProfile:
    """Everything that differs between KIS environments."""

    environment: KisEnvironment
    rest_base_url: str
    ws_url: str
    tr_ids: dict[Tr, str | None]
    notice_tr_id: str
    # Realtime TRs streamed for every watched symbol; the order book (H0STASP0) is asked
    # for separately.
    symbol_tr_ids: tuple[str, ...]
    requests_per_second: float
    daily_orders_page_size: int
    balance_page_size: int

    def tr_id(self, tr: Tr) -> str:
        """Return the TR ID for a transaction, refusing ones this environment lacks."""
        tr_id = self.tr_ids.get(tr)
        if tr_id is None:
            raise ConfigError(f"{tr.value} is not offered by KIS {self.environment.value}")
        return tr_id

    def supports(self, tr: Tr) -> bool:
        """Tell whether this environment offers a transaction."""
        return self.tr_ids.get(tr) is not None


_REAL = KisProfile(
    environment=KisEnvironment.REAL,
    rest_base_url="https://openapi.koreainvestment.com:9443",
    ws_url="ws://ops.koreainvestment.com:21000/tryitout",
    tr_ids=_REAL_TR,
    notice_tr_id="H0STCNI0",
    symbol_tr_ids=_REAL_SYMBOL_TRS,
    requests_per_second=20.0,
    daily_orders_page_size=100,
    balance_page_size=50,
)

_PROFILES: dict[KisEnvironment, KisProfile] = {
    KisEnvironment.REAL: _REAL,
    KisEnvironment.PAPER: KisProfile(
        environment=KisEnvironment.PAPER,
        rest_base_url="https://openapivts.koreainvestment.com:29443",
        ws_url="ws://ops.koreainvestment.com:31000/tryitout",
        tr_ids=_PAPER_TR,
        notice_tr_id="H0STCNI9",
        symbol_tr_ids=_PAPER_SYMBOL_TRS,
        requests_per_second=2.0,
        daily_orders_page_size=15,
        balance_page_size=20,
    ),
    # The simulator speaks the real dialect; its URLs come from the caller.
    KisEnvironment.SIMULATOR: replace(
        _REAL, environment=KisEnvironment.SIMULATOR, rest_base_url="", ws_url=""
    ),
}


def profile_for(
    environment: KisEnvironment,
    *,
    rest_base_url: str | None = None,
    ws_url: str | None = None,
    requests_per_second: float | None = None,
) -> KisProfile:
    """Pick the profile of an environment; the simulator's URLs come from the caller."""
    profile = _PROFILES[environment]
    if rest_base_url:
        profile = replace(profile, rest_base_url=rest_base_url.rstrip("/"))
    if ws_url:
        profile = replace(profile, ws_url=ws_url)
    if requests_per_second is not None:
        if requests_per_second <= 0:
            raise ConfigError("KIS rate limit must be positive")
        profile = replace(profile, requests_per_second=requests_per_second)
    if not profile.rest_base_url or not profile.ws_url:
        raise ConfigError(f"KIS {environment.value} needs its REST and WebSocket URLs")
    return profile
