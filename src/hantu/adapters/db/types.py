"""Column types that keep money exact and times in UTC on both SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import NUMERIC, DateTime, Dialect, Insert, String, Table
from sqlalchemy.types import TypeDecorator, TypeEngine


class ExactDecimal(TypeDecorator[Decimal]):
    """A `Decimal` stored exactly: NUMERIC on PostgreSQL, canonical text on SQLite.

    SQLite's NUMERIC affinity rounds through a float (and SQLAlchemy warns about it), so the
    value is kept as its decimal string there instead.
    """

    impl = String(64)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(NUMERIC(asdecimal=True))
        return dialect.type_descriptor(String(64))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError(f"ExactDecimal takes a finite Decimal, got {value!r}")
        if dialect.name == "postgresql":
            return Decimal(value)
        return str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return canonical(value if isinstance(value, Decimal) else Decimal(str(value)))


def canonical(value: Decimal) -> Decimal:
    """One spelling per number: asyncpg may hand back 70000 as `7E+4`; show it as `70000`."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC (naive UTC text on SQLite, timestamptz on PG)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused for storage: {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def insert_ignoring_conflicts(table: Table) -> ConflictFreeInsert:
    """`INSERT ... ON CONFLICT DO NOTHING` for `table`, by dialect name."""
    return ConflictFreeInsert(table)


class ConflictFreeInsert:
    """One table's `INSERT ... ON CONFLICT DO NOTHING`, built per dialect on first use.

    Built lazily so that a process imports only the dialect its engine already loaded: the
    PostgreSQL dialect costs a SQLite process about 2 MB resident for nothing.
    """

    def __init__(self, table: Table) -> None:
        self._table = table
        self._built: dict[str, Insert] = {}

    def __getitem__(self, dialect: str) -> Insert:
        query = self._built.get(dialect)
        if query is None:
            query = self._built[dialect] = _BUILDERS[dialect](self._table)
        return query


def _postgresql(table: Table) -> Insert:
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table).on_conflict_do_nothing()


def _sqlite(table: Table) -> Insert:
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing()


_BUILDERS = {"postgresql": _postgresql, "sqlite": _sqlite}
