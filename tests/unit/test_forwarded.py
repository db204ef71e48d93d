"""Which address the login limit counts: `X-Forwarded-For` only through trusted proxies."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from hantu.config import IPNetwork, load_settings
from hantu.entrypoints.web.forwarded import client_address
from hantu.errors import ConfigError


def _request(peer: str, forwarded: str | None) -> Request:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    scope = {"type": "http", "client": (peer, 5000), "headers": headers}
    return Request(scope)


def _trusting(spec: str) -> tuple[IPNetwork, ...]:
    return load_settings(_env_file=None, trusted_proxies=spec).trusted_proxy_networks


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("127.0.0.1", "203.0.113.9", "", "127.0.0.1"),  # default: nobody is trusted
        ("198.51.100.7", "203.0.113.9", "127.0.0.1", "198.51.100.7"),  # peer not a proxy
        ("127.0.0.1", "203.0.113.9", "127.0.0.1", "203.0.113.9"),
        ("10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1", "10.0.0.0/8", "203.0.113.9"),
        ("127.0.0.1", None, "127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"),
        ("::1", "2001:db8::5", "::1", "2001:db8::5"),
    ],
)
def test_client_address_believes_forwarded_for_only_from_trusted_proxies(
    peer: str, forwarded: str | None, trusted: str, expected: str
) -> None:
    networks = _trusting(trusted)

    assert client_address(_request(peer, forwarded), networks) == expected


def test_trusted_proxies_not_an_address_is_a_config_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="HANTU_TRUSTED_PROXIES"):
        load_settings(_env_file=None, trusted_proxies="127.0.0.1, proxy.local")
