"""Logging set-up: one handler whose formatter masks secrets in every line, tracebacks included.

Masking the formatted line (not the message template) also catches secrets that arrive in
arguments, exception texts and third-party log records.
"""

from __future__ import annotations

import logging
import sys

from hantu.domain.masking import mask

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskingFormatter(logging.Formatter):
    """Formats as usual, then masks every secret-looking value in the result."""

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def configure_logging(level: str) -> logging.Handler:
    """Send hantu's and the libraries' logs to stderr through the masking formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter(FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # Access lines and per-request client chatter would drown the order log.
    # telegram: PTB logs every Bot API call with its parameters (message texts, link codes).
    for noisy in ("httpx", "httpcore", "uvicorn.access", "websockets", "telegram"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler
