"""Korean texts of live pages over Server-Sent Events (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.live.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {}
