"""Errors the use cases raise on top of the domain's (drawn in `hantu.errors`)."""

from __future__ import annotations

from hantu.domain.errors import DomainError


class OrderNotCancelable(DomainError):
    """Only an order live at the broker (SENT or PARTIAL) can be canceled."""
