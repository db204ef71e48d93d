"""Long texts split into parts Telegram takes, counted in UTF-16 units as Telegram does."""

import re

from hypothesis import given
from hypothesis import strategies as st

from hantu.adapters.notify.telegram import split_text


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


LINES = st.lists(st.text(st.sampled_from("가나다ab 1💰"), max_size=40), max_size=60)


@given(LINES, st.integers(8, 50))
def test_split_text_parts_fit_and_keep_every_character(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)

    parts = split_text(text, limit)

    assert parts
    assert all(_units(part) <= limit for part in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)


def test_split_text_short_text_is_one_part_and_cuts_fall_on_line_ends() -> None:
    assert split_text("📉 손절 체결\n\n종목: 삼성전자") == ["📉 손절 체결\n\n종목: 삼성전자"]
    assert split_text("aaaa\nbbbb\ncccc", limit=10) == ["aaaa\nbbbb", "cccc"]
    assert split_text("💰💰💰", limit=4) == ["💰💰", "💰"]
