"""The web layer's state, built from the one application (`hantu.bootstrap`): the pipeline,
metrics, login limiter, token cache and public URL."""

from __future__ import annotations

from dataclasses import dataclass

from hantu.adapters.secrets_box import load_or_create_key
from hantu.bootstrap import AccountBrokers, App
from hantu.bootstrap.demo import DemoLogin
from hantu.bootstrap.notifications import Notifications
from hantu.config import Settings
from hantu.entrypoints.web.metrics import Metrics
from hantu.entrypoints.web.ratelimit import LoginLimiter
from hantu.entrypoints.web.service_pipeline import ServicePipeline
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.tokens import TokenCache
from hantu.service_layer.live_feed import LiveFeed
from hantu.simulator.server import Simulator

SESSION_KEY_FILE = "session.key"


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: from settings, else generated once into the data dir."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    return load_or_create_key(settings.data_dir, SESSION_KEY_FILE).decode()


@dataclass
class Runtime:
    """The running application and the web state made from it (`app.state.runtime`)."""

    app: App
    state: WebState

    @property
    def simulator(self) -> Simulator | None:
        return self.app.simulator

    @property
    def demo(self) -> DemoLogin | None:
        return self.app.demo

    @property
    def external_simulator(self) -> tuple[str, str] | None:
        return self.app.external_simulator

    @property
    def notifications(self) -> Notifications | None:
        return self.app.notifications


def _public_url(settings: Settings) -> str:
    return settings.public_url or f"http://{settings.web_host}:{settings.web_port}"


def web_state(application: App) -> WebState:
    """What the routers need, over the started application."""
    settings, clock = application.settings, application.clock
    streams = application.brokers if isinstance(application.brokers, AccountBrokers) else None
    return WebState(
        settings=settings,
        accounts=application.accounts,
        pipeline=ServicePipeline(application.deps),
        metrics=Metrics(streams),
        limiter=LoginLimiter(
            clock,
            max_attempts=settings.login_max_attempts,
            window_seconds=settings.login_window_seconds,
        ),
        clock=clock,
        public_url=_public_url(settings),
        tokens=TokenCache(application.accounts),
        telegram=application.telegram,
        notify=None if application.notifications is None else application.notifications.store,
        deps=application.deps,
        bus=application.bus,
        live=_live_feed(application),
        symbol_names=application.symbol_names,
        alerts=application.alerts,
        alert_bot=application.alert_bot,
        exit_rules=application.exit_rules.service,
    )


def _live_feed(application: App) -> LiveFeed:
    feed = LiveFeed(application.deps)
    feed.attach(application.bus)
    if application.live_channel is not None:  # other processes' changes, on PostgreSQL
        application.live_channel.deliver_to(feed.on_change, feed.resync_all)
    return feed
