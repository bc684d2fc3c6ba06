"""Per-chat dialog state, read on every update (never cached in process memory)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiosqlite

from storage.errors import StaleDialog
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

    async def save(
        self, chat_id: int, state: str, data: Mapping[str, Any], now: datetime, *, expected_version: int | None = None
    ) -> DialogState:
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        values = (state, payload, to_db_time(now), chat_id)
        if expected_version is None:  # set up by an operator or a test: whatever was there is replaced
            version = await self._one(
                "INSERT INTO dialog_states (state, data, updated_at, chat_id, version) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT(chat_id) DO UPDATE SET state = excluded.state, data = excluded.data, "
                "version = dialog_states.version + 1, updated_at = excluded.updated_at RETURNING version",
                values,
            )
        else:
            version = None
            if expected_version > 0:
                version = await self._one(
                    "UPDATE dialog_states SET state = ?, data = ?, version = version + 1, updated_at = ? "
                    "WHERE chat_id = ? AND version = ? RETURNING version",
                    (*values, expected_version),
                )
            if version is None:
                # No row yet, or this very turn deleted it (a withdrawal erases the dialog, then moves on); a row
                # present at another version means another turn saved first.
                version = await self._one(
                    "INSERT INTO dialog_states (state, data, updated_at, chat_id, version) VALUES (?, ?, ?, ?, 1) "
                    "ON CONFLICT(chat_id) DO NOTHING RETURNING version",
                    values,
                )
            if version is None:
                raise StaleDialog(chat_id, expected_version)
        return DialogState(chat_id, state, dict(data), version)

    async def _one(self, sql: str, params: tuple[Any, ...]) -> int | None:
        async with self._conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return None if row is None else int(row[0])

    async def clear(self, chat_id: int) -> None:
        await self._conn.execute("DELETE FROM dialog_states WHERE chat_id = ?", (chat_id,))
