"""Korean texts of positions, balance and the broker's holdings side by side (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.positions_page.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {}
