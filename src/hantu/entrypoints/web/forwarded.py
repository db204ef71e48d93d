"""The client's address for the login limit: the socket's peer, or — only when that peer is
one of `HANTU_TRUSTED_PROXIES` — the nearest untrusted hop in `X-Forwarded-For`.

Anyone can send `X-Forwarded-For`; honoured from any peer, it would hand every guess a new
address and a fresh login budget. The server runs with uvicorn's own proxy-header handling
off (see `cli_serve.server_options`) so the peer seen here is the real socket's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

from hantu.config import IPNetwork as Network

UNKNOWN = "unknown"


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(request: Request, trusted: Sequence[Network]) -> str:
    """Who is asking, as far as can be known without believing an untrusted header."""
    peer = request.client.host if request.client else UNKNOWN
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _trusted(hop, trusted):
            return hop[:64]
    return peer
