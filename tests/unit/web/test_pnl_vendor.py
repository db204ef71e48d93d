"""The vendored chart library: shipped with its license, and the one inline style it adds
(the TradingView attribution) is the one the Content Security Policy allows by hash."""

from __future__ import annotations

import base64
import hashlib
import re

from hantu.entrypoints.web.headers import CHART_ATTRIBUTION_STYLE, CSP
from hantu.entrypoints.web.templating import STATIC_DIR

VENDOR = STATIC_DIR / "vendor"


def test_vendor_chart_library_ships_with_license_and_notice() -> None:
    bundle = (VENDOR / "lightweight-charts.standalone.production.js").read_text()

    assert "Licensed under Apache License 2.0" in bundle[:400]
    assert "Apache License" in (VENDOR / "lightweight-charts.LICENSE").read_text()
    assert "TradingView" in (VENDOR / "lightweight-charts.NOTICE").read_text()


def test_vendor_chart_attribution_style_hash_is_allowed_by_the_csp() -> None:
    bundle = (VENDOR / "lightweight-charts.standalone.production.js").read_text()
    styles = re.findall(r'innerText="(a#tv-attr-logo[^"]*)"', bundle)

    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" == CHART_ATTRIBUTION_STYLE
    assert f"style-src 'self' {CHART_ATTRIBUTION_STYLE};" in CSP
