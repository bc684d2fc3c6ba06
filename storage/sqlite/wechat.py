"""The WeChat channel's records: who is who, the 48-hour windows, messages received, choices offered, messages
held, and the shared access_token (see migration 0021)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.dialect import one_at_a_time
from storage.records import WECHAT_ID_BASE, WeChatPerson, from_db_time, to_db_time

# Updates made from WeChat messages are numbered from here, above any Telegram update id.
WECHAT_UPDATE_BASE = 1 << 53


def _person(row: Any) -> WeChatPerson:
    return WeChatPerson(
        person_id=WECHAT_ID_BASE + int(row[0]), account=row[1], external_id=row[2],
        last_inbound_at=from_db_time(row[3]), window_sends=int(row[4]), notified_at=from_db_time(row[5]),
        welcome_code=row[6], welcome_until=from_db_time(row[7]),
    )  # fmt: skip


class SqliteWeChat:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # -- people and their windows ---------------------------------------------------------------------------

    async def person_for(self, account: str, external_id: str, now: datetime) -> WeChatPerson:
        """The person who writes to `account` as `external_id`, recorded the first time they appear."""
        await self._conn.execute(
            "INSERT INTO wechat_people (account, external_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (account, external_id) DO NOTHING",
            (account, external_id, to_db_time(now)),
        )
        async with self._conn.execute(
            "SELECT id, account, external_id, last_inbound_at, window_sends, notified_at, welcome_code, welcome_until "
            "FROM wechat_people "
            "WHERE account = ? AND external_id = ?",
            (account, external_id),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return _person(row)

    async def person(self, person_id: int) -> WeChatPerson | None:
        async with self._conn.execute(
            "SELECT id, account, external_id, last_inbound_at, window_sends, notified_at, welcome_code, welcome_until "
            "FROM wechat_people "
            "WHERE id = ?",
            (person_id - WECHAT_ID_BASE,),
        ) as cursor:
            row = await cursor.fetchone()
        return _person(row) if row else None

    async def wrote(self, person_id: int, at: datetime) -> None:
        """They wrote: a new window opens, with its full quota."""
        await self._conn.execute(
            "UPDATE wechat_people SET last_inbound_at = ?, window_sends = 0, notified_at = NULL WHERE id = ?",
            (to_db_time(at), person_id - WECHAT_ID_BASE),
        )

    async def count_send(self, person_id: int, sends: int = 1) -> None:
        """`sends` more messages sent in their window (-1: one counted that did not go after all)."""
        await self._conn.execute(
            "UPDATE wechat_people SET window_sends = CASE WHEN window_sends + ? < 0 THEN 0 "
            "ELSE window_sends + ? END WHERE id = ?",
            (sends, sends, person_id - WECHAT_ID_BASE),
        )

    async def welcome(self, person_id: int, code: str | None, until: datetime | None) -> None:
        """They opened the chat (code: the event's welcome_code), or the one welcome message went (None)."""
        await self._conn.execute(
            "UPDATE wechat_people SET welcome_code = ?, welcome_until = ? WHERE id = ?",
            (code, to_db_time(until), person_id - WECHAT_ID_BASE),
        )

    async def mark_notified(self, person_id: int, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE wechat_people SET notified_at = ? WHERE id = ?", (to_db_time(at), person_id - WECHAT_ID_BASE)
        )

    # -- messages received ----------------------------------------------------------------------------------

    async def first_inbound(self, msgid: str, now: datetime) -> int | None:
        """The update id for WeChat's message `msgid`; None when it was received before."""
        await one_at_a_time(self._conn, "wechat inbound")  # two workers numbering at once (PostgreSQL)
        async with self._conn.execute("SELECT 1 FROM wechat_inbound WHERE msgid = ?", (msgid,)) as cursor:
            if await cursor.fetchone() is not None:
                return None
        async with self._conn.execute(
            "INSERT INTO wechat_inbound (update_id, msgid, received_at) "
            "SELECT COALESCE(MAX(update_id), ?) + 1, ?, ? FROM wechat_inbound RETURNING update_id",
            (WECHAT_UPDATE_BASE, msgid, to_db_time(now)),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def cursor(self, account: str) -> str | None:
        async with self._conn.execute("SELECT cursor FROM wechat_cursors WHERE account = ?", (account,)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def save_cursor(self, account: str, cursor: str) -> None:
        await self._conn.execute(
            "INSERT INTO wechat_cursors (account, cursor) VALUES (?, ?) "
            "ON CONFLICT (account) DO UPDATE SET cursor = excluded.cursor",
            (account, cursor),
        )

    async def prune_inbound(self, before: datetime, limit: int) -> int:
        """Forget up to `limit` message ids received before `before`; the newest always stays, since the next
        update id is counted on from it (first_inbound)."""
        cursor = await self._conn.execute(
            "DELETE FROM wechat_inbound WHERE update_id IN (SELECT update_id FROM wechat_inbound "
            "WHERE received_at < ? AND update_id < (SELECT MAX(update_id) FROM wechat_inbound) "
            "ORDER BY received_at LIMIT ?)",
            (to_db_time(before), limit),
        )
        return max(cursor.rowcount, 0)

    # -- messages sent: their ids and the choices they offered ----------------------------------------------

    async def record_message(self, person_id: int, choices: Sequence[dict[str, str]] | None, now: datetime) -> int:
        async with self._conn.execute(
            "INSERT INTO wechat_messages (person_id, choices, created_at) VALUES (?, ?, ?) RETURNING id",
            (person_id, None if choices is None else json.dumps(list(choices), ensure_ascii=False), to_db_time(now)),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def set_choices(self, person_id: int, message_id: int, choices: Sequence[dict[str, str]] | None) -> None:
        """An edit: the message's choices are now these (an empty list: none any more)."""
        await self._conn.execute(
            "UPDATE wechat_messages SET choices = ? WHERE id = ? AND person_id = ?",
            (None if choices is None else json.dumps(list(choices), ensure_ascii=False), message_id, person_id),
        )

    async def latest_choices(self, person_id: int) -> tuple[int, list[dict[str, str]]] | None:
        """The newest message that offered choices (or took them away: an empty list), and its choices."""
        async with self._conn.execute(
            "SELECT id, choices FROM wechat_messages WHERE person_id = ? AND choices IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (person_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return (int(row[0]), json.loads(row[1])) if row else None

    async def newest_message_id(self, person_id: int) -> int | None:
        async with self._conn.execute(
            "SELECT MAX(id) FROM wechat_messages WHERE person_id = ?", (person_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    async def choices_of(self, person_id: int, message_id: int) -> list[dict[str, str]] | None:
        async with self._conn.execute(
            "SELECT choices FROM wechat_messages WHERE person_id = ? AND id = ?", (person_id, message_id)
        ) as cursor:
            row = await cursor.fetchone()
        return json.loads(row[0]) if row and row[0] else None

    # -- held messages --------------------------------------------------------------------------------------

    async def hold(self, person_id: int, body: dict[str, Any], now: datetime, message_id: int | None = None) -> None:
        await self._conn.execute(
            "INSERT INTO wechat_held (person_id, message_id, body, created_at) VALUES (?, ?, ?, ?)",
            (person_id, message_id, json.dumps(body, ensure_ascii=False), to_db_time(now)),
        )

    async def replace_held(self, person_id: int, message_id: int, body: dict[str, Any]) -> bool:
        """An edit of a message still held: it will go out as it is now. False when it is not held."""
        cursor = await self._conn.execute(
            "UPDATE wechat_held SET body = ? WHERE person_id = ? AND message_id = ?",
            (json.dumps(body, ensure_ascii=False), person_id, message_id),
        )
        return cursor.rowcount > 0

    async def take_held(self, person_id: int) -> list[dict[str, Any]]:
        """The messages held for them, oldest first, removed from the table (the caller sends them)."""
        async with self._conn.execute(
            "DELETE FROM wechat_held WHERE person_id = ? RETURNING id, body", (person_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [json.loads(body) for _id, body in sorted(rows, key=lambda row: int(row[0]))]

    # -- the shared access_token ----------------------------------------------------------------------------

    async def token(self, app: str) -> tuple[str, datetime] | None:
        async with self._conn.execute("SELECT token, expires_at FROM wechat_tokens WHERE app = ?", (app,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        expires_at = from_db_time(row[1])
        assert expires_at is not None
        return str(row[0]), expires_at

    async def save_token(self, app: str, token: str, expires_at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO wechat_tokens (app, token, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (app) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at",
            (app, token, to_db_time(expires_at)),
        )

    async def drop_token(self, app: str, token: str) -> None:
        """WeChat refused `token` (40001, 42001): forget it, unless another worker has replaced it already."""
        await self._conn.execute("DELETE FROM wechat_tokens WHERE app = ? AND token = ?", (app, token))
