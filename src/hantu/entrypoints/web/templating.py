"""Jinja2 templates (autoescaped) with the Korean labels and the CSRF token in reach."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from hantu.entrypoints.web.csrf import csrf_token
from hantu.messages_ko import UI_TEXT, format_shares, format_won
from hantu.messages_ko.conventions import environment_label, order_type_label
from hantu.service_layer.symbol_names import symbol_label

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def make_templates() -> Jinja2Templates:
    """Build the template environment; `.html` templates escape every value.

    Amounts reach the templates as full-precision `Decimal`s; only the `won` and `shares`
    filters round, by the one rule in `messages_ko` (half-up to a whole won or share).
    """
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["won"] = format_won
    templates.env.filters["shares"] = format_shares
    templates.env.filters["symbol_label"] = symbol_label  # {{ code | symbol_label(names) }}
    templates.env.filters["order_type_label"] = order_type_label  # LIMIT -> its Korean label
    templates.env.filters["environment_label"] = environment_label  # PAPER -> its Korean label
    templates.env.filters["mark_current"] = mark_current  # base.html's <nav>
    return templates


_NAV_LINK = re.compile(r'<a href="(/[^"]*)"')


def mark_current(html: str, path: str) -> Markup:
    """Mark the nav link of the page being shown (`aria-current="page"`), so every link a
    page adds to base.html's <nav> is covered without knowing about it."""

    def mark(match: re.Match[str]) -> str:
        href = match.group(1)
        current = path == href or (href != "/" and path.startswith(href.rstrip("/") + "/"))
        return f'{match.group(0)} aria-current="page"' if current else match.group(0)

    return Markup(_NAV_LINK.sub(mark, str(html)))  # noqa: S704 - only adds a fixed attribute


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render a page with the labels, the CSRF token and the signed-in user."""
    templates: Jinja2Templates = request.app.state.templates
    values: dict[str, Any] = {"t": UI_TEXT, "csrf_token": csrf_token(request)}
    values.update(context or {})
    return templates.TemplateResponse(request, name, values, status_code=status_code)
