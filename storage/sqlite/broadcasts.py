"""Announcements: who receives them, queuing one outbox row per recipient, and counting progress."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import Broadcast, BroadcastCounts, to_db_time

_AUDIENCE_ROLES = {
    "residents": ("resident",),
    "providers": ("social_worker", "volunteer", "org_member"),
    "both": ("resident", "social_worker", "volunteer", "org_member"),
}


class SqliteBroadcasts:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def recipients(self, community_id: int, audience: str, building: str | None = None) -> list[tuple[int, str]]:
        """Residents of the community (users.community_id; of one building if given) and/or providers serving
        it; never someone who blocked the bot, and no resident who muted announcements."""
        roles = _AUDIENCE_ROLES[audience]
        # One SELECT per kind of recipient, joined by UNION (which also drops a person found by both): an OR of
        # the two would make the planner read every user with any of the roles instead of one community's.
        parts: list[str] = []
        params: list[object] = []
        if "resident" in roles:
            parts.append(
                "SELECT u.telegram_id, u.locale FROM users u "
                "JOIN user_roles r ON r.telegram_id = u.telegram_id AND r.role = 'resident' "
                "WHERE u.community_id = ? AND u.blocked_at IS NULL AND u.announcements_muted = 0"
                + (" AND u.building = ?" if building is not None else "")
            )
            params += [community_id] + ([building] if building is not None else [])
        provider_roles = [role for role in roles if role != "resident"]
        if provider_roles:
            marks = ",".join("?" for _ in provider_roles)
            parts.append(
                "SELECT u.telegram_id, u.locale FROM provider_communities pc "
                "JOIN users u ON u.telegram_id = pc.telegram_id "
                "WHERE pc.community_id = ? AND u.blocked_at IS NULL AND EXISTS (SELECT 1 FROM user_roles r "
                f"WHERE r.telegram_id = u.telegram_id AND r.role IN ({marks}))"
            )
            params += [community_id, *provider_roles]
        async with self._conn.execute(" UNION ".join(parts) + " ORDER BY 1", params) as cursor:
            return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]

    async def buildings(self, community_id: int) -> list[tuple[str, int]]:
        """The buildings residents of the community gave, with how many would receive an announcement."""
        async with self._conn.execute(
            "SELECT u.building, COUNT(DISTINCT u.telegram_id) FROM users u "
            "JOIN user_roles r ON r.telegram_id = u.telegram_id AND r.role = 'resident' "
            "WHERE u.community_id = ? AND u.building IS NOT NULL AND u.blocked_at IS NULL "
            "AND u.announcements_muted = 0 GROUP BY u.building",
            (community_id,),
        ) as cursor:
            return [(str(row[0]), int(row[1])) for row in await cursor.fetchall()]

    async def create(
        self, community_id: int, created_by: int, text: str, audience: str, total: int, now: datetime,
        photo: str | None = None, building: str | None = None,
    ) -> int:  # fmt: skip
        async with self._conn.execute(
            "INSERT INTO broadcasts (community_id, created_by, text, audience, total, created_at, photo, building) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (community_id, created_by, text, audience, total, to_db_time(now), photo, building),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def queue(
        self, broadcast_id: int, chat_ids: Sequence[int], text: str, now: datetime,
        reply_markup: Mapping[str, Any] | None = None, photo: str | None = None,
    ) -> None:  # fmt: skip
        stamp = to_db_time(now)
        markup = json.dumps(reply_markup, ensure_ascii=False) if reply_markup else None
        await self._conn.executemany(
            "INSERT INTO outbox (chat_id, text, reply_markup, not_before, created_at, broadcast_id, photo) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(chat_id, text, markup, stamp, stamp, broadcast_id, photo) for chat_id in chat_ids],
        )

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        await self._conn.execute(
            "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?", (message_id, broadcast_id)
        )

    async def sending(self) -> Sequence[Broadcast]:
        async with self._conn.execute(
            "SELECT id, community_id, created_by, text, audience, status, total, progress_message_id, reported "
            "FROM broadcasts WHERE status = 'sending' ORDER BY id"
        ) as cursor:
            return [Broadcast(*row) for row in await cursor.fetchall()]

    async def counts(self, broadcast_id: int) -> BroadcastCounts:
        async with self._conn.execute(
            "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status", (broadcast_id,)
        ) as cursor:
            by_status = {row[0]: int(row[1]) for row in await cursor.fetchall()}
        return BroadcastCounts(
            by_status.get("pending", 0), by_status.get("sent", 0), by_status.get("failed", 0),
            by_status.get("blocked", 0),
        )  # fmt: skip

    async def reported(self, broadcast_id: int, count: int, done: bool) -> None:
        await self._conn.execute(
            "UPDATE broadcasts SET reported = ?, status = ? WHERE id = ?",
            (count, "done" if done else "sending", broadcast_id),
        )

    async def set_muted(self, telegram_id: int, muted: bool) -> None:
        await self._conn.execute(
            "UPDATE users SET announcements_muted = ? WHERE telegram_id = ?", (int(muted), telegram_id)
        )

    async def is_muted(self, telegram_id: int) -> bool:
        async with self._conn.execute(
            "SELECT announcements_muted FROM users WHERE telegram_id = ?", (telegram_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return bool(row and row[0])
