"""The KIS wire (`KisHttp` over aiohttp): what each failure means for an order.

A raw asyncio server on loopback plays each way KIS can fail; the question every test asks
is whether the wire says "never sent" (`BrokerUnreachable`, safe to refuse) or "may have
arrived" (`BrokerUnavailable`: settle, never re-send).
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import json
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hantu.adapters.kis.transport import KisHttp, KisResponse
from hantu.errors import BrokerUnavailable, BrokerUnreachable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[str]:
    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(run, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    return head, await reader.readexactly(length)


async def hang_up(_reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
    return None


def answer(body: bytes, *headers: bytes) -> bytes:
    lines = [b"HTTP/1.1 200 OK", b"content-type: application/json", *headers]
    lines.append(b"content-length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def post(url: str, *, read_timeout: float = 2.0) -> KisResponse:
    async with KisHttp(timeout=read_timeout, trust_env=False) as http:
        headers = {"tr_id": "T1", "appKey": "PSkey", "content-type": "application/json"}
        return await http.request(
            "POST", f"{url}/order", json_body={"PDNO": "005930"}, headers=headers
        )


async def test_a_plain_answer_round_trips_headers_and_body() -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_request(reader))
        writer.write(answer(b'{"rt_cd": "0"}', b"tr_cont: M"))
        await writer.drain()

    async with serving(kis) as url:
        response = await post(url)

    assert response.status == 200
    assert response.json() == {"rt_cd": "0"}
    assert response.headers["TR_CONT"] == "M"  # header names are case-insensitive
    head, body = seen[0]
    assert head.startswith(b"POST /order HTTP/1.1")
    assert b"tr_id: T1" in head
    assert b"appKey: PSkey" in head  # names go out as written
    assert json.loads(body) == {"PDNO": "005930"}


async def test_each_answer_is_logged_at_debug_without_headers_or_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b'{"rt_cd": "0", "ODNO": "0000117057"}'))
        await writer.drain()

    with caplog.at_level(logging.DEBUG, logger="hantu.adapters.kis.transport"):
        async with serving(kis) as url:
            await post(url)

    [line] = [r.getMessage() for r in caplog.records if r.name.endswith("transport")]
    assert line.startswith("KIS POST order T1 -> 200 in ")
    for secret in ("PSkey", "005930", "0000117057"):  # a header, the body, the answer
        assert secret not in line


async def test_a_query_goes_percent_encoded_and_a_body_as_compact_utf8() -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_request(reader))
        writer.write(answer(b'{"rt_cd": "0"}', b"connection: close"))
        await writer.drain()

    async with serving(kis) as url, KisHttp(timeout=2.0, trust_env=False) as http:
        params = {"PDNO": "005930", "CTX_AREA_FK100": "a b&c"}
        await http.request("GET", f"{url}/uapi/x", params=params)
        await http.request("POST", f"{url}/order", json_body={"msg": "매수 주문"})

    read, order = seen
    assert read[0].startswith(b"GET /uapi/x?PDNO=005930&CTX_AREA_FK100=a+b%26c HTTP/1.1")
    assert order[1] == '{"msg":"매수 주문"}'.encode()


async def test_a_compressed_answer_is_decoded_once() -> None:
    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(gzip.compress(b'{"rt_cd": "0"}'), b"content-encoding: gzip"))
        await writer.drain()

    async with serving(kis) as url:
        response = await post(url)

    assert response.json() == {"rt_cd": "0"}


async def test_nothing_listening_means_never_sent() -> None:
    async with serving(hang_up) as url:
        pass  # the port is free again: connecting is refused

    with pytest.raises(BrokerUnreachable):
        await post(url)


async def test_a_connection_dropped_after_the_request_may_have_placed_it() -> None:
    received = asyncio.Event()

    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        received.set()  # KIS took the order; the line goes dead before its answer

    async with serving(kis) as url:
        with pytest.raises(BrokerUnavailable):
            await post(url)

    assert received.is_set()


async def test_no_answer_in_time_is_a_read_timeout_not_a_refusal() -> None:
    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # never answers; ends when the client hangs up

    async with serving(kis) as url:
        with pytest.raises(BrokerUnavailable) as caught:
            await post(url, read_timeout=0.3)

    assert "Timeout" in caught.value.message


async def test_a_garbled_answer_may_have_placed_it() -> None:
    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"this is not HTTP\r\n\r\n")
        await writer.drain()

    async with serving(kis) as url:
        with pytest.raises(BrokerUnavailable):
            await post(url)


async def test_waiting_for_a_pooled_connection_too_long_means_never_sent() -> None:
    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # never answers; ends when the client hangs up

    async with (
        serving(kis) as url,
        KisHttp(timeout=5.0, trust_env=False, max_connections=1) as http,
    ):
        hanging = asyncio.create_task(http.request("POST", f"{url}/order", json_body={}))
        await asyncio.sleep(0.1)  # it holds the only connection
        with pytest.raises(BrokerUnreachable):
            await http.request("POST", f"{url}/order", json_body={}, pool_timeout=0.2)
        hanging.cancel()
        await asyncio.gather(hanging, return_exceptions=True)


async def test_requests_go_through_the_proxy_named_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        seen.append(head)
        writer.write(answer(b'{"rt_cd": "0"}'))
        await writer.drain()

    async with serving(proxy) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with KisHttp(timeout=2.0) as http:
            response = await http.request("POST", "http://kis.invalid:9443/order", json_body={})

    assert response.json() == {"rt_cd": "0"}
    assert seen[0].startswith(b"POST http://kis.invalid:9443/order HTTP/1.1")


async def test_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b'{"rt_cd": "0"}'))
        await writer.drain()

    async with serving(hang_up) as dead_proxy:
        pass
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with serving(kis) as url, KisHttp(timeout=2.0) as http:
        response = await http.request("POST", f"{url}/order", json_body={})

    assert response.json() == {"rt_cd": "0"}


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hantu test KIS")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "kis.pem", directory / "kis.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_tls_trusts_certifi_or_ssl_cert_file_and_an_untrusted_server_is_never_sent_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    requests: list[bytes] = []

    async def kis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        requests.append(head)
        writer.write(answer(b'{"rt_cd": "0"}'))
        await writer.drain()

    server = await asyncio.start_server(kis, "127.0.0.1", 0, ssl=server_tls)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/order"
    try:
        with pytest.raises(BrokerUnreachable):  # certifi does not know this CA
            async with KisHttp(timeout=2.0) as http:
                await http.request("POST", url, json_body={})
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        async with KisHttp(timeout=2.0) as http:
            response = await http.request("POST", url, json_body={})
    finally:
        server.close()
        await server.wait_closed()

    assert response.json() == {"rt_cd": "0"}
    assert len(requests) == 1  # only the trusted attempt carried a request
