"""Korean texts of notification routing to linked chats and Slack (issue 9).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.notify_routing.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {}
