"""`hantu db upgrade` / `hantu db current` against a SQLite file under the data dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from hantu.adapters.db.engine import alembic_config
from hantu.entrypoints.cli import app

ROOT = Path(__file__).resolve().parents[3]


def test_db_upgrade_then_current_reports_the_head_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("HANTU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HANTU_DATABASE_URL", raising=False)
    runner = CliRunner()

    before = runner.invoke(app, ["db", "current"])
    created_by_current = (tmp_path / "data").exists()
    upgraded = runner.invoke(app, ["db", "upgrade"])
    after = runner.invoke(app, ["db", "current"])

    assert before.exit_code == 0, before.output
    assert "not migrated" in before.output
    assert not created_by_current
    assert upgraded.exit_code == 0, upgraded.output
    assert (tmp_path / "data" / "hantu.db").exists()
    assert after.exit_code == 0
    assert after.output.strip() in upgraded.output
    assert after.output.strip() != ""


def test_db_help_lists_upgrade_and_current() -> None:
    result = CliRunner().invoke(app, ["db", "--help"])

    assert result.exit_code == 0
    assert "upgrade" in result.output
    assert "current" in result.output


def test_alembic_on_its_own_migrates_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `alembic upgrade head` by hand, with the repository's alembic.ini: the same database
    # hantu would open (HANTU_DATA_DIR), its directory created as hantu would.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANTU_")}
    env["HANTU_DATA_DIR"] = str(tmp_path / "data")
    alembic = [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini")]

    upgraded = subprocess.run(  # noqa: S603 - alembic, from this venv
        [*alembic, "upgrade", "head"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HANTU_DATA_DIR", env["HANTU_DATA_DIR"])
    monkeypatch.delenv("HANTU_DATABASE_URL", raising=False)
    current = CliRunner().invoke(app, ["db", "current"])

    assert upgraded.returncode == 0, upgraded.stderr
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current.output.strip() == head
