"""Help requests, their attachments and their append-only history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.dialect import dialect_of, one_at_a_time
from storage.records import HistoryEntry, NewRequest, RequestRecord, from_db_time, to_db_time

_COLUMNS = (
    "id, reference, resident_id, community_id, service_id, need_text, status, created_at, updated_at, when_code, "
    "when_text, address, latitude, longitude, contact_phone, note, provider_id, rating, rating_comment"
)


def _record(row: aiosqlite.Row) -> RequestRecord:
    values = dict(row)
    values["created_at"] = from_db_time(row["created_at"])
    values["updated_at"] = from_db_time(row["updated_at"])
    return RequestRecord(**values)


class SqliteRequests:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def count_references(self, prefix: str) -> int:
        """How many references start with `prefix` (e.g. "WYH-2611-"): the next number is this + 1."""
        await one_at_a_time(self._conn, f"reference {prefix}")  # until the caller inserts it (PostgreSQL)
        # LIKE alone cannot use the unique index on reference (SQLite's LIKE ignores case, the index does not).
        # [prefix, prefix with its last character bumped) holds exactly the references that start with it, as
        # an index range; LIKE stays as a filter over the few rows in it. A prefix is never empty
        # (core.requests.reference_prefix); "\U0010ffff" would bound it if one were. The range is in byte order:
        # SQLite's BINARY; on PostgreSQL COLLATE "C" (its migration 0017 indexes that), as under a language's
        # collation the references of a prefix need not sort together.
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\U0010ffff"
        key = 'reference COLLATE "C"' if dialect_of(self._conn) == "postgresql" else "reference"
        async with self._conn.execute(
            f"SELECT COUNT(*) FROM requests WHERE {key} >= ? AND {key} < ? AND reference LIKE ? ESCAPE '\\'",
            (prefix, upper, prefix.replace("%", "\\%").replace("_", "\\_") + "%"),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def add(self, new: NewRequest, reference: str, status: str, now: datetime) -> RequestRecord:
        stamp = to_db_time(now)
        async with self._conn.execute(
            "INSERT INTO requests (reference, resident_id, community_id, service_id, need_text, when_code, when_text, "
            "address, latitude, longitude, contact_phone, note, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                reference, new.resident_id, new.community_id, new.service_id, new.need_text, new.when_code,
                new.when_text, new.address, new.latitude, new.longitude, new.contact_phone, new.note, status,
                stamp, stamp,
            ),
        ) as cursor:  # fmt: skip
            row = await cursor.fetchone()
        assert row is not None
        found = await self.get(int(row[0]))
        assert found is not None
        return found

    async def get(self, request_id: int) -> RequestRecord | None:
        async with self._conn.execute(f"SELECT {_COLUMNS} FROM requests WHERE id = ?", (request_id,)) as cursor:
            row = await cursor.fetchone()
        return _record(row) if row else None

    async def by_reference(self, reference: str) -> RequestRecord | None:
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM requests WHERE reference = ?", (reference.upper(),)
        ) as cursor:
            row = await cursor.fetchone()
        return _record(row) if row else None

    async def of_resident(self, resident_id: int, limit: int = 10) -> Sequence[RequestRecord]:
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM requests WHERE resident_id = ? ORDER BY id DESC LIMIT ?", (resident_id, limit)
        ) as cursor:
            return [_record(row) for row in await cursor.fetchall()]

    async def open_tasks(self, provider_id: int, limit: int = 20) -> Sequence[RequestRecord]:
        """The tasks a provider accepted and has not finished, oldest first (their /tasks)."""
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM requests WHERE provider_id = ? AND status IN ('accepted', 'in_progress') "
            "ORDER BY id LIMIT ?",
            (provider_id, limit),
        ) as cursor:
            return [_record(row) for row in await cursor.fetchall()]

    async def in_community(
        self, community_id: int, statuses: Sequence[str], limit: int = 50
    ) -> Sequence[RequestRecord]:
        marks = ",".join("?" for _ in statuses)
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM requests WHERE community_id = ? AND status IN ({marks}) ORDER BY id LIMIT ?",
            (community_id, *statuses, limit),
        ) as cursor:
            return [_record(row) for row in await cursor.fetchall()]

    async def set_status(self, request_id: int, status: str, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE requests SET status = ?, updated_at = ? WHERE id = ?", (status, to_db_time(now), request_id)
        )

    async def set_service(self, request_id: int, service_id: str | None, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE requests SET service_id = ?, updated_at = ? WHERE id = ?", (service_id, to_db_time(now), request_id)
        )

    async def set_rating(self, request_id: int, rating: int, comment: str | None, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE requests SET rating = ?, rating_comment = ?, updated_at = ? WHERE id = ?",
            (rating, comment, to_db_time(now), request_id),
        )

    async def attach(self, request_id: int, kind: str, file_id: str, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO request_attachments (request_id, kind, file_id, added_at) VALUES (?, ?, ?, ?)",
            (request_id, kind, file_id, to_db_time(now)),
        )

    async def attachments(self, request_id: int) -> Sequence[tuple[str, str]]:
        async with self._conn.execute(
            "SELECT kind, file_id FROM request_attachments WHERE request_id = ? ORDER BY id", (request_id,)
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    async def add_history(self, entry: HistoryEntry) -> None:
        await self._conn.execute(
            "INSERT INTO request_history (request_id, at, actor_id, from_status, to_status, note, on_behalf_of) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry.request_id, to_db_time(entry.at), entry.actor_id, entry.from_status, entry.to_status, entry.note,
             entry.on_behalf_of),
        )  # fmt: skip

    async def history(self, request_id: int) -> Sequence[HistoryEntry]:
        async with self._conn.execute(
            "SELECT request_id, at, actor_id, from_status, to_status, note, on_behalf_of FROM request_history "
            "WHERE request_id = ? ORDER BY id",
            (request_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            HistoryEntry(row[0], from_db_time(row[1]) or datetime.min, row[2], row[3], row[4], row[5], row[6])
            for row in rows
        ]
