"""The codes of communities' poster links (core.joining)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.records import to_db_time


class SqliteCommunityCodes:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def code_of(self, community_id: int) -> str | None:
        async with self._conn.execute(
            "SELECT code FROM community_codes WHERE community_id = ?", (community_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def community_of(self, code: str) -> int | None:
        async with self._conn.execute("SELECT community_id FROM community_codes WHERE code = ?", (code,)) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def add(self, community_id: int, code: str, now: datetime) -> bool:
        """False when the community has a code already or the code is taken (nothing is changed then)."""
        cursor = await self._conn.execute(
            "INSERT INTO community_codes (community_id, code, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (community_id, code, to_db_time(now)),
        )
        return cursor.rowcount == 1
