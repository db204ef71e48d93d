"""What the web layer keeps for the app's life: built once by the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from hantu.adapters.telegram.frontend import TelegramFrontend
from hantu.config import Settings
from hantu.entrypoints.web.metrics import Metrics
from hantu.entrypoints.web.pipeline import Pipeline
from hantu.entrypoints.web.ratelimit import LoginLimiter
from hantu.entrypoints.web.tokens import TokenCache
from hantu.service_layer.accounts import AccountsDeps
from hantu.service_layer.notify_delivery import NotifyStore
from hantu.service_layer.ports import Clock


@dataclass(frozen=True, slots=True)
class WebState:
    settings: Settings
    accounts: AccountsDeps
    pipeline: Pipeline
    metrics: Metrics
    limiter: LoginLimiter
    clock: Clock
    public_url: str
    tokens: TokenCache
    telegram: TelegramFrontend | None = None  # None: no bot token configured
    notify: NotifyStore | None = None  # preferences and undelivered notifications

    def webhook_url(self) -> str:
        return f"{self.public_url.rstrip('/')}/api/webhook"
