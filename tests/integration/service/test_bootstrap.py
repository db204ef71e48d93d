"""The composition root: defaults, refusals, start-up migrations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from hantu.adapters.db.engine import current_revision
from hantu.bootstrap import AccountBrokers, StaticBrokerDirectory, build, risk_limits
from hantu.config import KisEnvironment, Settings
from hantu.domain.values import Money
from hantu.service_layer.orders import submit
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker


async def test_build_on_defaults_migrates_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    app = build(settings, clock=FakeClock())
    assert not (tmp_path / "data").exists()  # building does no I/O
    async with app:
        revision = await current_revision(app.db)
        result = await submit(app.deps, an_order_request())  # the demo's strategy account
        simulator = app.simulator
    assert (tmp_path / "data" / "hantu.db").exists()
    assert revision is not None
    assert result.order.broker_order_id is not None
    assert isinstance(app.brokers, AccountBrokers)
    assert simulator is not None


async def test_build_for_a_real_account_reaches_kis_through_stored_accounts(
    tmp_path: Path,
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        kis_environment=KisEnvironment.PAPER,
        kis_app_key=SecretStr("PS" + "a" * 34),
        kis_app_secret=SecretStr("s" * 180),
        kis_account="12345678-01",
    )

    app = build(settings)

    assert isinstance(app.brokers, AccountBrokers)
    assert app.simulator is None
    with pytest.raises(RuntimeError, match="not started"):
        _ = app.accounts


def test_risk_limits_come_from_settings(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        daily_loss_limit=Decimal(500_000),
        max_open_positions=3,
    )

    limits = risk_limits(settings)

    assert limits.daily_loss_limit == Money(500_000)
    assert limits.max_symbol_exposure is None
    assert limits.max_open_positions == 3


async def test_app_start_keeps_the_data_dir_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    clock = FakeClock()
    app = build(settings, clock=clock, brokers=InProcessBroker(clock))
    await app.start()
    await app.close()

    assert data_dir.stat().st_mode & 0o777 == 0o700
    assert (data_dir / "hantu.db").stat().st_mode & 0o777 == 0o600


async def test_static_directory_names_broker_accounts_stably(broker: InProcessBroker) -> None:
    other = InProcessBroker(broker.clock)
    directory = StaticBrokerDirectory(broker, {2: other, 5: other, 7: broker})

    names = [await directory.account_of(a) for a in (1, 2, 5, 7)]

    assert names == ["default", "static:2", "static:2", "default"]


async def test_accounts_only_starts_the_database_and_nothing_else(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    app = build(settings, clock=FakeClock())

    async with app.accounts_only() as accounts:
        async with accounts.uow() as uow:
            nobody = await uow.accounts.user_by_username("demo")
        simulator, demo, services = app.simulator, app.demo, app.supervisor.running()

    assert (simulator, demo, services, nobody) == (None, None, [], None)
