"""What the web layer keeps for the app's life: built once by the lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from hantu.adapters.telegram.frontend import TelegramFrontend
from hantu.config import Settings
from hantu.entrypoints.web.metrics import Metrics
from hantu.entrypoints.web.pipeline import Pipeline
from hantu.entrypoints.web.ratelimit import LoginLimiter
from hantu.entrypoints.web.tokens import TokenCache
from hantu.service_layer.accounts import AccountsDeps
from hantu.service_layer.alert_telegram import AlertBotDeps
from hantu.service_layer.alerts import AlertDeps
from hantu.service_layer.deps import Deps
from hantu.service_layer.exit_rules import ExitRulesService
from hantu.service_layer.live_feed import LiveFeed
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.notify_delivery import NotifyStore
from hantu.service_layer.ports import Clock
from hantu.service_layer.quote_board import QuoteBoard
from hantu.service_layer.symbol_names import NoNames, SymbolNames


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
    deps: Deps | None = None  # the service layer's dependencies, for queries and use cases
    bus: EventBus | None = None  # committed domain events (live pages subscribe)
    symbol_names: SymbolNames = field(default_factory=NoNames)
    quotes: QuoteBoard = field(default_factory=QuoteBoard)  # broker reads kept a few seconds
    live: LiveFeed | None = None  # notices for open pages (`GET /api/v1/live`)
    alerts: AlertDeps | None = None  # ALERT mode: signals waiting for approval
    alert_bot: AlertBotDeps | None = None  # their Telegram messages, when the bot runs
    exit_rules: ExitRulesService | None = None  # exit rules per strategy and position

    def webhook_url(self) -> str:
        return f"{self.public_url.rstrip('/')}/api/webhook"
