"""The strategy page as a TradingView setup guide: what TradingView needs of the webhook URL,
its 3-second patience against our order timeout, and the alert messages to paste.

TradingView sends webhooks only to ports 80 and 443 and only to addresses it can reach on the
internet; it cancels a delivery whose answer takes longer than 3 seconds (shared/reference).
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

from hantu import messages_ko as ko

TRADINGVIEW_SECONDS = 3.0
_PORTS = {80, 443}
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def url_warnings(webhook_url: str) -> list[str]:
    """What would stop TradingView from reaching this URL, in Korean (empty: nothing)."""
    parts = urlsplit(webhook_url)
    host = (parts.hostname or "").lower()
    warnings: list[str] = []
    if _is_local(host):
        warnings.append(ko.settings_page.GUIDE_LOOPBACK.format(host=host or webhook_url))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    if port not in _PORTS:
        warnings.append(ko.settings_page.GUIDE_PORT.format(port=port))
    return warnings


def _is_local(host: str) -> bool:
    if host in _LOCAL_NAMES or host.endswith(".localhost") or not host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


def timeout_note(order_timeout: float) -> str:
    """Our order timeout said against TradingView's 3 seconds."""
    seconds = f"{order_timeout:g}"
    note = ko.settings_page.GUIDE_TIMEOUT.format(seconds=seconds)
    over = order_timeout >= TRADINGVIEW_SECONDS
    return note + (
        ko.settings_page.GUIDE_TIMEOUT_OVER if over else ko.settings_page.GUIDE_TIMEOUT_OK
    )


def message_templates(token: str) -> dict[str, str]:
    """LIMIT and MARKET alert messages (TradingView placeholders quoted, as it requires)."""
    common = {
        "token": token,
        "symbol": "{{ticker}}",
        "side": "{{strategy.order.action}}",
        "quantity": "{{strategy.order.contracts}}",
    }
    limit = {**common, "order_type": "LIMIT", "price": "{{close}}"}
    market = {**common, "order_type": "MARKET"}
    key = "{{strategy.order.id}}-{{timenow}}"
    return {
        "LIMIT": json.dumps({**limit, "id": key}, ensure_ascii=False),
        "MARKET": json.dumps({**market, "id": key}, ensure_ascii=False),
    }
