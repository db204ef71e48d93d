import pytest

from hantu.domain.errors import InvalidTransition
from hantu.domain.fsm import TransitionTable


def test_transition_table_illegal_edge_names_both_states() -> None:
    table = TransitionTable("lamp", {"OFF": {"ON"}, "ON": {"OFF"}})
    assert table.check("OFF", "ON") == "ON"
    with pytest.raises(InvalidTransition, match="lamp: ON -> ON"):
        table.check("ON", "ON")


def test_transition_table_unknown_source_allows_nothing() -> None:
    table = TransitionTable("lamp", {"OFF": {"ON"}})
    assert table.targets("BROKEN") == frozenset()
    assert not table.allows("BROKEN", "OFF")
