"""Korean texts of live pages over Server-Sent Events (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.live.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {
    "live_disconnected": "실시간 연결 끊김 — 다시 연결 중",
    "live_resynced": "실시간 연결이 복구되어 화면을 새로 고쳤습니다",
}
