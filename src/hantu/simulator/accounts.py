"""Simulator accounts: credentials shaped as KIS issues them, with cash and holdings.

An app key is 36 characters and an app secret 180 (reference §1.1); an account number is
8 + 2 digits (`CANO` + `ACNT_PRDT_CD`); the HTS ID keys execution notices (§7.3).
Accounts can be declared in a small TOML or JSON file::

    [[accounts]]
    account = "50123456-01"      # required
    hts_id = "myhtsid"           # optional; derived from the account when absent
    app_key = "..."              # optional; 36 characters, derived when absent
    app_secret = "..."           # optional; 180 characters, derived when absent
    name = "홍길동"
    cash = "10000000"
    [accounts.holdings]
    "005930" = { qty = "10", avg_price = "70000" }

Values left out are derived deterministically from the account number, so a file with
only `account` still gives stable credentials across restarts.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hantu.domain.masking import mask_value

APP_KEY_LENGTH = 36
APP_SECRET_LENGTH = 180
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_SECRET_CHARS = _ALNUM + "+/"
_ACCOUNT = re.compile(r"^(\d{8})-?(\d{2})$")


@dataclass(slots=True)
class Holding:
    """Shares held in one symbol, and how many of them open sell orders have reserved."""

    qty: int
    avg_price: Decimal
    reserved: int = 0
    bought_today: int = 0
    sold_today: int = 0

    @property
    def sellable(self) -> int:
        return self.qty - self.reserved


@dataclass(slots=True)
class Account:
    """One simulated brokerage account with its credentials."""

    cano: str
    product_code: str
    hts_id: str
    app_key: str
    app_secret: str
    name: str = "홍길동"
    cash: Decimal = Decimal(0)
    reserved_cash: Decimal = Decimal(0)
    holdings: dict[str, Holding] = field(default_factory=dict)

    @property
    def number(self) -> str:
        """The account as KIS prints it, `12345678-01`."""
        return f"{self.cano}-{self.product_code}"

    @property
    def available_cash(self) -> Decimal:
        return self.cash - self.reserved_cash

    def __repr__(self) -> str:
        return f"Account({self.cano[:4]}***, hts_id={mask_value(self.hts_id, 2)})"


def _derive(seed: str, length: int, alphabet: str) -> str:
    out: list[str] = []
    counter = 0
    while len(out) < length:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out.extend(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return "".join(out[:length])


def derive_app_key(seed: str) -> str:
    """An app key that looks like KIS's (starts with `PS`, 36 characters)."""
    return "PS" + _derive(f"appkey:{seed}", APP_KEY_LENGTH - 2, _ALNUM)


def derive_app_secret(seed: str) -> str:
    """An app secret of KIS's length (180 characters)."""
    return _derive(f"appsecret:{seed}", APP_SECRET_LENGTH, _SECRET_CHARS)


def make_account(
    account: str,
    *,
    hts_id: str | None = None,
    app_key: str | None = None,
    app_secret: str | None = None,
    name: str = "홍길동",
    cash: Decimal = Decimal(0),
    holdings: dict[str, Holding] | None = None,
) -> Account:
    """Build an account, deriving any credential left out from the account number."""
    match = _ACCOUNT.fullmatch(account.strip())
    if match is None:
        raise ValueError("account must be 8+2 digits, e.g. 12345678-01")
    cano, product = match.group(1), match.group(2)
    seed = f"{cano}{product}"
    key = app_key if app_key is not None else derive_app_key(seed)
    secret = app_secret if app_secret is not None else derive_app_secret(seed)
    if len(key) != APP_KEY_LENGTH or len(secret) != APP_SECRET_LENGTH:
        raise ValueError(f"app key must be {APP_KEY_LENGTH} and secret {APP_SECRET_LENGTH} long")
    hts = hts_id if hts_id is not None else "sim" + _derive(f"hts:{seed}", 5, "abcdefgh0123456789")
    return Account(
        cano=cano,
        product_code=product,
        hts_id=hts,
        app_key=key,
        app_secret=secret,
        name=name,
        cash=cash,
        holdings=dict(holdings or {}),
    )


def demo_account(seed: int = 0) -> Account:
    """The demo account: deterministic credentials, ample cash and a few holdings."""
    digits = _derive(f"demo-account:{seed}", 6, "0123456789")
    return make_account(
        f"50{digits}-01",
        hts_id=f"hantudemo{seed}" if seed else "hantudemo",
        name="데모계좌",
        cash=Decimal(100_000_000),
        holdings={
            "005930": Holding(qty=100, avg_price=Decimal(70_000)),
            "000660": Holding(qty=20, avg_price=Decimal(180_000)),
            "035420": Holding(qty=30, avg_price=Decimal(200_000)),
        },
    )


def _holdings_from(raw: dict[str, Any]) -> dict[str, Holding]:
    result: dict[str, Holding] = {}
    for symbol, spec in raw.items():
        qty = int(str(spec["qty"]))
        result[str(symbol)] = Holding(qty=qty, avg_price=Decimal(str(spec.get("avg_price", 0))))
    return result


def _account_from(spec: dict[str, Any]) -> Account:
    return make_account(
        str(spec["account"]),
        hts_id=spec.get("hts_id"),
        app_key=spec.get("app_key"),
        app_secret=spec.get("app_secret"),
        name=str(spec.get("name", "홍길동")),
        cash=Decimal(str(spec.get("cash", 0))),
        holdings=_holdings_from(dict(spec.get("holdings", {}))),
    )


def load_accounts(path: Path) -> list[Account]:
    """Read declared accounts from a TOML or JSON file (see the module docstring)."""
    text = path.read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    specs = data.get("accounts")
    if not isinstance(specs, list) or not specs:
        raise ValueError(f"{path}: expected a non-empty [[accounts]] list")
    accounts = [_account_from(dict(spec)) for spec in specs]
    keys = [a.app_key for a in accounts]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{path}: two accounts share one app key")
    return accounts
