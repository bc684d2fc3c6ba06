"""A PostgreSQL database for one test session, reset to a known state before each test.

The session creates one fresh database (sanshe_test_<pid>_<random>) on the server named by
SANSHE_TEST_POSTGRES_URL and drops it at the end. A test gets it in one of a few saved states ("snapshots":
just migrated, or migrated and seeded with the sample city), restored by one round trip: empty every table,
copy the snapshot's rows back, restart the identity columns after them. That takes a few milliseconds, where a
database per test (CREATE DATABASE … TEMPLATE) costs most of a second to drop, as DROP DATABASE forces a
checkpoint.

No server, or one that refuses us, fails the tests that need it: they are not skipped.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg import sql

from storage.db import Database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("SANSHE_TEST_POSTGRES_URL") or DEFAULT_URL


def _run(coro: Awaitable[None]) -> None:
    """Run async set-up from synchronous code, also while a test's event loop is running in this thread."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


class SessionDatabase:
    def __init__(self, admin: str = "") -> None:
        self.admin = admin or admin_url()
        self.name = f"sanshe_test_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(self.admin, autocommit=True, connect_timeout=10) as conn:
            # C collation: text sorts by code point, as in SQLite (Chinese names, ISO times).
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'").format(
                    sql.Identifier(self.name)
                )
            )
        info = psycopg.conninfo.conninfo_to_dict(self.admin)
        info["dbname"] = self.name
        self.url = _as_url(info)
        self._snapshots: dict[str, str] = {}  # name → the SQL that restores it
        self._conn = psycopg.connect(self.url, autocommit=True)
        _run(self._migrate())
        self.snapshot("migrated")

    async def _migrate(self) -> None:
        db = await Database.open(self.url)
        await db.close()

    def _tables(self) -> list[str]:
        rows = self._conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name"
        ).fetchall()
        return [str(row[0]) for row in rows]

    def snapshot(self, name: str, fill: Callable[[Database], Awaitable[None]] | None = None) -> None:
        """Save the current rows (after `fill`, run on a freshly restored "migrated" state) as `name`."""
        if name in self._snapshots:
            return
        if fill is not None:
            self.restore("migrated")

            async def run() -> None:
                db = await Database.open(self.url)
                try:
                    await fill(db)
                finally:
                    await db.close()

            _run(run())
        schema = sql.Identifier(f"snapshot_{name}")
        self._conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
        tables = self._tables()
        # As replica, foreign keys and triggers (request_history's append-only ones) are not checked: the rows go
        # and come back as they were. DELETE, not TRUNCATE: TRUNCATE's commit waits for new files (~0.6 s).
        restore = [sql.SQL("SET session_replication_role = replica")]
        restore += [sql.SQL("DELETE FROM {}").format(sql.Identifier(table)) for table in tables]
        for table in tables:
            self._conn.execute(
                sql.SQL("CREATE TABLE {}.{} AS TABLE {}").format(schema, sql.Identifier(table), sql.Identifier(table))
            )
            count = self._conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table))).fetchone()
            if count and count[0]:
                restore.append(
                    sql.SQL("INSERT INTO {} SELECT * FROM {}.{}").format(
                        sql.Identifier(table), schema, sql.Identifier(table)
                    )
                )
        restore.append(sql.SQL("SET session_replication_role = DEFAULT"))
        for table, column in self._identity_columns():
            top = self._conn.execute(
                sql.SQL("SELECT COALESCE(MAX({}), 0) FROM {}").format(sql.Identifier(column), sql.Identifier(table))
            ).fetchone()
            start = int(top[0]) + 1 if top else 1
            restore.append(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} RESTART WITH {}").format(
                    sql.Identifier(table), sql.Identifier(column), sql.Literal(start)
                )
            )
        self._snapshots[name] = "; ".join(part.as_string(self._conn) for part in restore)

    def _identity_columns(self) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND is_identity = 'YES' ORDER BY table_name"
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def restore(self, name: str) -> None:
        # A connection left open by an earlier test would make TRUNCATE wait for ever: fail instead.
        self._conn.execute("SET lock_timeout = '10s'")
        self._conn.execute(self._snapshots[name])  # type: ignore[arg-type]  # several statements, no parameters

    def drop(self) -> None:
        self._conn.close()
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


def _as_url(info: dict[str, object]) -> str:
    """A postgresql:// URL (what SANSHE_DATABASE_URL takes) for these connection parameters."""
    user = info.get("user") or ""
    password = f":{info['password']}" if info.get("password") else ""
    host = info.get("host") or "127.0.0.1"
    port = info.get("port") or "5432"
    return f"postgresql://{user}{password}{'@' if user else ''}{host}:{port}/{info['dbname']}"
