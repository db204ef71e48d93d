"""The database handle, one engine per backend, plus migration commands.

PostgreSQL: an async engine (asyncpg). SQLite: a synchronous engine whose connections run
inline on the event loop (see `connection`: an async engine's greenlet hand-offs cost more
than SQLite's statements), in WAL mode with foreign keys on. Both are handed out behind the
same awaitable connection (`SqlConnection`).

SQLite write transactions start with `BEGIN IMMEDIATE` (two writers never deadlock upgrading
a read lock) and, inside one process, queue on an asyncio lock. A writer of another process
is waited for in asyncio sleeps between short SQLite busy waits, so the loop never stalls
behind it for long.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import QueuePool

from hantu.adapters.db.checkpointer import BACKSTOP_PAGES, WalCheckpointer
from hantu.adapters.db.connection import AdminConnection, KeptConnection, SyncBackedConnection
from hantu.adapters.db.migration_head import head_revision

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = "hantu.adapters.db:migrations"
_BEGIN_OPTION = "hantu_sqlite_begin"
_BEGIN_SQL = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}
_FIRST_PAUSE, _LONGEST_PAUSE = 0.005, 0.1
# How long a writer waits for another process's write lock in all. Units of work wait in
# short SQLite busy waits (each blocks the loop, SQLite runs inline) between asyncio sleeps,
# see `transaction`; several processes sharing one database is what PostgreSQL is for.
SQLITE_BUSY_TIMEOUT_MS = 5_000
LOOP_BUSY_TIMEOUT_MS = 50


class Database:
    """The process's database: `connect()`/`begin()` for administrative work, `open()` for
    units of work. On SQLite, readers and writers differ only in how they begin (DEFERRED
    or IMMEDIATE)."""

    def __init__(
        self, url: str, *, pool_size: int = 10, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    ) -> None:
        self.url = driver_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.busy_seconds = busy_timeout_ms / 1000
        self._engine: AsyncEngine | None = None
        self._inline: tuple[Engine, Engine] | None = None  # SQLite: (writer, reader)
        if self.is_sqlite:
            writer = _inline_engine(self.url.database or ":memory:")
            self._inline = (writer, writer.execution_options(**{_BEGIN_OPTION: "DEFERRED"}))
        else:
            # Units of work always end their transaction before returning the connection, so
            # the pool's own rollback-on-return would only be one more round trip.
            # (Imported here: the async engine pulls in the ORM, ~8 MB a SQLite process
            # never needs.)
            from sqlalchemy.ext.asyncio import create_async_engine

            self._engine = create_async_engine(
                self.url,
                pool_pre_ping=False,
                pool_reset_on_return=None,
                pool_size=pool_size,
                max_overflow=pool_size,
            )
        self.write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        self._checkpointer: WalCheckpointer | None = None
        self._kept: Connection | None = None  # SQLite: the writers' connection between uses
        self._disposed = False

    async def open(self, *, read_only: bool) -> AdminConnection:
        """A connection in a new transaction; the caller closes it (which rolls back what
        was not committed). On SQLite the caller holds `write_lock` for a writer."""
        if self._inline is not None:
            writer, reader = self._inline
            return await self._begin_inline(reader if read_only else writer, keep=not read_only)
        if self._engine is None:  # pragma: no cover - every Database has one or the other
            raise RuntimeError("database has no engine")
        connection = await self._engine.connect()
        try:
            await connection.begin()
        except BaseException:
            await connection.close()
            raise
        return connection

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AdminConnection]:
        """A reading connection; whatever it did is rolled back at the end."""
        connection = await self.open(read_only=True)
        try:
            yield connection
        finally:
            await connection.close()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AdminConnection]:
        """A writing connection, committed at the end unless the block raises."""
        async with _writing(self):
            connection = await self.open(read_only=False)
            try:
                yield connection
                await connection.commit()
            finally:
                await connection.close()

    async def _begin_inline(self, engine: Engine, *, keep: bool) -> AdminConnection:
        # While another process holds the write lock, wait in asyncio sleeps: SQLite's own
        # busy wait (kept short) would block the whole loop.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.busy_seconds
        pause = _FIRST_PAUSE
        while True:
            last_try = loop.time() + pause > deadline
            opened = self._writer_connection(engine) if keep else None
            connection = await _try_begin(engine, opened, give_up=last_try)
            if connection is not None:
                return connection
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    def _writer_connection(self, engine: Engine) -> KeptConnection:
        """The kept writer connection (the caller holds `write_lock`), or a new one."""
        connection, self._kept = self._kept, None
        return KeptConnection(connection or engine.connect(), self._keep_writer)

    def _keep_writer(self, connection: Connection) -> None:
        if self._kept is None and not self._disposed:
            self._kept = connection
        else:  # disposed meanwhile, or (never, under the write lock) one is kept already
            connection.close()

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
        self._disposed = True  # a writer still open closes its connection when it ends
        kept, self._kept = self._kept, None
        if kept is not None:
            kept.close()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._inline is not None:
            self._inline[0].dispose()  # the reader shares the writer's pool
        if self._engine is not None:
            await self._engine.dispose()


async def _try_begin(
    engine: Engine, opened: KeptConnection | None, *, give_up: bool
) -> AdminConnection | None:
    """A connection (`opened`, else a new one) in a new transaction, or None while the
    database is locked elsewhere (unless this is the last try: then "database is locked"
    is raised)."""
    connection: SyncBackedConnection | None = opened
    try:
        if connection is None:
            connection = SyncBackedConnection(engine.connect())  # a new one runs its PRAGMAs
        await connection.begin()
        return connection
    except BaseException as exc:
        if isinstance(connection, KeptConnection):
            await connection.discard()
        elif connection is not None:
            await connection.close()
        busy = isinstance(exc, sqlite3.OperationalError | OperationalError) and is_busy(exc)
        if give_up or not busy:
            raise
        return None


def driver_url(url: str) -> URL:
    """The URL as hantu opens it: `postgresql://` means asyncpg; a `sqlite://` URL (with any
    driver name, e.g. the `sqlite+aiosqlite://` of older settings) only names the file,
    which is opened with sqlite3 directly."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
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

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "synchronous=NORMAL",
            # Checkpoints run on a thread (`checkpointer`); a commit on the loop only takes
            # one over if that thread has fallen far behind.
            f"wal_autocheckpoint={BACKSTOP_PAGES}",
            # A busy wait blocks the loop: keep each one short (`_begin_inline` retries).
            f"busy_timeout={LOOP_BUSY_TIMEOUT_MS}",
        ):
            dbapi_connection.execute(f"PRAGMA {pragma}").close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        driver = connection.connection.driver_connection
        if isinstance(driver, sqlite3.Connection):
            # Straight to sqlite3: the SQLAlchemy statement path costs far more than BEGIN.
            driver.execute(_BEGIN_SQL[mode]).close()
        else:  # pragma: no cover - the creator above always opens sqlite3 connections
            connection.exec_driver_sql(_BEGIN_SQL[mode])

    return engine


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    from alembic.config import Config  # Alembic only when migrating (see `upgrade`)

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent); a database already at head is left
    as it is without importing Alembic."""
    db.ensure_directory()
    if revision == "head" and await _at_head(db):
        return
    async with db.begin() as connection:
        await connection.run_sync(_run_command, "upgrade", revision)


async def downgrade(db: Database, revision: str) -> None:
    """Revert migrations down to `revision` ("base" removes every table)."""
    async with db.begin() as connection:
        await connection.run_sync(_run_command, "downgrade", revision)


async def _at_head(db: Database) -> bool:
    head = head_revision()
    if head is None or db.file_missing():
        return False
    try:
        async with db.connect() as connection:
            rows = await connection.run_sync(
                lambda sync: sync.exec_driver_sql("SELECT version_num FROM alembic_version").all()
            )
    except DBAPIError:  # never migrated: no version table yet
        return False
    return [row[0] for row in rows] == [head]


async def current_revision(db: Database) -> str | None:
    """Return the revision the database is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext  # only when asked

    if db.file_missing():
        return None
    async with db.connect() as connection:
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
    from alembic import command  # only when migrating

    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, name)(config, revision)


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked": another connection holds the write lock."""
    original = getattr(exc, "orig", exc)  # SQLAlchemy wraps the driver's error
    if not isinstance(original, sqlite3.OperationalError):
        return False
    return bool(original.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY)
