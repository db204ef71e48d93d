"""The environment table: URLs, TR IDs, limits, and settings → connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from hantu.adapters.kis.auth import KisCredentials
from hantu.adapters.kis.broker import connection_from_settings
from hantu.adapters.kis.environments import Tr, profile_for
from hantu.config import KisEnvironment, Settings
from hantu.errors import ConfigError


def test_real_uses_current_order_tr_ids_and_20_per_second() -> None:
    real = profile_for(KisEnvironment.REAL)

    assert real.tr_id(Tr.BUY) == "TTTC0012U"
    assert real.tr_id(Tr.SELL) == "TTTC0011U"
    assert real.tr_id(Tr.REVISE_CANCEL) == "TTTC0013U"
    assert real.tr_id(Tr.DAILY_ORDERS) == "TTTC0081R"
    assert real.notice_tr_id == "H0STCNI0"
    assert real.requests_per_second == 20
    assert real.rest_base_url == "https://openapi.koreainvestment.com:9443"


def test_paper_swaps_the_first_letter_and_slows_down() -> None:
    paper = profile_for(KisEnvironment.PAPER)

    assert paper.tr_id(Tr.BUY) == "VTTC0012U"
    assert paper.tr_id(Tr.BALANCE) == "VTTC8434R"
    assert paper.tr_id(Tr.PRICE) == "FHKST01010100"  # quotations are shared
    assert paper.notice_tr_id == "H0STCNI9"
    assert paper.requests_per_second == 2
    assert paper.daily_orders_page_size == 15
    assert "openapivts" in paper.rest_base_url


@pytest.mark.parametrize(
    ("environment", "tr_ids"),
    [
        (KisEnvironment.REAL, ("H0STCNT0", "H0STMKO0")),
        (KisEnvironment.PAPER, ("H0STCNT0",)),  # H0STMKO0 is real only (reference §4.9)
        (KisEnvironment.SIMULATOR, ("H0STCNT0", "H0STMKO0")),
    ],
)
def test_watched_symbol_streams_follow_the_environment(
    environment: KisEnvironment, tr_ids: tuple[str, ...]
) -> None:
    urls = {"rest_base_url": "http://127.0.0.1:1", "ws_url": "ws://127.0.0.1:2"}

    assert profile_for(environment, **urls).symbol_tr_ids == tr_ids


@pytest.mark.parametrize("tr", [Tr.CANCELLABLE, Tr.HOLIDAY])
def test_paper_refuses_real_only_trs_clearly(tr: Tr) -> None:
    paper = profile_for(KisEnvironment.PAPER)

    assert not paper.supports(tr)
    with pytest.raises(ConfigError, match="not offered"):
        paper.tr_id(tr)


def test_simulator_needs_urls_from_the_caller() -> None:
    with pytest.raises(ConfigError):
        profile_for(KisEnvironment.SIMULATOR)

    sim = profile_for(
        KisEnvironment.SIMULATOR, rest_base_url="http://127.0.0.1:1/", ws_url="ws://127.0.0.1:2"
    )
    assert sim.rest_base_url == "http://127.0.0.1:1"
    assert sim.tr_id(Tr.BUY) == "TTTC0012U"


def test_rate_limit_override_is_validated() -> None:
    assert profile_for(KisEnvironment.REAL, requests_per_second=5).requests_per_second == 5
    with pytest.raises(ConfigError):
        profile_for(KisEnvironment.REAL, requests_per_second=0)


def test_connection_from_settings_takes_secrets_and_cache_dir(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        kis_environment=KisEnvironment.PAPER,
        kis_app_key="PS" + "a" * 34,
        kis_app_secret="b" * 180,
        kis_account="12345678-01",
        kis_hts_id="hong",
        kis_rest_rate_limit=1.5,
        order_queue_seconds=1.25,
        data_dir=tmp_path,
    )

    connection = connection_from_settings(settings)

    assert connection.credentials == KisCredentials(
        "PS" + "a" * 34, "b" * 180, "12345678-01", "hong"
    )
    assert connection.requests_per_second == 1.5
    assert connection.token_cache_dir == tmp_path / "kis-tokens"
    assert connection.order_timeout == settings.order_timeout_seconds
    assert connection.order_queue_timeout == 1.25


def test_connection_from_settings_without_credentials_is_config_error(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)

    with pytest.raises(ConfigError):
        connection_from_settings(settings)
