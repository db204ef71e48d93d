"""Settings: one frozen pydantic-settings model, read from the environment and `.env`.

Every variable is `HANTU_<FIELD>` (e.g. `HANTU_KIS_APP_KEY`). `load_settings()` turns a
validation failure into a `ConfigError` that names each bad setting and what is wrong,
never echoing a secret's value.
"""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hantu.errors import ConfigError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class KisEnvironment(StrEnum):
    """Which KIS the adapter talks to; picks URLs, TR IDs and rate limits, nothing else."""

    REAL = "REAL"
    PAPER = "PAPER"
    SIMULATOR = "SIMULATOR"


_PLACEHOLDERS = {"", "changeme", "change-me", "your-app-key", "your-app-secret", "xxx", "todo"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HANTU_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    data_dir: Path = Field(Path("data"), description="Where the SQLite file and caches live")
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; default: SQLite file under data_dir"
    )
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")

    order_timeout_seconds: float = Field(5.0, gt=0, le=60)
    order_queue_seconds: float = Field(
        2.0,
        gt=0,
        le=60,
        description="How long an order may wait to leave for the broker (the rate limit) "
        "before it is refused as not sent; the broker's own time is order_timeout_seconds",
    )
    unconfirmed_grace_seconds: float = Field(
        30.0, ge=0, description="An unconfirmed order is declared absent only after this age"
    )

    kis_environment: KisEnvironment = KisEnvironment.SIMULATOR
    kis_app_key: SecretStr | None = None
    kis_app_secret: SecretStr | None = None
    kis_account: str | None = Field(None, description="8+2 digit account, e.g. 12345678-01")
    kis_hts_id: str | None = None
    kis_rest_rate_limit: float | None = Field(
        None, gt=0, description="Requests per second; default 20 (REAL) or 2 (PAPER)"
    )
    kis_ws_subscribe_interval: float = Field(0.5, ge=0)
    kis_ws_sleep_retry_seconds: float = Field(
        300.0, ge=10, description="After five failed reconnects, retry the WebSocket this often"
    )
    kis_simulator_rest_url: str | None = Field(
        None,
        pattern=r"^https?://",
        description="REST URL of an already running simulator (`hantu sim`) to use instead of "
        "starting one in-process; needs the WS URL and the KIS account settings",
    )
    kis_simulator_ws_url: str | None = Field(
        None,
        pattern=r"^wss?://",
        description="WebSocket URL of that running simulator, e.g. ws://127.0.0.1:21000",
    )

    daily_loss_limit: Decimal | None = Field(None, gt=0)
    max_symbol_exposure: Decimal | None = Field(None, gt=0)
    max_open_positions: int | None = Field(None, gt=0)

    web_host: str = "127.0.0.1"
    web_port: int = Field(8000, gt=0, lt=65536)
    public_url: str | None = Field(
        None, description="Base URL shown in webhook URLs, e.g. https://hantu.example.com"
    )
    secret_key: SecretStr | None = Field(
        None, description="Fernet key for broker secrets; default: <data_dir>/secret.key"
    )
    session_secret: SecretStr | None = Field(
        None, description="Signs session cookies; default: <data_dir>/session.key"
    )
    session_https_only: bool | None = Field(
        None, description="Mark the session cookie Secure; default: on when public_url is https"
    )
    session_max_age_seconds: int = Field(12 * 3600, gt=0)
    login_max_attempts: int = Field(5, gt=0, description="Failed logins per window and client")
    login_window_seconds: float = Field(300.0, gt=0)
    trusted_proxies: str = Field(
        "",
        description="Comma-separated proxy addresses/networks whose X-Forwarded-For the login "
        "limit believes, e.g. 127.0.0.1,10.0.0.0/8; default: none (the socket's peer counts)",
    )
    settle_interval_seconds: float = Field(
        5.0, ge=0, description="How often unconfirmed orders are settled; 0 switches it off"
    )
    alert_sweep_seconds: float = Field(
        5.0, ge=0, description="How often expired ALERT-mode alerts are swept; 0 switches it off"
    )
    alert_fill_wait_seconds: float = Field(
        60.0,
        gt=0,
        description="How long an approved alert's order may go without a fill notice before "
        "the broker is asked and the Telegram message says what it answered (spec 000 §6.3)",
    )
    monitor_enabled: bool = Field(
        True, description="Run the exit monitor (stop-loss / take-profit on realtime ticks)"
    )
    monitor_schedule: Literal["auto", "krx", "always"] = Field(
        "auto",
        description="krx: run the monitor during KRX sessions only; always: from start-up; "
        "auto: krx on KIS PAPER/REAL, always on the simulator",
    )
    exit_stop_loss_pct: Decimal | None = Field(
        Decimal(3), gt=0, lt=100, description="Default stop-loss, % below the average price"
    )
    exit_take_profit_pct: Decimal | None = Field(
        Decimal(5), gt=0, description="Default take-profit, % above the average price"
    )
    exit_trailing_pct: Decimal | None = Field(
        None, gt=0, lt=100, description="Default trailing stop, % below the high since entry"
    )
    exit_atr_enabled: bool = Field(
        False, description="Default exit levels from ATR of daily candles instead of percentages"
    )
    exit_atr_stop_k: Decimal = Field(
        Decimal(2), gt=0, le=20, description="ATR mode: stop-loss = average - k x ATR"
    )
    exit_atr_take_k: Decimal | None = Field(
        Decimal(3), gt=0, le=20, description="ATR mode: take-profit = average + k x ATR"
    )
    exit_atr_trail_k: Decimal | None = Field(
        None, gt=0, le=20, description="ATR mode: trailing stop = high since entry - k x ATR"
    )
    exit_atr_period: int = Field(14, ge=2, le=100, description="ATR period in daily candles")
    add_buy_enabled: bool = Field(
        True, description="Tell (or, in ALERT mode, propose) add-buys at a support touch"
    )
    add_buy_lookback_days: int = Field(
        20, ge=2, le=100, description="Support = the lowest low of this many daily candles"
    )
    add_buy_quantity: int = Field(
        1, ge=1, le=1_000_000, description="Suggested add-buy quantity of an ALERT-mode alert"
    )
    exit_pricing: str = Field(
        "limit",
        pattern="^(limit|market|ticks_through)$",
        description="How an exit sell is priced: limit at the tick, market, or n ticks through",
    )
    exit_ticks_through: int = Field(0, ge=0, le=20, description="Ticks through for ticks_through")
    exit_fill_wait_seconds: float = Field(
        60.0, gt=0, le=3600, description="How long an exit sell may take to fill before a warning"
    )
    exit_partial_policy: str = Field(
        "reorder",
        pattern="^(reorder|keep)$",
        description="An exit still (partly) unfilled after the wait: re-order the rest or keep it",
    )
    exit_reorder_max: int = Field(
        1, ge=0, le=5, description="Re-orders of an exit's remainder before only warning"
    )
    exit_max_bid_gap_ticks: int = Field(
        5,
        ge=0,
        le=50,
        description="How many ticks below the tick a fresh best bid may price an exit",
    )
    exit_retry_attempts: int = Field(
        1,  # spec 002 §4: a retryable refusal is tried once more
        ge=0,
        le=10,
        description="Re-placements of an exit sell the broker refused",
    )
    exit_retry_backoff_seconds: float = Field(
        1.0, gt=0, le=60, description="First wait before re-placing a refused exit (then doubled)"
    )
    monitor_poll_per_second: float = Field(
        10.0,
        gt=0,
        le=20,
        description="REST price polls per second for symbols the WebSocket does not carry "
        "(capped at half of the KIS REST limit)",
    )
    demo: bool | None = Field(
        None, description="Create the demo user and strategy; default: on with the simulator"
    )
    simulator_walk_seconds: float = Field(
        2.0,
        ge=0,
        description="How often the embedded simulator's prices take a seeded random step on "
        "the tick grid; 0 keeps them fixed (tests do)",
    )
    telegram_bot_token: SecretStr | None = Field(
        None, description="Bot API token from @BotFather; unset switches Telegram off"
    )
    telegram_api_url: str = Field(
        "https://api.telegram.org/bot",
        pattern=r"^https?://",
        description="Bot API base URL the token is appended to (a self-hosted Bot API server)",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        None,
        description="Webhook secret token (1-256 of A-Z a-z 0-9 _ -), used when public_url is "
        "https; default: generated into <data_dir>/telegram_webhook.secret",
    )
    demo_username: str = "demo"
    demo_password: SecretStr = SecretStr("hantu-demo")

    # Notifications (issue 9). Telegram: the bot, its API base (tests), and a chat every
    # user's notifications go to until users link their own. Slack: the bot, its API base,
    # the notification channel (the emergency fallback) and the log channels per level.
    telegram_chat_id: int | None = Field(
        None, description="Chat for notifications of users who linked none"
    )
    slack_bot_token: SecretStr | None = None
    slack_api_url: str | None = Field(None, description="Slack Web API base URL; default Slack")
    slack_channel: str | None = Field(None, description="Channel for notifications")
    slack_log_channel_critical: str | None = None
    slack_log_channel_error: str | None = None
    slack_log_channel_warning: str | None = None

    @field_validator(
        "exit_stop_loss_pct",
        "exit_take_profit_pct",
        "exit_trailing_pct",
        "exit_atr_take_k",
        "exit_atr_trail_k",
        mode="before",
    )
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        # `HANTU_EXIT_STOP_LOSS_PCT=` switches the rule off rather than failing to parse.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("kis_account")
    @classmethod
    def _account_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = value.replace("-", "")
        if len(digits) != 10 or not digits.isdigit():
            raise ValueError("must be 8+2 digits, e.g. 12345678-01")
        return f"{digits[:8]}-{digits[8:]}"

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        _networks(value)
        return value

    @model_validator(mode="after")
    def _credentials_for_real_broker(self) -> Self:
        if self.kis_environment is KisEnvironment.SIMULATOR:
            return self
        missing = [
            name
            for name in ("kis_app_key", "kis_app_secret", "kis_account")
            if _is_placeholder(getattr(self, name))
        ]
        if missing:
            names = ", ".join(f"HANTU_{n.upper()}" for n in missing)
            raise ValueError(f"{names} required (and not a placeholder) for {self.kis_environment}")
        return self

    @model_validator(mode="after")
    def _external_simulator_complete(self) -> Self:
        urls = {
            "kis_simulator_rest_url": self.kis_simulator_rest_url,
            "kis_simulator_ws_url": self.kis_simulator_ws_url,
        }
        given = [name for name, url in urls.items() if url]
        if not given:
            return self
        if self.kis_environment is not KisEnvironment.SIMULATOR:
            names = ", ".join(f"HANTU_{n.upper()}" for n in given)
            raise ValueError(f"{names} only apply to HANTU_KIS_ENVIRONMENT=SIMULATOR")
        needed = [*urls, "kis_app_key", "kis_app_secret", "kis_account", "kis_hts_id"]
        missing = [name for name in needed if _is_placeholder(getattr(self, name))]
        if missing:
            names = ", ".join(f"HANTU_{n.upper()}" for n in missing)
            raise ValueError(f"{names} required (and not a placeholder) for an external simulator")
        return self

    @property
    def external_simulator(self) -> tuple[str, str] | None:
        """The (REST, WS) URLs of a simulator run elsewhere, or None to start one in-process."""
        if self.kis_simulator_rest_url and self.kis_simulator_ws_url:
            return self.kis_simulator_rest_url, self.kis_simulator_ws_url
        return None

    @property
    def cookie_secure(self) -> bool:
        """Secure cookies behind HTTPS; plain HTTP (the loopback default) cannot carry them."""
        if self.session_https_only is not None:
            return self.session_https_only
        return bool(self.public_url and self.public_url.lower().startswith("https://"))

    @property
    def telegram_webhook_mode(self) -> bool:
        """Webhook when Telegram can reach us over HTTPS; long polling otherwise."""
        return bool(self.public_url and self.public_url.lower().startswith("https://"))

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        """The proxies whose `X-Forwarded-For` is believed (none by default)."""
        return _networks(self.trusted_proxies)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hantu.db').resolve()}"


def _networks(spec: str) -> tuple[IPNetwork, ...]:
    networks = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {item[:64]!r}") from None
    return tuple(networks)


def _is_placeholder(value: object) -> bool:
    if value is None:
        return True
    raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    return raw.strip().lower() in _PLACEHOLDERS


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation errors into one `ConfigError` naming each setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            name = f"HANTU_{field.upper()}" if err["loc"] else "settings"
            problems.append(f"{name}: {err['msg']}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems)) from None
