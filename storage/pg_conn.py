"""A thin adapter that gives a psycopg connection the small aiosqlite surface the repositories use.

The repositories (storage/sqlite/*.py) are shared by both backends. They write `?` placeholders and use
`conn.execute(sql, params)` both awaited (→ cursor: fetchone, fetchall, rowcount) and as `async with`, plus
`executemany`; rows are read by position and by column name, and turned into dicts (`dict(row)`). This module
offers exactly that over psycopg 3, and nothing else, so a repository cannot tell the backends apart except by
`conn.dialect` (storage/dialect.py).
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterable, Sequence
from types import TracebackType
from typing import Any

import psycopg
from psycopg.rows import RowMaker

Params = Sequence[Any] | None


class Row(tuple[Any, ...]):
    """A result row, indexable by position and by column name, like sqlite3.Row (the first column of a name wins)."""

    _index: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def row_factory(cursor: psycopg.AsyncCursor[Any] | psycopg.Cursor[Any]) -> RowMaker[Row]:
    index: dict[str, int] = {}
    for position, column in enumerate(cursor.description or ()):
        index.setdefault(column.name, position)

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row._index = index
        return row

    return make


@functools.lru_cache(maxsize=2048)
def to_pyformat(sql: str) -> str:
    """`?` → `%s` outside quotes, comments and dollar-quoted bodies; every literal `%` → `%%`.

    psycopg looks for `%` everywhere in the text (it does not parse SQL), so a `%` inside a string literal must
    be doubled as well; a `?` inside a literal ('a?') is data and stays."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":  # a string or a quoted identifier; a doubled quote inside it is part of it
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "$" and (tag_end := sql.find("$", i + 1)) > 0 and _is_dollar_tag(sql[i + 1 : tag_end]):
            tag = sql[i : tag_end + 1]
            end = sql.find(tag, tag_end + 1)
            end = n if end < 0 else end + len(tag)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _is_dollar_tag(tag: str) -> bool:
    return tag == "" or (tag.replace("_", "a").isalnum() and not tag[0].isdigit())


class Cursor:
    """What a repository reads after a statement: its rows and how many rows it changed."""

    def __init__(self, cursor: psycopg.AsyncCursor[Row]) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> Row | None:
        return await self._cursor.fetchone()

    async def fetchall(self) -> list[Row]:
        return await self._cursor.fetchall()

    async def close(self) -> None:
        await self._cursor.close()


class _Executing:
    """`await conn.execute(...)` and `async with conn.execute(...) as cursor`, as aiosqlite allows both."""

    def __init__(self, conn: PgConnection, sql: str, params: Params) -> None:
        self._conn, self._sql, self._params = conn, sql, params
        self._cursor: Cursor | None = None

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._conn._run(self._sql, self._params).__await__()

    async def __aenter__(self) -> Cursor:
        self._cursor = await self._conn._run(self._sql, self._params)
        return self._cursor

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class PgConnection:
    """One pooled psycopg connection inside one transaction, spoken to like an aiosqlite connection."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.AsyncConnection[Row]) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Params = None) -> _Executing:
        return _Executing(self, sql, params)

    async def _run(self, sql: str, params: Params) -> Cursor:
        cursor = self.raw.cursor()
        # Without parameters psycopg leaves `%` alone, so the text goes as it is (and may hold several statements).
        if params:
            await cursor.execute(to_pyformat(sql), tuple(params))
        else:
            await cursor.execute(sql)
        return Cursor(cursor)

    async def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(params) for params in seq_of_params]
        if rows:
            async with self.raw.cursor() as cursor:
                await cursor.executemany(to_pyformat(sql), rows)
