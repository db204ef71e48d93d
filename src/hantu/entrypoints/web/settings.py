"""Settings the web server adds to `hantu.config.Settings` (same `HANTU_` prefix and `.env`).

Kept apart so the web helper could add them without editing `config.py`; the fields are
meant to be merged into `Settings` later.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HANTU_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    secret_key: SecretStr | None = Field(
        None, description="Fernet key for broker secrets; default: <data_dir>/secret.key"
    )
    session_secret: SecretStr | None = Field(
        None, description="Signs session cookies; default: <data_dir>/session.key"
    )
    public_url: str | None = Field(
        None, description="Base URL shown in webhook URLs, e.g. https://hantu.example.com"
    )
    session_https_only: bool = Field(False, description="Mark the session cookie Secure")
    session_max_age_seconds: int = Field(12 * 3600, gt=0)
    login_max_attempts: int = Field(5, gt=0, description="Failed logins per window and client")
    login_window_seconds: float = Field(300.0, gt=0)
    settle_interval_seconds: float = Field(
        5.0, ge=0, description="How often unconfirmed orders are settled; 0 switches it off"
    )
    demo: bool | None = Field(
        None, description="Create the demo user and strategy; default: on with the simulator"
    )
    demo_username: str = "demo"
    demo_password: SecretStr = SecretStr("hantu-demo")
