"""Korean texts of PnL figures and the charts (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.pnl_page.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {}
