"""Connecting to the database and owning transactions.

SQLite is the embedded default. One aiosqlite connection per process, in WAL mode with foreign keys
on; an asyncio lock serialises transactions on it, because SQLite has one writer at a time anyway and
interleaving two logical transactions on one connection would mix them. `BEGIN IMMEDIATE` takes the
write lock up front so that a second bot process waits (busy_timeout) instead of failing mid-way.

The caller owns the transaction: `async with db.transaction() as tx:` commits on success and rolls
back on any exception; repositories never commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.migrate import apply_migrations
from storage.session import Session


class UnsupportedDatabaseUrl(ValueError):
    pass


def sqlite_path(url: str) -> str:
    """`sqlite:///data/x.db` → `data/x.db`; `sqlite:////abs/x.db` → `/abs/x.db`; `:memory:` kept."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise UnsupportedDatabaseUrl(
            f"database URL scheme {scheme!r} is not supported yet; use sqlite:///path/to/file.db"
        )
    path = url[len(prefix) :]
    if not path:
        raise UnsupportedDatabaseUrl("the SQLite URL has no file path")
    return path


class Database:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Database:
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
            await self._conn.execute("BEGIN IMMEDIATE")
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
