"""Simulator accounts: KIS-shaped credentials and the accounts file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from hantu.simulator.accounts import demo_account, load_accounts, make_account


def test_demo_account_credentials_shaped_as_kis() -> None:
    account = demo_account()
    assert len(account.app_key) == 36
    assert len(account.app_secret) == 180
    assert len(account.cano) == 8
    assert account.cano.isdigit()
    assert account.product_code == "01"
    assert account.hts_id


def test_demo_account_same_seed_same_credentials() -> None:
    assert demo_account(3).app_key == demo_account(3).app_key
    assert demo_account(3).app_key != demo_account(4).app_key


def test_make_account_bad_number_raises() -> None:
    with pytest.raises(ValueError, match="8\\+2"):
        make_account("1234-01")


def test_make_account_short_app_key_raises() -> None:
    with pytest.raises(ValueError, match="36"):
        make_account("12345678-01", app_key="short")


def test_account_repr_hides_credentials() -> None:
    account = demo_account()
    assert account.app_key not in repr(account)
    assert account.cano not in repr(account)


def test_load_accounts_toml_declares_cash_and_holdings(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(
        """
[[accounts]]
account = "11112222-01"
hts_id = "alice"
cash = "5000000"
[accounts.holdings]
"005930" = { qty = "10", avg_price = "70000" }

[[accounts]]
account = "33334444-01"
""",
        encoding="utf-8",
    )
    first, second = load_accounts(path)
    assert (first.cano, first.hts_id, first.cash) == ("11112222", "alice", Decimal(5_000_000))
    assert first.holdings["005930"].qty == 10
    assert second.app_key != first.app_key
    assert load_accounts(path)[1].app_key == second.app_key  # derived, stable


def test_load_accounts_json(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"accounts": [{"account": "5555666601", "cash": 1000}]}))
    (account,) = load_accounts(path)
    assert account.number == "55556666-01"
    assert account.cash == Decimal(1000)


def test_load_accounts_empty_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="accounts"):
        load_accounts(path)
