"""Received updates waiting for (or in) their turn: kept before Telegram is told, dropped once processed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from storage.records import QueuedUpdate, to_db_time


class SqliteUpdateQueue:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def keep(self, updates: Iterable[QueuedUpdate], now: datetime, owner: str, lease_until: datetime) -> None:
        """Store updates held by `owner`; one already stored (delivered twice) is left as it is."""
        stamp, until = to_db_time(now), to_db_time(lease_until)
        await self._conn.executemany(
            "INSERT INTO update_queue (update_id, chat_key, payload, received_at, owner, lease_until) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(u.update_id, u.chat_key, u.payload, stamp, owner, until) for u in updates],
        )

    async def adopt(
        self, now: datetime, owner: str, lease_until: datetime, limit: int, *, also_held: bool = False
    ) -> Sequence[QueuedUpdate]:
        """Take over stored updates whose holder's lease ran out (`also_held`: every stored update, for the
        only consumer after a restart) and return them in the order Telegram numbered them."""
        stamp, until = to_db_time(now), to_db_time(lease_until)
        if also_held:
            sql = (
                "UPDATE update_queue SET owner = ?, lease_until = ? WHERE update_id IN ("
                "SELECT update_id FROM update_queue ORDER BY update_id LIMIT ?) RETURNING update_id, chat_key, payload"
            )
            params: tuple[object, ...] = (owner, until, limit)
        else:  # the lease is checked again outside the subquery: PostgreSQL re-checks it if two workers race
            sql = (
                "UPDATE update_queue SET owner = ?, lease_until = ? WHERE update_id IN ("
                "SELECT update_id FROM update_queue WHERE lease_until <= ? ORDER BY update_id LIMIT ?) "
                "AND lease_until <= ? RETURNING update_id, chat_key, payload"
            )
            params = (owner, until, stamp, limit, stamp)
        async with self._conn.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        return sorted((QueuedUpdate(row[0], row[1], row[2]) for row in rows), key=lambda u: u.update_id)

    async def renew(self, owner: str, lease_until: datetime) -> None:
        await self._conn.execute(
            "UPDATE update_queue SET lease_until = ? WHERE owner = ?", (to_db_time(lease_until), owner)
        )

    async def chat_busy_elsewhere(self, chat_key: int, update_id: int, owner: str, now: datetime) -> bool:
        """Whether this chat's turn must wait for another worker: an earlier update of the chat is stored and not
        processed yet, or a reply to the chat is still being sent by another process (claimed, lease alive), so
        that the chat's replies arrive in the order of its updates."""
        async with self._conn.execute(
            "SELECT 1 FROM update_queue q WHERE q.chat_key = ? AND q.update_id < ? "
            "AND NOT EXISTS (SELECT 1 FROM processed_updates p WHERE p.update_id = q.update_id) "
            "UNION ALL SELECT 1 FROM outbox o WHERE o.chat_id = ? AND o.status = 'pending' "
            "AND o.lease_owner IS NOT NULL AND o.lease_owner <> ? AND o.lease_until > ? LIMIT 1",
            (chat_key, update_id, chat_key, owner, to_db_time(now)),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def drop(self, update_ids: Sequence[int]) -> None:
        if update_ids:
            marks = ", ".join("?" for _ in update_ids)
            await self._conn.execute(f"DELETE FROM update_queue WHERE update_id IN ({marks})", tuple(update_ids))
