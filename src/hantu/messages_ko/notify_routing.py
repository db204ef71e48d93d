"""Korean texts of notification routing to linked chats and Slack (issue 9).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.notify_routing.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {}

NOTIFY_NO_CHAT: Final = (
    "받을 곳이 없어 보내지 못했습니다: 텔레그램 채팅을 연결하거나 관리자 채팅·Slack 채널을"
    " 설정하세요"
)
