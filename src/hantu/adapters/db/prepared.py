"""Hot statements that SQLite runs straight through sqlite3, compiled once by SQLAlchemy.

An exit order runs a few statements before its sell leaves (the sell check, the NEW order,
its event). Through SQLAlchemy's per-execution machinery (cache lookup, execution context,
parameter and result processing, events) each costs about 100 µs when the CPU's caches are
warm and 300-700 µs when they are not, as on a tick after a quiet spell: many times
sqlite3's own statement. A `Prepared` statement keeps SQLAlchemy as the author of the SQL
and of every type conversion (each bind and result processor is the column type's own for
the dialect) and skips only that machinery, on SQLite. PostgreSQL (an async driver whose
round trip dwarfs it) runs the same statement through SQLAlchemy as any other.

Only statements whose parameters all come from the caller or from literals qualify: a
column default that SQLAlchemy computes in Python at execution (`default=` on a column not
given) would be skipped here, so compiling one refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseElement, Dialect, Executable
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None
Params = Mapping[str, Any]


class Prepared:
    """A statement (or, per dialect name, a builder of one) run inline on SQLite."""

    def __init__(self, statement: Executable | Callable[[str], Executable]) -> None:
        self._statement = statement
        self._forms: dict[tuple[str, ...] | None, SqliteForm] = {}

    def statement(self, dialect_name: str) -> Executable:
        """The SQLAlchemy statement, for the dialect's ordinary execution."""
        if isinstance(self._statement, Executable):
            return self._statement
        return self._statement(dialect_name)

    def sqlite_form(self, dialect: Dialect, keys: tuple[str, ...] | None) -> SqliteForm:
        """The statement compiled for SQLite once per set of given column keys (an INSERT's
        columns are the keys of its row; a SELECT's parameters are named in it)."""
        form = self._forms.get(keys)
        if form is None:
            form = self._forms[keys] = SqliteForm.compile(self.statement("sqlite"), dialect, keys)
        return form


@dataclass(frozen=True, slots=True)
class SqliteForm:
    """SQL with `?` placeholders, what fills each one, and how each result column is read."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]

    @classmethod
    def compile(
        cls, statement: Executable, dialect: Dialect, keys: tuple[str, ...] | None
    ) -> SqliteForm:
        if not isinstance(statement, ClauseElement):
            raise TypeError("a prepared statement is a SQLAlchemy statement")
        column_keys = None if keys is None else list(keys)
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
            raise TypeError("a prepared statement needs SQLite's positional parameters")
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise TypeError("a prepared statement cannot run column defaults computed in Python")
        names = tuple(compiled.positiontup)
        given = set(keys or ())
        constants: dict[str, Any] = {}
        binds: list[Processor] = []
        for name in names:
            bind = compiled.binds[name]
            if name not in given and not bind.required:
                if bind.callable is not None:
                    raise TypeError(f"a prepared statement's parameter {name} is computed")
                constants[name] = bind.value
            binds.append(bind.type.dialect_impl(dialect).bind_processor(dialect))
        results: list[Processor] = []
        for column in getattr(statement, "selected_columns", ()):
            results.append(column.type.dialect_impl(dialect).result_processor(dialect, None))
        return cls(compiled.string, names, constants, tuple(binds), tuple(results))

    def positional(self, params: Params) -> list[Any]:
        """The placeholders' values in order, each converted as SQLAlchemy converts it."""
        values = []
        for name, process in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else self._constant(name)
            values.append(value if process is None else process(value))
        return values

    def _constant(self, name: str) -> Any:
        try:
            return self.constants[name]
        except KeyError:
            raise KeyError(f"prepared statement: no value for parameter {name!r}") from None

    def read(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """One result row with each column converted to its Python type."""
        return tuple(
            value if process is None else process(value)
            for process, value in zip(self.results, row, strict=True)
        )


def keys_of(params: Params | Sequence[Params]) -> tuple[str, ...]:
    """The column keys of an INSERT's row (the first row's, for several: all must match)."""
    first = params if isinstance(params, Mapping) else params[0]
    return tuple(first)
