"""The durable outbox and the record of processed updates."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import OutboxMessage, to_db_time


class SqliteOutbox:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def enqueue(self, chat_id: int, text: str, reply_markup: Mapping[str, Any] | None, now: datetime) -> int:
        markup = json.dumps(reply_markup, ensure_ascii=False) if reply_markup else None
        async with self._conn.execute(
            "INSERT INTO outbox (chat_id, text, reply_markup, not_before, created_at) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id",
            (chat_id, text, markup, to_db_time(now), to_db_time(now)),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        # A message never overtakes an older one of the same chat that was postponed (retry_after): the
        # sender keeps per-chat order in memory, and this keeps it across a restart too.
        stamp = to_db_time(now)
        async with self._conn.execute(
            "SELECT id, chat_id, text, reply_markup, attempts, photo FROM outbox o "
            "WHERE status = 'pending' AND not_before <= ? AND NOT EXISTS (SELECT 1 FROM outbox p "
            "WHERE p.chat_id = o.chat_id AND p.status = 'pending' AND p.id < o.id AND p.not_before > ?) "
            "ORDER BY id LIMIT ?",
            (stamp, stamp, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            OutboxMessage(row[0], row[1], row[2], json.loads(row[3]) if row[3] else None, row[4], row[5])
            for row in rows
        ]

    async def mark_sent(self, outbox_id: int, message_id: int | None, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?",
            (to_db_time(now), message_id, outbox_id),
        )

    async def postpone(self, outbox_id: int, not_before: datetime, error: str) -> None:
        await self._conn.execute(
            "UPDATE outbox SET not_before = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
            (to_db_time(not_before), error, outbox_id),
        )

    async def give_up(self, outbox_id: int, status: str, error: str) -> None:
        """status: 'blocked' (the person blocked the bot) or 'failed' (Telegram refused the message)."""
        await self._conn.execute(
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
            (status, error, outbox_id),
        )

    async def pending_count(self) -> int:
        async with self._conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def forget_updates_before(self, cutoff: datetime) -> None:
        await self._conn.execute("DELETE FROM processed_updates WHERE processed_at < ?", (to_db_time(cutoff),))

    async def first_time_seen(self, update_id: int, now: datetime) -> bool:
        """Record an update id; False when it was processed before (Telegram delivered it twice)."""
        async with self._conn.execute(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?) ON CONFLICT DO NOTHING "
            "RETURNING update_id",
            (update_id, to_db_time(now)),
        ) as cursor:
            return await cursor.fetchone() is not None
