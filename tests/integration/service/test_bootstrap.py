"""The composition root: defaults, refusals, start-up migrations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from hantu.adapters.db.engine import current_revision
from hantu.bootstrap import StaticBrokerDirectory, build, risk_limits
from hantu.config import KisEnvironment, Settings
from hantu.domain.values import Money
from hantu.errors import ConfigError
from hantu.service_layer.orders import submit
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker


async def test_build_on_defaults_migrates_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    clock = FakeClock()
    app = build(settings, clock=clock, brokers=InProcessBroker(clock))
    assert not (tmp_path / "data").exists()  # building does no I/O
    async with app:
        revision = await current_revision(app.db)
        result = await submit(app.deps, an_order_request())
    assert (tmp_path / "data" / "hantu.db").exists()
    assert revision is not None
    assert result.order.broker_order_id is not None
    assert isinstance(app.brokers, StaticBrokerDirectory)


def test_build_for_a_real_account_without_broker_refuses(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        kis_environment=KisEnvironment.PAPER,
        kis_app_key=SecretStr("PS" + "a" * 34),
        kis_app_secret=SecretStr("s" * 180),
        kis_account="12345678-01",
    )

    with pytest.raises(ConfigError, match="no broker"):
        build(settings)


def test_build_on_the_simulator_without_broker_refuses(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]

    with pytest.raises(ConfigError, match="no broker wired for HANTU_KIS_ENVIRONMENT=SIMULATOR"):
        build(settings)


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
