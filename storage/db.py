"""Connecting to the database and owning transactions.

`Database.open(url)` picks the backend by the URL's scheme: `sqlite:///path` (the embedded default, below) or
`postgresql://user@host:port/db` (storage/postgres.py). Both hand out the same Session over the same
repositories (storage/sqlite/*.py, which write SQL both understand; storage/dialect.py has the rest).

SQLite: One aiosqlite connection per process, in WAL mode with foreign keys
on; an asyncio lock serialises transactions on it, because SQLite has one writer at a time anyway and
interleaving two logical transactions on one connection would mix them. `BEGIN IMMEDIATE` takes the
write lock up front so that a second bot process waits (busy_timeout) instead of failing mid-way.

The caller owns the transaction: `async with db.transaction() as tx:` commits on success and rolls
back on any exception; repositories never commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.migrate import apply_migrations
from storage.session import Session


class UnsupportedDatabaseUrl(ValueError):
    """A database URL we cannot use. `key` and `values` name its text in the locales (db.…), for the command
    line to say in the operator's languages; str() is the English text, for logs."""

    def __init__(self, message: str, key: str, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def sqlite_path(url: str) -> str:
    """`sqlite:///data/x.db` → `data/x.db`; `sqlite:////abs/x.db` → `/abs/x.db`; `:memory:` kept."""
    if not url.startswith(SQLITE_PREFIX):
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise UnsupportedDatabaseUrl(
            f"database URL scheme {scheme!r} is not supported; use sqlite:///path/to/file.db or "
            "postgresql://user@host:port/database",
            "db.unsupported_scheme",
            scheme=scheme,
        )
    path = url[len(SQLITE_PREFIX) :]
    if not path:
        raise UnsupportedDatabaseUrl("the SQLite URL has no file path", "db.no_sqlite_path")
    return path


class Database(ABC):
    """A backend: migrations, transactions, and the after-erasure cleanup (`checkpoint`)."""

    dialect: str

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Database:
        if url.startswith(POSTGRES_SCHEMES):
            from storage.postgres import PostgresDatabase  # psycopg is imported only by those who use it

            return await PostgresDatabase.connect(url, migrate=migrate)
        return await SqliteDatabase.connect(url, migrate=migrate)

    @abstractmethod
    async def migrate(self) -> list[int]: ...

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Session]: ...

    @abstractmethod
    async def checkpoint(self) -> bool: ...

    @abstractmethod
    async def close(self) -> None: ...


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True) -> SqliteDatabase:
        path = sqlite_path(url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves instead of the sqlite3 module guessing.
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten values are zeroed on their page, not left in free space for a file reader
        # (the default differs between SQLite builds). See also `checkpoint`, for the old pages in the WAL.
        await conn.execute("PRAGMA secure_delete=ON")
        db = cls(conn)
        if migrate:
            await db.migrate()
        return db

    async def migrate(self) -> list[int]:
        async with self._lock:
            return await apply_migrations(self._conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        async with self._lock:
            begin = asyncio.ensure_future(self._conn.execute("BEGIN IMMEDIATE"))
            try:
                await asyncio.shield(begin)
            except asyncio.CancelledError:
                # aiosqlite runs the BEGIN in its thread whether or not we wait for it: a caller cancelled here
                # (a background loop stopped) must end that transaction before the lock lets the next one in.
                with contextlib.suppress(Exception):
                    await begin
                    await self._conn.execute("ROLLBACK")
                raise
            try:
                yield Session(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and truncate it, so that the page images written before an
        erasure (which still hold the erased values) leave the disk now, not at some later checkpoint.
        False when another process's reader kept it from completing (it then completes at a later one)."""
        async with self._lock, self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            row = await cursor.fetchone()
        return row is None or row[0] == 0

    async def close(self) -> None:
        await self._conn.close()
