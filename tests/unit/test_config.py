from decimal import Decimal
from pathlib import Path

import pytest

from hantu.config import KisEnvironment, load_settings
from hantu.errors import ConfigError


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own environment and .env out of these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("HANTU_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_settings_embedded_defaults_use_simulator_and_sqlite() -> None:
    settings = load_settings()
    assert settings.kis_environment is KisEnvironment.SIMULATOR
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.order_timeout_seconds == 5.0


def test_settings_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANTU_ORDER_TIMEOUT_SECONDS", "-3")
    with pytest.raises(ConfigError, match="HANTU_ORDER_TIMEOUT_SECONDS"):
        load_settings()


def test_settings_paper_without_keys_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HANTU_KIS_ENVIRONMENT", "PAPER")
    monkeypatch.setenv("HANTU_KIS_APP_KEY", "changeme")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "HANTU_KIS_APP_KEY" in message
    assert "HANTU_KIS_APP_SECRET" in message
    assert "changeme" not in message


def test_settings_secret_never_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANTU_KIS_ENVIRONMENT", "REAL")
    monkeypatch.setenv("HANTU_KIS_APP_SECRET", "TOPSECRET-VALUE-123")
    monkeypatch.setenv("HANTU_KIS_ACCOUNT", "not-an-account")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "TOPSECRET-VALUE-123" not in str(caught.value)
    assert "HANTU_KIS_ACCOUNT" in str(caught.value)


def test_settings_account_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANTU_KIS_ACCOUNT", "5001234501")
    assert load_settings().kis_account == "50012345-01"


def test_settings_read_from_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("HANTU_ORDER_TIMEOUT_SECONDS=2.5\n", encoding="utf-8")
    assert load_settings().order_timeout_seconds == 2.5


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(Exception, match="frozen"):
        settings.order_timeout_seconds = 1  # type: ignore[misc]


def test_env_example_documents_every_setting() -> None:
    from hantu.config import Settings

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"HANTU_{name.upper()}=" not in example]
    assert missing == []


@pytest.mark.parametrize(
    ("public_url", "explicit", "secure"),
    [
        (None, None, False),
        ("http://127.0.0.1:8000", None, False),
        ("https://hantu.example.com", None, True),
        ("https://hantu.example.com", False, False),
        (None, True, True),
    ],
)
def test_settings_cookie_secure_follows_the_public_url(
    public_url: str | None, explicit: bool | None, secure: bool
) -> None:
    settings = load_settings(public_url=public_url, session_https_only=explicit)
    assert settings.cookie_secure is secure


def test_exit_rule_settings_default_on_and_empty_switches_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hantu.config import Settings

    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("HANTU_EXIT_STOP_LOSS_PCT", "")
    monkeypatch.setenv("HANTU_EXIT_TAKE_PROFIT_PCT", "7.5")

    off = Settings(_env_file=None)  # type: ignore[call-arg]

    assert (defaults.exit_stop_loss_pct, defaults.exit_take_profit_pct) == (3, 5)
    assert defaults.monitor_enabled is True
    assert off.exit_stop_loss_pct is None
    assert off.exit_take_profit_pct == Decimal("7.5")


def test_exit_pricing_setting_refuses_an_unknown_way() -> None:
    from pydantic import ValidationError

    from hantu.config import Settings

    with pytest.raises(ValidationError, match="exit_pricing"):
        Settings(_env_file=None, exit_pricing="cheap")  # type: ignore[call-arg]
