"""Korean texts of the orders page, order history, fills, CSV and cancel (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.orders_page.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {}
