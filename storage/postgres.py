"""PostgreSQL behind the same Database interface (chosen by `postgresql://user@host:port/db`).

psycopg 3 with psycopg_pool: its cursors have the DB-API shape the repositories already use (execute, fetchone,
fetchall, rowcount), so storage/pg_conn.py stays a thin adapter. Parameters are bound on the client side
(AsyncClientCursor): a value is quoted into the text as a literal whose type the server infers from where it
stands, as SQLite takes any value anywhere. Server-side binding would need a type for each `?` that has no
context, such as `? IS NULL`.

Each transaction takes its own pooled connection, so concurrent turns run in parallel (there is no
process-wide lock as with SQLite); row locks and the repositories' conditional updates (`... WHERE provider_id
IS NULL`) decide races, as they would between two processes on SQLite. Isolation is PostgreSQL's default,
READ COMMITTED.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage.db import Database, UnsupportedDatabaseUrl
from storage.migrate_pg import apply_migrations_pg
from storage.pg_conn import PgConnection, Row, row_factory
from storage.session import Session

log = logging.getLogger(__name__)

# Tables that hold a resident's personal data (storage/sqlite/privacy.py erases from them).
_PERSONAL_TABLES = (
    "users", "user_roles", "requests", "request_attachments", "request_history", "votes", "dialog_states", "outbox",
)  # fmt: skip
POOL_SIZE = 10  # connections per process: more concurrent turns than that wait for one to come free
CONNECT_TIMEOUT = 10.0  # seconds to wait for the first connection at start-up before saying why not


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, pool: AsyncConnectionPool[psycopg.AsyncConnection[Row]]) -> None:
        self._pool = pool

    @classmethod
    async def connect(
        cls, url: str, *, migrate: bool = True, pool_size: int = POOL_SIZE, connect_timeout: float = CONNECT_TIMEOUT
    ) -> PostgresDatabase:
        # Pool connections are in autocommit; `transaction()` opens each transaction explicitly.
        kwargs: dict[str, Any] = {
            "autocommit": True, "row_factory": row_factory, "cursor_factory": psycopg.AsyncClientCursor,
        }  # fmt: skip
        pool: AsyncConnectionPool[psycopg.AsyncConnection[Row]] = AsyncConnectionPool(
            url, min_size=1, max_size=pool_size, kwargs=kwargs, open=False, name="sanshe"
        )
        try:
            await pool.open(wait=True, timeout=connect_timeout)
        except (PoolTimeout, psycopg.Error) as exc:
            await pool.close()
            raise UnsupportedDatabaseUrl(
                f"cannot connect to PostgreSQL at {_safe(url)}", "db.cannot_connect", url=_safe(url)
            ) from exc
        db = cls(pool)
        if migrate:
            try:
                await db.migrate()
            except BaseException:
                await pool.close()
                raise
        return db

    async def migrate(self) -> list[int]:
        async with self._pool.connection() as conn:
            return await apply_migrations_pg(conn)  # type: ignore[arg-type]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        async with self._pool.connection() as conn, conn.transaction():
            yield Session(PgConnection(conn))  # type: ignore[arg-type]

    async def checkpoint(self) -> bool:
        """After an erasure: VACUUM the tables that held the erased values, so that their dead row versions
        are pruned from the table pages now rather than at some later autovacuum. Unlike SQLite's
        secure_delete, PostgreSQL does not zero freed space, and old WAL segments are recycled on its own
        schedule; an operator who needs more encrypts the disk (see README)."""
        try:
            async with self._pool.connection() as conn:
                await conn.execute(f"VACUUM {', '.join(_PERSONAL_TABLES)}")
        except psycopg.Error:
            log.exception("VACUUM after an erasure failed")
            return False
        return True

    async def close(self) -> None:
        await self._pool.close()


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    host, port, name = info.get("host", "localhost"), info.get("port", "5432"), info.get("dbname", "")
    return f"postgresql://{info.get('user', '')}@{host}:{port}/{name}"
