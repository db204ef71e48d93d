"""The pure parts of the bot: codes, the link's admission rule, command parsing, settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.config import load_settings
from hantu.domain.accounts import UserId
from hantu.domain.telegram import TelegramLink, link_code_digest, new_link_code
from hantu.errors import ConfigError
from hantu.service_layer.telegram_commands import parse_command

LINK = TelegramLink(UserId(1), chat_id=-100123, telegram_user_id=55, linked_at=datetime.now(UTC))


def test_link_code_is_eight_unambiguous_characters_and_fresh_each_time() -> None:
    codes = {new_link_code() for _ in range(50)}

    assert len(codes) == 50
    assert all(len(code) == 8 and not set(code) & set("01OIL") for code in codes)


@given(st.text(alphabet="abcdefghjkmnpqrstuvwxyz23456789", min_size=1, max_size=12))
def test_link_code_digest_ignores_case_and_surrounding_space(code: str) -> None:
    assert link_code_digest(f"  {code} ") == link_code_digest(code.upper())


@pytest.mark.parametrize(
    ("chat_id", "from_id", "admitted"),
    [(-100123, 55, True), (-100123, 56, False), (-100124, 55, False), (-100123, None, False)],
)
def test_link_admits_only_the_linked_person_in_the_linked_chat(
    chat_id: int, from_id: int | None, admitted: bool
) -> None:
    assert LINK.admits(chat_id, from_id) is admitted


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/start ABCD2345", ("start", "ABCD2345")),
        ("/Status@hantu_test_bot", ("status", "")),
        ("  /pnl  ", ("pnl", "")),
        ("hello", None),
        ("/", None),
    ],
)
def test_parse_command_strips_the_bot_name_and_splits_arguments(
    text: str, parsed: tuple[str, str] | None
) -> None:
    assert parse_command(text) == parsed


def test_settings_refuse_a_webhook_secret_telegram_would_reject() -> None:
    with pytest.raises(ConfigError, match="HANTU_TELEGRAM_WEBHOOK_SECRET"):
        load_settings(_env_file=None, telegram_webhook_secret="has spaces!")


def test_settings_use_the_webhook_only_behind_https() -> None:
    https = load_settings(_env_file=None, public_url="https://hantu.example.com")
    plain = load_settings(_env_file=None, public_url="http://192.168.0.10:8000")

    assert (https.telegram_webhook_mode, plain.telegram_webhook_mode) == (True, False)
