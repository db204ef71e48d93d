"""The FastAPI app: `create_app()` wires routers, sessions and CSRF; its lifespan calls the
one bootstrap and builds the web layer's state from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from hantu import messages_ko as ko
from hantu.config import Settings, load_settings
from hantu.entrypoints.web import (
    accounts,
    auth,
    errors,
    failed_orders,
    health,
    notifications,
    pages,
    strategies,
    webhook,
)
from hantu.entrypoints.web.headers import SecurityHeaders
from hantu.entrypoints.web.runtime import session_secret, start_runtime
from hantu.entrypoints.web.templating import STATIC_DIR, make_templates
from hantu.service_layer.ports import BrokerDirectory, Clock

SESSION_COOKIE = "hantu_session"


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    brokers: BrokerDirectory | None = None,
    **runtime_options: Any,
) -> FastAPI:
    """Build the app; nothing connects until the lifespan starts it."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with start_runtime(
            settings, clock=clock, brokers=brokers, **runtime_options
        ) as runtime:
            app.state.web = runtime.state
            app.state.runtime = runtime
            yield

    app = FastAPI(
        title="hantu",
        summary=ko.API_SUMMARY,
        version="0.1.0",
        lifespan=lifespan,
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
        failed_orders,
        strategies,
        accounts,
        pages,
        notifications,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
