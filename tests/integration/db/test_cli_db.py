"""`hantu db upgrade` / `hantu db current` against a SQLite file under the data dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hantu.entrypoints.cli import app


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
