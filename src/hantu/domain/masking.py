"""One masking helper for logs and stored errors: secrets keep a short prefix, then `***`."""

from __future__ import annotations

import re

# Named secrets in JSON, headers, query strings or prose: key, then separator, then value.
_NAMED = re.compile(
    r"""(?ix)
    (?P<key>["']?(?:app_?key|app_?secret|secret_?key|appsecret|appkey|access_?token|token|
        approval_?key|authorization|password|passwd|api[_-]?key|api[_-]?secret|hashkey|
        cano|acnt_no|account(?:_?number|_?no)?|bot_?token|hts[_ ]?id)["']?)
    (?P<sep>\s*[:=]\s*["']?(?:Bearer\s+)?)
    (?P<value>[^\s"',&}]+)
    """
)
# Long opaque tokens (JWTs, KIS app keys/secrets) wherever they appear unlabelled.
_OPAQUE = re.compile(r"\b[A-Za-z0-9_\-+/=.]{32,}\b")
# Account numbers as KIS prints them: 8 digits, optional dash, 2 digits.
_ACCOUNT = re.compile(r"\b(\d{8})-?(\d{2})\b")

KEEP = 6
# Identifiers keep less than secrets: six of an account's eight digits, or of an HTS ID's
# few characters, would name the account. An account keeps what `_ACCOUNT` keeps.
_IDENTIFIER_KEEP = (("cano", 4), ("acnt", 4), ("account", 4), ("hts", 2))


def mask_value(value: str, keep: int = KEEP) -> str:
    """Keep the first characters of a secret so logs stay traceable, hide the rest."""
    if len(value) <= keep:
        return "***"
    return f"{value[:keep]}***"


def _masked_named(match: re.Match[str]) -> str:
    key = match["key"].lower()
    keep = next((n for word, n in _IDENTIFIER_KEEP if word in key), KEEP)
    return mask_value(match["value"], keep)


def mask(text: str) -> str:
    """Mask every secret-looking value in free text."""
    masked = _NAMED.sub(lambda m: f"{m['key']}{m['sep']}{_masked_named(m)}", text)
    masked = _OPAQUE.sub(lambda m: mask_value(m.group(0)), masked)
    return _ACCOUNT.sub(lambda m: f"{m.group(1)[:4]}***", masked)


def sanitize(text: str | None, limit: int) -> str | None:
    """Mask, then cut to `limit` characters (for stored broker errors)."""
    if text is None:
        return None
    masked = mask(text)
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"
