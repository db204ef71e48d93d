"""The simulated KIS REST server: a Starlette app with KIS's paths.

Paths accept a trailing slash or not; request header names are case-insensitive
(reference §3.1); answers spell theirs as KIS does (`rest_headers`).
Fault injection is served next to them under `/__sim__/` (`control`), loopback only.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from hantu.simulator.control import control_routes
from hantu.simulator.rest_auth import (
    approval_endpoint,
    hashkey_endpoint,
    revoke_endpoint,
    token_endpoint,
)
from hantu.simulator.rest_charts import CHART_TR_IDS, inquire_daily_itemchartprice
from hantu.simulator.rest_common import SimContext, endpoint
from hantu.simulator.rest_headers import KisHeaderNames
from hantu.simulator.rest_inquiry import (
    BALANCE_TR_IDS,
    DAILY_TR_IDS,
    PSBL_ORDER_TR_IDS,
    PSBL_RVSECNCL_TR_IDS,
    inquire_balance,
    inquire_daily_ccld,
    inquire_psbl_order,
    inquire_psbl_rvsecncl,
)
from hantu.simulator.rest_products import (
    SEARCH_INFO_TR_IDS,
    SEARCH_STOCK_INFO_TR_IDS,
    search_info,
    search_stock_info,
)
from hantu.simulator.rest_quotes import HOLIDAY_TR_IDS, PRICE_TR_IDS, chk_holiday, inquire_price
from hantu.simulator.rest_trading import (
    ORDER_TR_IDS,
    RVSECNCL_TR_IDS,
    order_cash,
    order_rvsecncl,
)

STOCK = "/uapi/domestic-stock/v1"


def build_rest_app(ctx: SimContext) -> ASGIApp:
    """The ASGI app answering KIS REST calls against the simulator's state."""
    routes = [
        Route("/oauth2/tokenP", token_endpoint(ctx), methods=["POST"]),
        Route("/oauth2/revokeP", revoke_endpoint(ctx), methods=["POST"]),
        Route("/oauth2/Approval", approval_endpoint(ctx), methods=["POST"]),
        Route("/uapi/hashkey", hashkey_endpoint(ctx), methods=["POST"]),
        Route(
            f"{STOCK}/trading/order-cash",
            endpoint(ctx, ORDER_TR_IDS, order_cash),
            methods=["POST"],
        ),
        Route(
            f"{STOCK}/trading/order-rvsecncl",
            endpoint(ctx, RVSECNCL_TR_IDS, order_rvsecncl),
            methods=["POST"],
        ),
        Route(
            f"{STOCK}/trading/inquire-psbl-rvsecncl",
            endpoint(ctx, PSBL_RVSECNCL_TR_IDS, inquire_psbl_rvsecncl),
        ),
        Route(
            f"{STOCK}/trading/inquire-daily-ccld",
            endpoint(ctx, DAILY_TR_IDS, inquire_daily_ccld),
        ),
        Route(f"{STOCK}/trading/inquire-balance", endpoint(ctx, BALANCE_TR_IDS, inquire_balance)),
        Route(
            f"{STOCK}/trading/inquire-psbl-order",
            endpoint(ctx, PSBL_ORDER_TR_IDS, inquire_psbl_order),
        ),
        Route(f"{STOCK}/quotations/inquire-price", endpoint(ctx, PRICE_TR_IDS, inquire_price)),
        Route(f"{STOCK}/quotations/chk-holiday", endpoint(ctx, HOLIDAY_TR_IDS, chk_holiday)),
        Route(
            f"{STOCK}/quotations/inquire-daily-itemchartprice",
            endpoint(ctx, CHART_TR_IDS, inquire_daily_itemchartprice),
        ),
        Route(
            f"{STOCK}/quotations/search-info",
            endpoint(ctx, SEARCH_INFO_TR_IDS, search_info),
        ),
        Route(
            f"{STOCK}/quotations/search-stock-info",
            endpoint(ctx, SEARCH_STOCK_INFO_TR_IDS, search_stock_info),
        ),
        *control_routes(ctx),
    ]
    return KisHeaderNames(Starlette(routes=routes))
