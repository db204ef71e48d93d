"""The API docs (`/docs`, Swagger UI) served with its scripts from hantu itself.

FastAPI's own page loads Swagger UI from a CDN, so on a host without internet `/docs` is
blank. `fastapi-offline` ships the same assets; we serve them under `/static-docs` and
build the page with FastAPI's helper pointed there. No `/redoc`: ReDoc fetches its logo
from cdn.redoc.ly whatever it is told, and nothing on a page may come from another host.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS_URL = "/static-docs"
_ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Serve the docs assets and `/docs`; the app must be built with `docs_url=None`."""
    app.mount(ASSETS_URL, StaticFiles(directory=str(_ASSETS_DIR)), name="static-docs")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}/static/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None},
        )
