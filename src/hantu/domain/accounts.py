"""Users, broker accounts, strategies and the accounts a strategy trades (pure).

Ownership chain: user → strategy → strategy account → order / failed order. Every lookup a
front end makes walks this chain, so another user's object is simply not found.

Webhook tokens: a strategy's token is random (256 bits), shown to its owner, and looked up
by its SHA-256 digest; the digest is compared with `hmac.compare_digest` so the comparison
takes the same time whatever the input. Only the digest is indexed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NewType

from hantu.domain.errors import DomainError, InvalidValue
from hantu.domain.risk import RiskLimits
from hantu.domain.values import StrategyAccountId

UserId = NewType("UserId", int)
StrategyId = NewType("StrategyId", int)
BrokerAccountId = NewType("BrokerAccountId", int)

TOKEN_PREFIX = "whk_"  # noqa: S105 - a public prefix, not a secret
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")
_ACCOUNT = re.compile(r"^\d{8}-?\d{2}$")
_HTS_ID = re.compile(r"^[A-Za-z0-9_]{1,16}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
MAX_NAME = 64
ENVIRONMENTS = ("REAL", "PAPER", "SIMULATOR")


def check_username(username: str) -> str:
    """Refuse usernames that could be confused in URLs, logs or the UI."""
    if not _USERNAME.fullmatch(username):
        raise InvalidValue(
            "username must be 3-32 letters, digits, '.', '_' or '-'", rule="username"
        )
    return username


def check_password(password: str) -> str:
    """Refuse passwords too short to resist guessing (or too long to hash cheaply)."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidValue(
            f"password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters",
            rule="password_length",
            low=MIN_PASSWORD,
            high=MAX_PASSWORD,
        )
    return password


def check_name(name: str, what: str = "name") -> str:
    """Trim a display name and require 1..64 printable characters."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME or not cleaned.isprintable():
        raise InvalidValue(
            f"{what} must be 1-{MAX_NAME} printable characters", rule="name", high=MAX_NAME
        )
    return cleaned


def normalize_account_number(raw: str) -> str:
    """KIS account numbers are 8+2 digits; store them as `12345678-01`."""
    value = raw.strip()
    if not _ACCOUNT.fullmatch(value):
        raise InvalidValue(
            "account number must be 8+2 digits, e.g. 12345678-01", rule="account_number"
        )
    digits = value.replace("-", "")
    return f"{digits[:8]}-{digits[8:]}"


def check_environment(raw: str) -> str:
    """Accept REAL, PAPER or SIMULATOR in any case."""
    value = raw.strip().upper()
    if value not in ENVIRONMENTS:
        raise InvalidValue(
            f"environment must be one of {', '.join(ENVIRONMENTS)}",
            rule="environment",
            allowed="/".join(ENVIRONMENTS),
        )
    return value


def check_hts_id(raw: str) -> str:
    """An HTS ID keys the execution-notice subscription (KIS H0STCNI0/9)."""
    value = raw.strip()
    if not _HTS_ID.fullmatch(value):
        raise InvalidValue("HTS ID must be 1-16 letters, digits or '_'", rule="hts_id")
    return value


def new_webhook_token() -> str:
    """Draw a fresh webhook token (256 random bits, URL-safe)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def mask_token(token: str) -> str:
    """Enough of a token to recognise it on screen: `whk_AbCd••••••••wXyZ`."""
    body = token.removeprefix(TOKEN_PREFIX)
    if len(body) < 12:
        return "•" * 8
    return f"{token[: len(TOKEN_PREFIX) + 4]}{'•' * 8}{body[-4:]}"


def check_limit_money(raw: object, what: str) -> Decimal | None:
    """A won amount for a risk limit: empty means "the default", else a positive whole number."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip().replace(",", "")
    if not text.isdigit() or int(text) <= 0 or len(text) > 15:
        raise InvalidValue(f"{what} must be a positive whole number of won", rule="limit_money")
    return Decimal(text)


def check_limit_count(raw: object) -> int | None:
    """A position count for a risk limit: empty means "the default", else 1..1000."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        raise InvalidValue("max open positions must be 1-1000", rule="limit_count")
    return int(text)


def token_digest(token: str) -> str:
    """The only form of a token that is indexed: its SHA-256 hex digest."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(token: str, digest: str) -> bool:
    """Compare a presented token with a stored digest in constant time."""
    return hmac.compare_digest(token_digest(token), digest)


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    username: str
    password_hash: str
    created_at: datetime
    is_demo: bool = False


@dataclass(frozen=True, slots=True)
class BrokerCredentials:
    """What a KIS adapter needs; lives decrypted only in memory, never in logs."""

    environment: str
    app_key: str
    app_secret: str
    account_number: str
    hts_id: str

    def __repr__(self) -> str:
        return f"BrokerCredentials(environment={self.environment!r}, <secrets hidden>)"


@dataclass(frozen=True, slots=True)
class BrokerAccount:
    """A user's KIS account as the UI may show it: secrets only as masked hints."""

    id: BrokerAccountId
    user_id: UserId
    name: str
    environment: str
    account_hint: str
    created_at: datetime
    deactivated_at: datetime | None = None
    """Set: no new order goes through this account (kept for history)."""

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


@dataclass(frozen=True, slots=True)
class Strategy:
    id: StrategyId
    user_id: UserId
    name: str
    created_at: datetime
    adopt_broker_holdings: bool = False
    """A sell above the position may adopt shares the broker holds but hantu did not buy."""
    limits: RiskLimits = field(default_factory=RiskLimits)
    """The strategy's own risk limits; a `None` field falls back to the environment's."""
    deleted_at: datetime | None = None
    """Set: deleted (soft): its token no longer works, its orders stay."""
    mode: str = "AUTO"
    """AUTO: a signal orders at once; ALERT: it waits for the owner's approval."""
    alert_expiry_minutes: int = 5
    alert_tolerance_pct: Decimal = Decimal("1")
    """ALERT mode: approval refused (asked again) when the price moved more than this %."""


@dataclass(frozen=True, slots=True)
class StrategyAccount:
    """The link through which a strategy's signals reach one broker account."""

    id: StrategyAccountId
    strategy_id: StrategyId
    broker_account_id: BrokerAccountId
    created_at: datetime


def account_hint(account_number: str) -> str:
    """Show enough of an account number to recognise it: `1234****-01`."""
    digits = account_number.replace("-", "")
    return f"{digits[:4]}****-{digits[8:]}"


class NameTaken(DomainError):
    """A username, strategy name or link already exists; `what` says which."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(what)


@dataclass(frozen=True, slots=True)
class EncryptedCredentials:
    """Broker credentials as stored: every secret Fernet-encrypted."""

    environment: str
    app_key_enc: str
    app_secret_enc: str
    account_number_enc: str
    hts_id_enc: str


@dataclass(frozen=True, slots=True)
class StrategyAccountView:
    """A strategy account with the names a person recognises."""

    id: StrategyAccountId
    strategy_id: StrategyId
    strategy_name: str
    broker_account_id: BrokerAccountId
    broker_account_name: str
    account_hint: str
