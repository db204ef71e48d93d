"""Every table hantu stores, on the one `MetaData`.

Each `tables_*` module adds its tables to `tables.metadata` when imported; what needs the
whole schema (the migrations' autogenerate target, the check that migrations build it)
imports `metadata` from here rather than naming every module itself.
"""

from __future__ import annotations

from hantu.adapters.db import (  # noqa: F401 - imported for the tables they add
    tables_accounts,
    tables_alerts,
    tables_exit_rules,
    tables_pnl,
    tables_symbols,
    tables_telegram,
)
from hantu.adapters.db.tables import metadata

__all__ = ["metadata"]
