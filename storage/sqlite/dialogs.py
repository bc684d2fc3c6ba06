"""Per-chat dialog state, read on every update (never cached in process memory)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import DialogState, to_db_time


class SqliteDialogs:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, chat_id: int) -> DialogState | None:
        async with self._conn.execute(
            "SELECT chat_id, state, data, version FROM dialog_states WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return DialogState(row["chat_id"], row["state"], json.loads(row["data"]), row["version"])

    async def save(self, chat_id: int, state: str, data: Mapping[str, Any], now: datetime) -> DialogState:
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        async with self._conn.execute(
            "INSERT INTO dialog_states (chat_id, state, data, version, updated_at) VALUES (?, ?, ?, 1, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET state = excluded.state, data = excluded.data, "
            "version = dialog_states.version + 1, updated_at = excluded.updated_at RETURNING version",
            (chat_id, state, payload, to_db_time(now)),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return DialogState(chat_id, state, dict(data), row[0])

    async def clear(self, chat_id: int) -> None:
        await self._conn.execute("DELETE FROM dialog_states WHERE chat_id = ?", (chat_id,))
