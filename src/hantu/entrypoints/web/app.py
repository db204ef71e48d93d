"""The FastAPI app: `create_app()` wires routers, sessions and CSRF; its lifespan calls the
one bootstrap and builds the web layer's state from it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from hantu import messages_ko as ko
from hantu.bootstrap import build
from hantu.config import Settings, load_settings
from hantu.entrypoints.web import (
    accounts,
    alerts_api,
    alerts_page,
    auth,
    docs,
    errors,
    exit_rules_api,
    failed_orders,
    failed_orders_bulk,
    failed_orders_export,
    failed_orders_page,
    health,
    live,
    monitor_api,
    monitor_page,
    notifications,
    orders,
    orders_csv,
    orders_page,
    pages,
    pnl,
    positions_api,
    settings_page,
    strategies,
    strategy_settings,
    telegram_hook,
    webhook,
    webhook_check,
)
from hantu.entrypoints.web.headers import SecurityHeaders
from hantu.entrypoints.web.runtime import Runtime, session_secret, web_state
from hantu.entrypoints.web.templating import STATIC_DIR, make_templates
from hantu.service_layer.ports import BrokerDirectory, Clock

SESSION_COOKIE = "hantu_session"


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    brokers: BrokerDirectory | None = None,
    on_ready: Callable[[Runtime], None] | None = None,
    **build_options: Any,
) -> FastAPI:
    """Build the app; nothing connects until the lifespan starts the application."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with build(settings, clock=clock, brokers=brokers, **build_options) as application:
            runtime = Runtime(application, web_state(application))
            app.state.web = runtime.state
            app.state.runtime = runtime
            if on_ready is not None:
                on_ready(runtime)
            yield

    app = FastAPI(
        title="hantu",
        summary=ko.API_SUMMARY,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by `docs.install` with local assets
        redoc_url=None,
    )
    _assemble(app, settings)
    return app


def _assemble(app: FastAPI, settings: Settings) -> None:
    app.state.templates = make_templates()
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    for module in (
        health,
        auth,
        webhook,
        telegram_hook,
        failed_orders,
        failed_orders_bulk,
        failed_orders_export,
        failed_orders_page,
        strategies,
        strategy_settings,
        webhook_check,
        accounts,
        orders,
        orders_csv,
        orders_page,
        alerts_api,
        alerts_page,
        monitor_api,
        monitor_page,
        pages,
        pnl,
        settings_page,
        notifications,
        positions_api,
        exit_rules_api,
        live,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    docs.install(app)
