"""Which command menu each provider's or staff member's chat was last given (handlers.menus)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.records import to_db_time


class SqliteCommandMenus:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fingerprint(self, chat_id: int) -> str | None:
        async with self._conn.execute("SELECT fingerprint FROM command_menus WHERE chat_id = ?", (chat_id,)) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def all(self) -> dict[int, str]:
        async with self._conn.execute("SELECT chat_id, fingerprint FROM command_menus") as cursor:
            return {int(row[0]): str(row[1]) for row in await cursor.fetchall()}

    async def save(self, chat_id: int, fingerprint: str, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO command_menus (chat_id, fingerprint, set_at) VALUES (?, ?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET fingerprint = excluded.fingerprint, set_at = excluded.set_at",
            (chat_id, fingerprint, to_db_time(now)),
        )

    async def forget(self, chat_id: int) -> None:
        await self._conn.execute("DELETE FROM command_menus WHERE chat_id = ?", (chat_id,))
