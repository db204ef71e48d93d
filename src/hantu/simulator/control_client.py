"""A small client for the simulator's control API (`/__sim__/...`), used by `hantu sim-fault`.

Every failure becomes a `SimControlError` carrying a one-line bilingual message, so the
command line can print it and exit 1 instead of showing a traceback.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import httpx

from hantu.simulator.control_defaults import DEFAULT_URL
from hantu.simulator.control_prefix import PREFIX


class SimControlError(Exception):
    """The control call did not happen: no simulator, or it refused the request."""


class SimControlClient:
    """Inject faults into a running simulator through its REST port."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        try:
            self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        except (httpx.InvalidURL, ValueError) as exc:
            raise SimControlError(f"잘못된 URL / invalid URL {base_url!r}: {exc}") from None

    def inject(self, fault: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST one fault; return the simulator's answer (it has a `message`)."""
        return self._call("POST", fault, body or {})

    def state(self) -> dict[str, Any]:
        """Symbols, accounts and the faults in force."""
        return self._call("GET", "state", None)

    def _call(self, method: str, name: str, body: dict[str, Any] | None) -> dict[str, Any]:
        url = f"{PREFIX}/{name}"
        try:
            response = self._http.request(method, url, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            raise SimControlError(
                f"시뮬레이터에 연결할 수 없습니다 / no simulator is running at {self.base_url} "
                "(hantu sim 으로 먼저 실행하세요 / start it with `hantu sim`)"
            ) from None
        except httpx.UnsupportedProtocol:
            raise SimControlError(
                f"잘못된 URL / invalid URL {self.base_url!r} (예/e.g. {DEFAULT_URL})"
            ) from None
        except httpx.HTTPError as exc:
            raise SimControlError(
                f"시뮬레이터 통신 오류 / talking to {self.base_url} failed: {type(exc).__name__}"
            ) from None
        return _decode(response, self.base_url)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _decode(response: httpx.Response, base_url: str) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise SimControlError(
            f"hantu 시뮬레이터가 아닙니다 / {base_url} is not a hantu simulator "
            f"(HTTP {response.status_code})"
        )
    if response.is_error:
        field = answer.get("field", "?")
        problem = answer.get("error", "refused")
        raise SimControlError(
            f"시뮬레이터가 거부함 / refused (HTTP {response.status_code}, {field}): {problem}"
        )
    return answer
