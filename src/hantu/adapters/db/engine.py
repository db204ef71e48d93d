"""The database handle: an async engine set up per backend, plus migration commands.

SQLite runs in WAL mode with a busy timeout and foreign keys on, called inline on the event
loop. Units of work reach it through a synchronous engine (see `connection`: the async
layer's greenlet hand-offs cost more than the statements); migrations and administrative
reads through the async engine, also inline (see `sqlite_inline`). Write transactions
start with `BEGIN IMMEDIATE` (so two writers never deadlock upgrading a read lock) and,
inside one process, queue on an asyncio lock instead of spinning in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool

from hantu.adapters.db.checkpointer import BACKSTOP_PAGES, WalCheckpointer
from hantu.adapters.db.sqlite_inline import InlineConnection, inline_creator

MIGRATIONS = "hantu.adapters.db:migrations"
_BEGIN_OPTION = "hantu_sqlite_begin"
_BEGIN_SQL = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}
# How long a writer waits for another process's write lock in all. Units of work wait in
# short SQLite busy waits (each blocks the loop, SQLite runs inline) between asyncio sleeps,
# see `transaction`; several processes sharing one database is what PostgreSQL is for.
SQLITE_BUSY_TIMEOUT_MS = 5_000
LOOP_BUSY_TIMEOUT_MS = 50


class Database:
    """One engine per process; `writer`/`reader` differ only in how SQLite begins."""

    def __init__(
        self, url: str, *, pool_size: int = 10, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    ) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.busy_seconds = busy_timeout_ms / 1000
        # Units of work always end their transaction before returning the connection, so the
        # pool's own rollback-on-return would only be one more round trip per use case.
        options: dict[str, Any] = {"pool_pre_ping": False, "pool_reset_on_return": None}
        if self.is_sqlite:
            database = self.url.database or ":memory:"
            options["async_creator"] = inline_creator(
                database, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS
            )
        else:
            options.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        self.reader: AsyncEngine = self.engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
        # SQLite: units of work use a synchronous engine on the same file (see `connection`);
        # the async one serves migrations and the odd administrative read.
        self.inline: Engine | None = None
        self.inline_reader: Engine | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine.sync_engine)
            self.inline = _inline_engine(self.url.database or ":memory:")
            self.inline_reader = self.inline.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
        self.write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        self._checkpointer: WalCheckpointer | None = None

    def checkpoint_in_background(self) -> None:
        """SQLite file: move WAL checkpoints off the event loop (see `checkpointer`)."""
        database = self.url.database
        if self.is_sqlite and database and database != ":memory:" and not self._checkpointer:
            self._checkpointer = WalCheckpointer(database)
            self._checkpointer.start()

    def file_missing(self) -> bool:
        """True for a SQLite file that does not exist yet (nothing to read, nothing migrated)."""
        database = self.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return False
        return not Path(database).expanduser().exists()

    def ensure_directory(self) -> None:
        """Create the SQLite file's directory (the data dir) if it is missing."""
        database = self.url.database
        if self.is_sqlite and database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self.inline is not None:
            self.inline.dispose()
        await self.engine.dispose()


def async_url(url: str) -> URL:
    """The URL with hantu's async driver: `postgresql://` means asyncpg, `sqlite://` aiosqlite."""
    parsed = make_url(url)
    drivers = {"postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}
    backend = parsed.get_backend_name()
    if backend in drivers and parsed.drivername != drivers[backend]:
        return parsed.set(drivername=drivers[backend])
    return parsed


def _inline_engine(database: str) -> Engine:
    def connect() -> sqlite3.Connection:
        # isolation_level=None: the "begin" hook below emits BEGIN itself.
        return sqlite3.connect(
            database,
            timeout=LOOP_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,  # pool clean-up may run from another thread
        )

    # No overflow limit: a checkout that had to wait would block the event loop itself.
    engine = create_engine(
        "sqlite+pysqlite://",
        creator=connect,
        poolclass=QueuePool,  # the URL names no file (the creator does): say which pool
        pool_size=5,
        max_overflow=-1,
        pool_reset_on_return=None,
        pool_pre_ping=False,
    )
    _configure_sqlite(engine)

    @event.listens_for(engine, "connect")
    def _on_the_loop(dbapi_connection: Any, _record: Any) -> None:
        # Checkpoints run on a thread (`checkpointer`); a commit on the loop only takes one
        # over if that thread has fallen far behind.
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}").close()
        # A busy wait blocks the loop: keep each one short (the unit of work retries).
        dbapi_connection.execute(f"PRAGMA busy_timeout={LOOP_BUSY_TIMEOUT_MS}").close()

    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The connection is opened in autocommit mode (isolation_level=None, see
        # sqlite_inline) so that the "begin" hook below emits BEGIN itself.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        driver = connection.connection.driver_connection
        # Straight to sqlite3: the SQLAlchemy statement path costs far more than BEGIN.
        if isinstance(driver, InlineConnection):
            driver.execute_now(_BEGIN_SQL[mode])
        elif isinstance(driver, sqlite3.Connection):
            driver.execute(_BEGIN_SQL[mode]).close()
        else:  # pragma: no cover - SQLite here is always opened by one of the creators above
            connection.exec_driver_sql(_BEGIN_SQL[mode])


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent)."""
    db.ensure_directory()
    async with _writing(db), db.engine.begin() as connection:
        await connection.run_sync(_run_command, "upgrade", revision)


async def downgrade(db: Database, revision: str) -> None:
    """Revert migrations down to `revision` ("base" removes every table)."""
    async with _writing(db), db.engine.begin() as connection:
        await connection.run_sync(_run_command, "downgrade", revision)


async def current_revision(db: Database) -> str | None:
    """Return the revision the database is at (None when never migrated)."""
    if db.file_missing():
        return None
    async with db.reader.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


@asynccontextmanager
async def _writing(db: Database) -> AsyncIterator[None]:
    if db.write_lock is None:
        yield
        return
    async with db.write_lock:
        yield


def _run_command(connection: Connection, name: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, name)(config, revision)


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked": another connection holds the write lock."""
    original = getattr(exc, "orig", exc)  # SQLAlchemy wraps the driver's error
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)
