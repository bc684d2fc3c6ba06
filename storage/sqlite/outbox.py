"""The durable outbox and the record of processed updates."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.dialect import one_at_a_time
from storage.records import OutboxMessage, Reply, to_db_time


def _message(row: Any) -> OutboxMessage:
    markup = json.loads(row[3]) if row[3] else None
    return OutboxMessage(row[0], row[1], row[2], markup, row[4], row[5], edit_message_id=row[6], edit_outbox_id=row[7])


class SqliteOutbox:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def enqueue(self, chat_id: int, text: str, reply_markup: Mapping[str, Any] | None, now: datetime) -> int:
        return await self.enqueue_reply(Reply(chat_id, text, dict(reply_markup) if reply_markup else None), now)

    async def claim_due(self, now: datetime, limit: int, owner: str, lease_until: datetime) -> Sequence[OutboxMessage]:
        """Claim up to `limit` due rows for `owner` until `lease_until` and return them in id order.

        A row leased by anyone (this process included) is not due: it is in someone's hands. A message never
        overtakes an older pending one of its chat that is postponed (retry_after) or in another process's
        hands, so per-chat order holds across a restart and across processes. An edit of another row
        (`edit_outbox_id`) is due once that row is no longer pending, and comes back with the message id that
        row was sent as (None when it never was)."""
        stamp, until = to_db_time(now), to_db_time(lease_until)
        await one_at_a_time(self._conn, "outbox claim")  # two senders must not pick the same rows (PostgreSQL)
        async with self._conn.execute(
            "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id IN ("
            "SELECT id FROM outbox o WHERE status = 'pending' AND not_before <= ? "
            "AND (lease_until IS NULL OR lease_until <= ?) "
            "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_id = o.chat_id AND p.status = 'pending' "
            "AND p.id < o.id AND (p.not_before > ? OR (p.lease_until > ? AND p.lease_owner <> ?))) "
            "AND NOT EXISTS (SELECT 1 FROM outbox t WHERE t.id = o.edit_outbox_id AND t.status = 'pending') "
            "ORDER BY id LIMIT ?) "
            # Again outside the subquery: PostgreSQL re-checks only this WHERE on a row another transaction
            # changed meanwhile (a push withdrawn by edit_when_sent, a row another sender claimed).
            "AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?) "
            "RETURNING id, chat_id, text, reply_markup, attempts, photo, "
            "COALESCE(edit_message_id, (SELECT t.message_id FROM outbox t WHERE t.id = outbox.edit_outbox_id)), "
            "edit_outbox_id",
            (owner, until, stamp, stamp, stamp, stamp, owner, limit, stamp),
        ) as cursor:
            rows = await cursor.fetchall()
        return sorted((_message(row) for row in rows), key=lambda m: m.id)

    async def renew_leases(self, owner: str, lease_until: datetime) -> None:
        """The owner is alive: keep its claims (rows queued in memory, in flight, or waiting for a retry)."""
        await self._conn.execute(
            "UPDATE outbox SET lease_until = ? WHERE lease_owner = ? AND status = 'pending'",
            (to_db_time(lease_until), owner),
        )

    async def release(self, outbox_id: int, not_before: datetime | None = None) -> None:
        """Hand a claimed row back to whichever sender looks next (a reply the turn could not send)."""
        await self._conn.execute(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL, not_before = COALESCE(?, not_before) "
            "WHERE id = ? AND status = 'pending'",
            (to_db_time(not_before), outbox_id),
        )

    async def enqueue_reply(self, reply: Reply, now: datetime) -> int:
        """A message (or an edit) for the sender, unclaimed."""
        return await self._insert(reply, now, None, None)

    async def edit_when_sent(self, outbox_id: int, chat_id: int, text: str, now: datetime) -> bool:
        """Rewrite the message row `outbox_id` will become, when it has no Telegram message id yet. A row no
        sender holds yet is given up instead (nobody needs a push that is already out of date); a row in a
        sender's hands gets an edit that waits for it to be sent. False when there is nothing to rewrite."""
        cursor = await self._conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = 'withdrawn before it was sent' "
            "WHERE id = ? AND status = 'pending' AND lease_owner IS NULL",
            (outbox_id,),
        )
        if cursor.rowcount == 1:
            return False
        async with self._conn.execute("SELECT status FROM outbox WHERE id = ?", (outbox_id,)) as found:
            row = await found.fetchone()
        if row is None or row[0] != "pending":
            return False  # refused or blocked: no message to rewrite
        await self._conn.execute(
            "INSERT INTO outbox (chat_id, text, edit_outbox_id, not_before, created_at) VALUES (?, ?, ?, ?, ?)",
            (chat_id, text, outbox_id, to_db_time(now), to_db_time(now)),
        )
        return True

    async def release_all(self, owner: str) -> None:
        await self._conn.execute(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND status = 'pending'",
            (owner,),
        )

    async def add_reply(self, reply: Reply, owner: str, lease_until: datetime, now: datetime) -> int:
        """A direct reply of a turn, claimed by the turn's process, which sends it right after the commit."""
        return await self._insert(reply, now, owner, lease_until)

    async def _insert(self, reply: Reply, now: datetime, owner: str | None, lease_until: datetime | None) -> int:
        markup = json.dumps(reply.reply_markup, ensure_ascii=False) if reply.reply_markup else None
        async with self._conn.execute(
            "INSERT INTO outbox (chat_id, text, reply_markup, edit_message_id, not_before, created_at, "
            "lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (reply.chat_id, reply.text, markup, reply.edit_message_id, to_db_time(now), to_db_time(now),
             owner, to_db_time(lease_until)),
        ) as cursor:  # fmt: skip
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

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

    # Pruning (bot/periodic.py's Pruner): a batch at a time, so that no transaction holds the write lock for long.

    async def prune_sent(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` rows created before `before` that are done with (sent, refused or blocked),
        oldest first; how many went. Kept: every pending row, the push of an offer still open (its message is
        edited when the offer closes) and the copies of an announcement still being sent (its progress counts
        them). An answered offer keeps its answer and loses only the link to the deleted row."""
        async with self._conn.execute(
            "SELECT o.id FROM outbox o WHERE o.status <> 'pending' AND o.created_at < ? "
            "AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.outbox_id = o.id AND f.answer IS NULL) "
            "AND NOT EXISTS (SELECT 1 FROM broadcasts b WHERE b.id = o.broadcast_id AND b.status = 'sending') "
            "ORDER BY o.created_at LIMIT ?",
            (to_db_time(before), limit),
        ) as cursor:
            ids = [int(row[0]) for row in await cursor.fetchall()]
        if not ids:
            return 0
        marks = ",".join("?" for _ in ids)
        await self._conn.execute(f"UPDATE offers SET outbox_id = NULL WHERE outbox_id IN ({marks})", ids)
        await self._conn.execute(f"DELETE FROM outbox WHERE id IN ({marks})", ids)
        return len(ids)

    async def prune_updates(self, before: datetime, limit: int) -> int:
        """Forget up to `limit` update ids processed before `before`, oldest first; how many went."""
        cursor = await self._conn.execute(
            "DELETE FROM processed_updates WHERE update_id IN (SELECT update_id FROM processed_updates "
            "WHERE processed_at < ? ORDER BY processed_at LIMIT ?)",
            (to_db_time(before), limit),
        )
        return max(cursor.rowcount, 0)

    async def first_time_seen(self, update_id: int, now: datetime) -> bool:
        """Record an update id; False when it was processed before (Telegram delivered it twice)."""
        async with self._conn.execute(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?) ON CONFLICT DO NOTHING "
            "RETURNING update_id",
            (update_id, to_db_time(now)),
        ) as cursor:
            return await cursor.fetchone() is not None
