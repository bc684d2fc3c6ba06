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

    async def with_staff(self) -> Sequence[Community]:
        """Communities with at least one staff member (someone to answer a provider's ask), by name: one
        query, where asking with_role per community would be one per community (hundreds in a city)."""
        async with self._conn.execute(
            "SELECT c.id, c.name, c.district FROM communities c WHERE EXISTS (SELECT 1 FROM user_roles r "
            "JOIN users u ON u.telegram_id = r.telegram_id WHERE r.role = 'staff' AND r.community_id = c.id "
            "AND u.blocked_at IS NULL) ORDER BY c.name"
        ) as cursor:
            return [_community(row) for row in await cursor.fetchall()]
