"""The head revision read from the migration files' text, without Alembic.

A process whose database is already at head (every start but the first after an upgrade)
then never imports Alembic, Mako and their templates (~10 MB that Python does not give
back once loaded). Anything unusual — a file whose revision is not found, several heads, a
merge — gives None, and the caller runs Alembic as before.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

VERSIONS = Path(__file__).parent / "migrations" / "versions"

_REVISION = re.compile(r"^revision(?:\s*:[^=]+)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(.+)$", re.MULTILINE)
_NAME = re.compile(r"[\"']([^\"']+)[\"']")


@lru_cache(maxsize=1)
def head_revision(versions: Path = VERSIONS) -> str | None:
    """The one revision no other revises, or None when that is not plain from the text."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        if path.name.startswith("__"):
            continue
        text = path.read_text(encoding="utf-8")
        found, down = _REVISION.findall(text), _DOWN.findall(text)
        if len(found) != 1 or len(down) != 1:
            return None
        revisions.add(found[0])
        parents.update(_NAME.findall(down[0]))
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None
