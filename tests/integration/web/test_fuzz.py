"""Property-based fuzzing of the whole API from its OpenAPI schema: no input may give a 5xx.

The server runs for real (uvicorn, SQLite, the in-process broker behind `AccountBrokers`);
the fuzzer is signed in and sends the CSRF header, and webhook bodies carry a valid token
half the time so validation, not only authentication, is exercised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import AccountBrokers
from hantu.config import Settings
from hantu.domain.accounts import BrokerCredentials
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import NewBrokerAccount
from hantu.service_layer.ports import Broker
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.web.server import ServerThread

_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class Fuzzed:
    def __init__(self, server: ServerThread, session: requests.Session, csrf: str, token: str):
        self.server = server
        self.session = session
        self.csrf = csrf
        self.token = token


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    clock = FakeClock()
    holder: dict[str, InProcessBroker] = {}

    async def factory(_credentials: BrokerCredentials) -> Broker:
        return holder.setdefault("broker", InProcessBroker(clock))

    server = ServerThread(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=data_dir,
            order_timeout_seconds=0.5,
            order_queue_seconds=0.01,
            demo=False,
            login_max_attempts=10_000,
        ),
        {
            "clock": clock,
            "brokers": AccountBrokers(factory),
            "hasher": PasswordHashing(time_cost=1, memory_cost=8),
        },
    )
    server.start()
    session = requests.Session()
    try:
        token = server.run(lambda: _provision(server))
        page = session.get(f"{server.base_url}/login", timeout=10)
        csrf = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        form = {"username": "fuzzer", "password": "fuzzer-password", "csrf_token": csrf}
        session.post(f"{server.base_url}/login", data=form, timeout=10, allow_redirects=False)
        page = session.get(f"{server.base_url}/positions", timeout=10)
        csrf = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        yield Fuzzed(server, session, csrf, token)
    finally:
        session.close()
        server.stop()


async def _provision(server: ServerThread) -> str:
    assert server.runtime is not None
    deps = server.runtime.state.accounts
    user = await accounts_service.create_user(deps, "fuzzer", "fuzzer-password")
    account = await accounts_service.add_broker_account(
        deps, user.id, NewBrokerAccount("main", "SIMULATOR", "k" * 36, "s" * 180, "5012345601", "h")
    )
    strategy, token = await accounts_service.create_strategy(deps, user.id, "fuzz")
    await accounts_service.link_account(deps, user.id, strategy.id, account.id)
    return token


def _fuzz_operation(operation: Any, fuzzed: Fuzzed, mode: GenerationMode) -> bool:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if case.path == "/api/webhook" and isinstance(case.body, dict) and len(str(case.body)) % 2:
            case.body["token"] = fuzzed.token
        case.call_and_validate(
            base_url=fuzzed.server.base_url,
            session=fuzzed.session,
            headers={"X-CSRF-Token": fuzzed.csrf},
            checks=[not_a_server_error],
            timeout=10,
        )

    try:
        run()
    except Unsatisfiable:  # nothing to negate (an operation without parameters or body)
        return False
    return True


def _webhook_answers(fuzzed: Fuzzed) -> dict[str, float]:
    metrics = fuzzed.session.get(f"{fuzzed.server.base_url}/metrics", timeout=10).text
    found = re.findall(r'hantu_webhooks_received_total\{status="(\d+)"\} (\S+)', metrics)
    return {status: float(count) for status, count in found}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_fuzz_no_input_gives_a_server_error(fuzzed: Fuzzed, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed.server.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    before = _webhook_answers(fuzzed)

    fuzzed_count = sum(_fuzz_operation(operation, fuzzed, mode) for operation in operations)

    after = _webhook_answers(fuzzed)
    assert len(operations) >= 8
    assert fuzzed_count >= 6
    # The fuzz reached the webhook's checks, not only the framework's (every run, any order).
    reached = {s: after.get(s, 0) - before.get(s, 0) for s in ("400", "401")}
    assert reached["401"] > 0
    assert reached["400"] > 0
