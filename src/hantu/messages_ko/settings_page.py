"""Korean texts of accounts, strategies, risk limits, settings and the TradingView guide.

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.settings_page.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {}
