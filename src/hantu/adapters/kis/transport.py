"""The wire under our `httpx.AsyncClient` for KIS: aiohttp, with failures sorted by whether the
request could have left.

httpx's own transport (httpcore over h11 and anyio) costs about 1.4 ms of CPU per request on
this kind of machine; aiohttp's C parser and plain asyncio protocol bring that to about 0.5
ms, and an order is one request. httpx stays the API the adapter is written against (its
`Auth` flow, `Timeout`, `Response`), so only this module knows about aiohttp.

What matters most here is how failures are translated, because `errors.error_from_transport`
decides from the httpx type whether an order may have reached KIS:
  - only a failure to *establish* a connection (refused, DNS, TLS, connect or pool timeout)
    becomes `ConnectError` / `ConnectTimeout`: the request never left;
  - everything after that (a dropped connection, a read timeout, a broken answer, anything
    unforeseen) becomes a read or protocol error: the order may exist and is settled, never
    re-sent.
aiohttp never retries a POST on its own (it retries only idempotent methods on a reused
connection that the server had closed).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import aiohttp
import httpx
import yarl

# First match wins: the connection-phase classes come before their broader parents.
_NOT_SENT: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
)
_MAY_HAVE_ARRIVED: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (TimeoutError, httpx.ReadTimeout),  # a timer of aiohttp's own, after sending
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.ReadError),
    (aiohttp.ClientError, httpx.ReadError),  # disconnects, resets, anything else of aiohttp's
)


KEEPALIVE_SECONDS = 5.0  # as httpx's own pool: an idle connection is closed after 5 s


@contextmanager
def _translated(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except (TimeoutError, aiohttp.ClientError) as exc:
        for source, target in (*_NOT_SENT, *_MAY_HAVE_ARRIVED):
            if isinstance(exc, source):
                raise target(f"{type(exc).__name__}: {exc}", request=request) from exc
        raise  # pragma: no cover - the last row catches every ClientError


def _as_sent(headers: httpx.Headers) -> list[tuple[str, str]]:
    """Header names in the case the adapter wrote them (KIS documents `appkey`, `tr_id`...),
    values as httpx decoded them."""
    names = (name.decode("ascii") for name, _ in headers.raw)
    return [(name, value) for name, (_, value) in zip(names, headers.multi_items(), strict=True)]


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport over one lazily opened `aiohttp.ClientSession` (one pool)."""

    def __init__(self, *, max_connections: int = 100, trust_env: bool = True) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        # HTTP(S)_PROXY / NO_PROXY are honoured as httpx's own transport does, but read once:
        # aiohttp's trust_env re-reads them and ~/.netrc on a worker thread for every request.
        self._proxies = urllib.request.getproxies_environment() if trust_env else {}
        self._proxy_of: dict[tuple[str, str], str | None] = {}
        # The certificates httpx itself would trust (certifi's, or SSL_CERT_FILE/_DIR).
        self._tls = httpx.create_ssl_context(trust_env=trust_env)

    def _session_now(self) -> aiohttp.ClientSession:
        # Opened on first use: an aiohttp session belongs to the running event loop.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                keepalive_timeout=KEEPALIVE_SECONDS,
                ssl=self._tls,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                # KIS sets no cookies and httpx above keeps its own jar: none read or sent here.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    def _proxy(self, url: httpx.URL) -> str | None:
        key = (url.scheme, url.host)
        if key not in self._proxy_of:
            proxy = self._proxies.get(url.scheme)
            bypass = proxy is not None and bool(urllib.request.proxy_bypass(url.host))
            self._proxy_of[key] = None if bypass else proxy
        return self._proxy_of[key]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        body = await request.aread()
        with _translated(request):
            async with self._session_now().request(
                request.method,
                _url(str(request.url)),
                headers=_as_sent(request.headers),
                data=body or None,
                allow_redirects=False,
                proxy=self._proxy(request.url),
                # Waiting for a pooled connection (or opening one), connecting, reading.
                timeout=_timeout(timeout.get("pool"), timeout.get("connect"), timeout.get("read")),
            ) as answer:
                content = await answer.read()
                headers = list(answer.raw_headers)
                status = answer.status
        # The body is still as sent (auto_decompress off): httpx decodes it by its headers.
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(content), request=request
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


# Both parsed once per distinct value: an order's path and timeouts repeat all day, and each
# parse is Python work between the exit's decision and its request on the wire.
@lru_cache(maxsize=512)
def _url(text: str) -> yarl.URL:
    return yarl.URL(text, encoded=True)  # httpx has already percent-encoded it


@lru_cache(maxsize=64)
def _timeout(
    pool: float | None, connect: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=None, connect=pool, sock_connect=connect, sock_read=read)


def kis_http_client(
    *, timeout: float, trust_env: bool = True, max_connections: int = 100, **options: Any
) -> httpx.AsyncClient:
    """The `httpx.AsyncClient` every KIS adapter object shares (one connection pool);
    `options` go to `httpx.AsyncClient` (e.g. `event_hooks`)."""
    transport = AiohttpTransport(max_connections=max_connections, trust_env=trust_env)
    # httpx itself must not read the proxy settings: it would mount its own proxy transport
    # in front of ours. The transport above honours them.
    return httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False, **options)
