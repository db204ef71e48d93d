"""Korean texts of symbol names, order-type and environment labels, accessibility, phones.

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.conventions.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {}
