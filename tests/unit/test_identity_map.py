"""The repositories' identity map (pure): one object per key, only moved ones written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hantu.adapters.db.identity_map import IdentityMap


@dataclass
class Box:
    size: int


def _values(box: Box) -> dict[str, Any]:
    return {"size": box.size}


def test_identity_map_same_key_hands_out_the_same_object() -> None:
    seen: IdentityMap[int, Box] = IdentityMap(_values)
    first = seen.remember(1, Box(3))

    assert seen.get(1) is first
    assert seen.get(2) is None


def test_identity_map_changed_lists_only_moved_aggregates_until_remembered_again() -> None:
    seen: IdentityMap[str, Box] = IdentityMap(_values)
    moved, still = seen.remember("a", Box(1)), seen.remember("b", Box(1))
    moved.size = 2

    assert seen.changed() == [("a", moved, {"size": 1}, {"size": 2})]
    seen.remember("a", moved, {"size": 2})
    assert seen.changed() == []
    assert list(seen) == [moved, still]


def test_identity_map_stored_values_override_the_current_ones() -> None:
    seen: IdentityMap[int, Box] = IdentityMap(_values)
    box = seen.remember(1, Box(5), {"size": 4})

    assert seen.changed() == [(1, box, {"size": 4}, {"size": 5})]
