"""The head read from the migration files' text agrees with Alembic, and a database already
there is left alone without loading Alembic, while one behind is still migrated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from hantu.adapters.db.engine import Database, alembic_config, current_revision, downgrade
from hantu.adapters.db.engine import upgrade as upgrade_db
from hantu.adapters.db.migration_head import head_revision

ROOT = Path(__file__).resolve().parents[3]

UPGRADE = """
import asyncio, sys
from hantu.adapters.db.engine import Database, upgrade
async def main():
    db = Database(sys.argv[1])
    await upgrade(db)
    await db.dispose()
    print("alembic" in sys.modules)
asyncio.run(main())
"""


def test_head_from_the_text_is_alembics_head() -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head_revision() == head


def test_a_file_without_a_plain_revision_gives_no_head(tmp_path: Path) -> None:
    (tmp_path / "0001_a.py").write_text('revision = "0001_a"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('REVISION = "0002_b"\ndown_revision = "0001_a"\n')
    assert head_revision.__wrapped__(tmp_path) is None
    (tmp_path / "0002_b.py").write_text('revision = "0002_b"\ndown_revision = "0001_a"\n')
    assert head_revision.__wrapped__(tmp_path) == "0002_b"


async def test_a_database_at_head_is_not_migrated_through_alembic(empty_database_url: str) -> None:
    def run() -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", UPGRADE, empty_database_url],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        return done.stdout.strip()

    assert run() == "True"  # the first start migrates
    assert run() == "False"  # the next one finds it at head


async def test_a_database_behind_head_is_still_upgraded(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        await upgrade_db(db)
        await downgrade(db, "-1")
        await upgrade_db(db)
        revision = await current_revision(db)
    finally:
        await db.dispose()
    assert revision == head_revision()
