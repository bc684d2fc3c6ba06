"""Street offices (街道/区 staff): the set of communities each one steers (migration 0022)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.records import to_db_time


class SqliteStreetOffices:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add_communities(self, telegram_id: int, community_ids: Sequence[int], now: datetime) -> None:
        for community_id in community_ids:
            await self._conn.execute(
                "INSERT INTO street_communities (telegram_id, community_id, granted_at) VALUES (?, ?, ?) "
                "ON CONFLICT(telegram_id, community_id) DO NOTHING",
                (telegram_id, community_id, to_db_time(now)),
            )

    async def remove_communities(self, telegram_id: int, community_ids: Sequence[int]) -> None:
        for community_id in community_ids:
            await self._conn.execute(
                "DELETE FROM street_communities WHERE telegram_id = ? AND community_id = ?", (telegram_id, community_id)
            )

    async def communities(self, telegram_id: int) -> list[int]:
        """The communities this person steers as a street office (empty for anyone else)."""
        async with self._conn.execute(
            "SELECT s.community_id FROM street_communities s JOIN user_roles r "
            "ON r.telegram_id = s.telegram_id AND r.role = 'street' WHERE s.telegram_id = ? ORDER BY s.community_id",
            (telegram_id,),
        ) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

    async def offices_over(self, community_id: int) -> list[int]:
        """The street offices that steer `community_id` (people who blocked us left out)."""
        async with self._conn.execute(
            "SELECT s.telegram_id FROM street_communities s JOIN user_roles r "
            "ON r.telegram_id = s.telegram_id AND r.role = 'street' JOIN users u ON u.telegram_id = s.telegram_id "
            "WHERE s.community_id = ? AND u.blocked_at IS NULL ORDER BY s.telegram_id",
            (community_id,),
        ) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]
