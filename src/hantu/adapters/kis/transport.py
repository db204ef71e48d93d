"""The KIS wire: one aiohttp session, and failures sorted by whether the request could have left.

aiohttp's C parser and plain asyncio protocol cost about 0.5 ms of CPU per request here; an
order is one request, so the adapter talks to aiohttp directly, with nothing in between.

What matters most is how failures are translated, because it decides whether an order may
have reached KIS:
  - only a failure to *establish* a connection (refused, DNS, TLS, waiting for a pooled
    connection, connect timeout) becomes `BrokerUnreachable`: the request never left;
  - everything after that (a dropped connection, a read timeout, a broken answer, anything
    unforeseen) becomes `BrokerUnavailable`: the order may exist and is settled, never
    re-sent.
aiohttp never retries a POST on its own (it retries only idempotent methods on a reused
connection that the server had closed).
"""

from __future__ import annotations

import json
import logging
import os
import ssl
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from typing import Any, Self

import aiohttp
import certifi
import yarl

from hantu.errors import BrokerUnavailable, BrokerUnreachable

log = logging.getLogger(__name__)

# First match wins: the connection-phase classes come before their broader parents.
_NOT_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ConnectionTimeoutError,  # no pooled connection in time, or connecting too slow
    aiohttp.ClientConnectorError,  # refused, DNS, TLS
    aiohttp.InvalidURL,
)

KEEPALIVE_SECONDS = 5.0  # an idle connection is closed after 5 s


@dataclass(frozen=True, slots=True)
class KisResponse:
    """An answer read in full: KIS's bodies are small and the adapter needs all of each."""

    status: int
    headers: Mapping[str, str]  # case-insensitive (aiohttp's CIMultiDictProxy)
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; `ValueError` when it is not."""
        return json.loads(self.content)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except _NOT_SENT as exc:
        raise BrokerUnreachable(f"could not connect to KIS ({type(exc).__name__})") from exc
    except (TimeoutError, aiohttp.ClientError) as exc:
        kind = type(exc).__name__
        raise BrokerUnavailable(
            f"KIS did not answer in full ({kind}); the request may have arrived"
        ) from exc


def tls_context(*, trust_env: bool = True) -> ssl.SSLContext:
    """certifi's certificates, or those named by SSL_CERT_FILE / SSL_CERT_DIR."""
    cafile = os.environ.get("SSL_CERT_FILE") if trust_env else None
    capath = os.environ.get("SSL_CERT_DIR") if trust_env else None
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    return ssl.create_default_context(cafile=certifi.where())


class KisHttp:
    """The HTTP client every KIS adapter object shares: one lazily opened
    `aiohttp.ClientSession` (one connection pool), used as an async context manager."""

    def __init__(
        self,
        *,
        timeout: float,
        trust_env: bool = True,
        max_connections: int = 100,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
    ) -> None:
        self._timeout = timeout
        self._max_connections = max_connections
        self._trace_configs = trace_configs
        self._session: aiohttp.ClientSession | None = None
        # HTTP(S)_PROXY / NO_PROXY are honoured, but read once: aiohttp's trust_env re-reads
        # them and ~/.netrc on a worker thread for every request.
        self._proxies = urllib.request.getproxies_environment() if trust_env else {}
        self._proxy_of: dict[tuple[str, str], str | None] = {}
        self._tls = tls_context(trust_env=trust_env)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
        pool_timeout: float | None = None,
    ) -> KisResponse:
        """Send one request and read its answer; header names go out as written (KIS
        documents `appkey`, `tr_id`...). `read_timeout` bounds connecting and each read (the
        client's by default), `pool_timeout` the wait for a pooled connection (as long)."""
        parsed = _url(url)
        limit = self._timeout if read_timeout is None else read_timeout
        data = None if json_body is None else _encoded(json_body)
        started = time.perf_counter()
        with _translated():
            async with self._session_now().request(
                method,
                parsed,
                params=params,
                data=data,
                headers=headers,
                allow_redirects=False,
                proxy=self._proxy(parsed),
                timeout=_timeout(limit if pool_timeout is None else pool_timeout, limit),
            ) as answer:
                content = await answer.read()
        if log.isEnabledFor(logging.DEBUG):
            # What was asked and how it went; never headers, parameters or bodies (keys,
            # tokens, the account number).
            log.debug(
                "KIS %s %s %s -> %d in %.1f ms",
                method,
                parsed.path.rsplit("/", 1)[-1],
                (headers or {}).get("tr_id", "-"),
                answer.status,
                (time.perf_counter() - started) * 1000,
            )
        return KisResponse(answer.status, answer.headers, content)

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
                cookie_jar=aiohttp.DummyCookieJar(),  # KIS sets no cookies
                trace_configs=self._trace_configs,
            )
        return self._session

    def _proxy(self, url: yarl.URL) -> str | None:
        key = (url.scheme, url.host or "")
        if key not in self._proxy_of:
            proxy = self._proxies.get(url.scheme)
            bypass = proxy is not None and bool(urllib.request.proxy_bypass(url.host or ""))
            self._proxy_of[key] = None if bypass else proxy
        return self._proxy_of[key]

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _encoded(body: Mapping[str, Any]) -> bytes:
    # Compact UTF-8, so the hashkey KIS computes for a body is the body the order sends.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


# Both parsed once per distinct value: an order's path and timeouts repeat all day, and each
# parse is Python work between the exit's decision and its request on the wire.
@lru_cache(maxsize=512)
def _url(text: str) -> yarl.URL:
    return yarl.URL(text)


@lru_cache(maxsize=64)
def _timeout(pool: float, timeout: float) -> aiohttp.ClientTimeout:
    # aiohttp's `connect` covers waiting for a pooled connection and opening one.
    return aiohttp.ClientTimeout(total=None, connect=pool, sock_connect=timeout, sock_read=timeout)
