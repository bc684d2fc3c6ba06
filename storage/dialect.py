"""The few SQL fragments that differ between SQLite and PostgreSQL, for the repositories both backends share.

Everything else in storage/sqlite/*.py is written in SQL both understand. A repository asks its connection
which dialect it speaks (`dialect_of(conn)`): the PostgreSQL adapter says "postgresql"; an aiosqlite connection
has no such attribute and is SQLite. Each helper returns, for SQLite, exactly the SQL the repository used before.
"""

from __future__ import annotations

from typing import Any, Literal

Dialect = Literal["sqlite", "postgresql"]


def dialect_of(conn: object) -> Dialect:
    return "postgresql" if getattr(conn, "dialect", "sqlite") == "postgresql" else "sqlite"


def minutes_between(dialect: Dialect, start: str, end: str) -> str:
    """Minutes from `start` to `end`, two ISO-8601 TEXT columns (storage.records.to_db_time)."""
    if dialect == "postgresql":
        return f"(EXTRACT(EPOCH FROM (CAST({end} AS timestamptz) - CAST({start} AS timestamptz))) / 60)"
    return f"((julianday({end}) - julianday({start})) * 1440)"


def contains(dialect: Dialect, haystack: str, needle: str) -> str:
    """A condition: the text `needle` occurs in `haystack` (no wildcards)."""
    if dialect == "postgresql":
        return f"strpos({haystack}, {needle}) > 0"
    return f"instr({haystack}, {needle}) > 0"


def smaller(dialect: Dialect, first: str, second: str) -> str:
    """The smaller of two non-NULL values (SQLite's two-argument MIN is an aggregate in PostgreSQL)."""
    if dialect == "postgresql":
        return f"LEAST({first}, {second})"
    return f"MIN({first}, {second})"


async def one_at_a_time(conn: Any, name: str) -> None:
    """Until the transaction ends, no other transaction passes this point for the same `name`.

    On SQLite every write transaction already holds the one write lock (BEGIN IMMEDIATE), so this is a no-op.
    PostgreSQL runs transactions side by side, where a read-then-write (count the references, then insert the
    next one; pick the due outbox rows, then lease them) could see the same rows in two transactions; a
    transaction-level advisory lock keyed on `name` makes them take turns, each seeing what the last committed."""
    if dialect_of(conn) == "postgresql":
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (name,))
