"""Communities (社区)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.records import Community, to_db_time


def _community(row: aiosqlite.Row) -> Community:
    return Community(id=row["id"], name=row["name"], district=row["district"])


class SqliteCommunities:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, name: str, now: datetime, district: str | None = None) -> Community:
        await self._conn.execute(
            "INSERT INTO communities (name, district, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING",
            (name, district, to_db_time(now)),
        )
        found = await self.by_name(name)
        assert found is not None
        return found

    async def get(self, community_id: int) -> Community | None:
        async with self._conn.execute(
            "SELECT id, name, district FROM communities WHERE id = ?", (community_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _community(row) if row else None

    async def by_name(self, name: str) -> Community | None:
        async with self._conn.execute("SELECT id, name, district FROM communities WHERE name = ?", (name,)) as cursor:
            row = await cursor.fetchone()
        return _community(row) if row else None

    async def list_all(self) -> Sequence[Community]:
        async with self._conn.execute("SELECT id, name, district FROM communities ORDER BY name") as cursor:
            return [_community(row) for row in await cursor.fetchall()]
