"""Invitations for providers."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.records import Invite, from_db_time, to_db_time


class SqliteInvites:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, invite: Invite, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO invites (code, kind, organization, community_id, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (invite.code, invite.kind, invite.organization, invite.community_id, invite.created_by,
             to_db_time(now), to_db_time(invite.expires_at)),
        )  # fmt: skip

    async def get(self, code: str) -> Invite | None:
        async with self._conn.execute(
            "SELECT code, kind, organization, community_id, created_by, expires_at, used_by FROM invites "
            "WHERE code = ?",
            (code,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return Invite(row[0], row[1], row[2], int(row[3]), int(row[4]), from_db_time(row[5]) or datetime.min, row[6])

    async def use(self, code: str, telegram_id: int, now: datetime) -> bool:
        """Single use: only the first redemption succeeds."""
        cursor = await self._conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_by IS NULL AND expires_at > ?",
            (telegram_id, to_db_time(now), code, to_db_time(now)),
        )
        return cursor.rowcount == 1
