"""Service hours (migration 0023): the append-only ledger, the supervisors' reviews and the certificates.

Nothing here updates or deletes a row (the tables' triggers refuse it); a correction is a new row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from storage.hours_records import Certificate, FinishedTask, HourEntry, HourReview, PersonHours
from storage.records import db_time, from_db_time, to_db_time

_ENTRY = (
    "SELECT h.id, h.person_id, h.request_id, h.minutes, h.kind, h.corrects, h.provider_kind, h.served_at, "
    "h.recorded_by, h.recorded_at, h.reason, r.reference, r.community_id "
    "FROM service_hours h JOIN requests r ON r.id = h.request_id"
)
_REVIEW = (
    "SELECT v.id, v.request_id, v.person_id, v.entry_id, v.decision, v.reviewer_id, v.at FROM service_hours_reviews v"
)
_CERTIFICATE = (
    "SELECT code, person_id, person_name, organization, first_day, last_day, minutes, tasks, confirmed_by, issued_at "
    "FROM hours_certificates"
)
# The moment each of a person's tasks was last marked done by them (a reopened task may be finished again).
_FINISHED = (
    "SELECT r.id, r.reference, MAX(h.at) FROM request_history h JOIN requests r ON r.id = h.request_id "
    "WHERE h.actor_id = ? AND h.to_status = 'done' GROUP BY r.id, r.reference"
)


def _entry(row: Sequence[object]) -> HourEntry:
    return HourEntry(
        int(str(row[0])), int(str(row[1])), int(str(row[2])), int(str(row[3])), str(row[4]),
        None if row[5] is None else int(str(row[5])), str(row[6]), db_time(row[7]), int(str(row[8])), db_time(row[9]),
        None if row[10] is None else str(row[10]), str(row[11]), int(str(row[12])),
    )  # fmt: skip


def _review(row: Sequence[object]) -> HourReview:
    return HourReview(
        int(str(row[0])), int(str(row[1])), int(str(row[2])), None if row[3] is None else int(str(row[3])),
        str(row[4]), int(str(row[5])), db_time(row[6]),
    )  # fmt: skip


def _certificate(row: Sequence[object]) -> Certificate:
    return Certificate(
        str(row[0]), int(str(row[1])), str(row[2]), None if row[3] is None else str(row[3]),
        date.fromisoformat(str(row[4])), date.fromisoformat(str(row[5])), int(str(row[6])), int(str(row[7])),
        str(row[8]), db_time(row[9]),
    )  # fmt: skip


class SqliteHours:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _all(self, query: str, params: Sequence[object]) -> list[Sequence[object]]:
        async with self._conn.execute(query, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def add_entry(
        self, person_id: int, request_id: int, minutes: int, kind: str, corrects: int | None, provider_kind: str,
        served_at: datetime, recorded_by: int, now: datetime, reason: str | None = None,
    ) -> int:  # fmt: skip
        rows = await self._all(
            "INSERT INTO service_hours (person_id, request_id, minutes, kind, corrects, provider_kind, served_at, "
            "recorded_by, recorded_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (person_id, request_id, minutes, kind, corrects, provider_kind, to_db_time(served_at), recorded_by,
             to_db_time(now), reason),
        )  # fmt: skip
        return int(str(rows[0][0]))

    async def entries(self, person_id: int) -> Sequence[HourEntry]:
        return [_entry(row) for row in await self._all(f"{_ENTRY} WHERE h.person_id = ? ORDER BY h.id", (person_id,))]

    async def entry(self, entry_id: int) -> HourEntry | None:
        rows = await self._all(f"{_ENTRY} WHERE h.id = ?", (entry_id,))
        return _entry(rows[0]) if rows else None

    async def supervised(self, supervisor_id: int) -> Sequence[int]:
        rows = await self._all(
            "SELECT telegram_id FROM providers WHERE supervisor_id = ? AND kind = 'volunteer' ORDER BY telegram_id",
            (supervisor_id,),
        )
        return [int(str(row[0])) for row in rows]

    async def add_review(
        self, request_id: int, person_id: int, entry_id: int | None, decision: str, reviewer_id: int, now: datetime
    ) -> int:
        rows = await self._all(
            "INSERT INTO service_hours_reviews (request_id, person_id, entry_id, decision, reviewer_id, at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (request_id, person_id, entry_id, decision, reviewer_id, to_db_time(now)),
        )
        return int(str(rows[0][0]))

    async def reviews(self, person_id: int) -> Sequence[HourReview]:
        return [_review(row) for row in await self._all(f"{_REVIEW} WHERE v.person_id = ? ORDER BY v.id", (person_id,))]

    async def finished_at(self, request_id: int, person_id: int) -> datetime | None:
        rows = await self._all(
            "SELECT MAX(at) FROM request_history WHERE request_id = ? AND actor_id = ? AND to_status = 'done'",
            (request_id, person_id),
        )
        return from_db_time(str(rows[0][0])) if rows and rows[0][0] is not None else None

    async def finished_tasks(self, person_id: int) -> Sequence[FinishedTask]:
        rows = await self._all(f"{_FINISHED} ORDER BY r.id", (person_id,))
        return [FinishedTask(int(str(row[0])), str(row[1]), db_time(row[2])) for row in rows]

    async def community_entries(
        self, community_id: int, since: datetime, until: datetime
    ) -> tuple[Sequence[HourEntry], Sequence[HourReview], Sequence[PersonHours]]:
        window = (community_id, to_db_time(since), to_db_time(until))
        entries = [
            _entry(row)
            for row in await self._all(
                f"{_ENTRY} WHERE r.community_id = ? AND h.served_at >= ? AND h.served_at < ? ORDER BY h.id", window
            )
        ]
        reviews = [
            _review(row)
            for row in await self._all(
                f"{_REVIEW} WHERE v.request_id IN (SELECT h.request_id FROM service_hours h JOIN requests r "
                "ON r.id = h.request_id WHERE r.community_id = ? AND h.served_at >= ? AND h.served_at < ?) "
                "ORDER BY v.id",
                window,
            )
        ]
        people = [
            PersonHours(int(str(row[0])), str(row[1]), str(row[2]), None if row[3] is None else str(row[3]))
            for row in await self._all(
                "SELECT p.telegram_id, p.display_name, p.kind, o.name FROM providers p "
                "LEFT JOIN organizations o ON o.id = p.organization_id WHERE p.telegram_id IN (SELECT h.person_id "
                "FROM service_hours h JOIN requests r ON r.id = h.request_id WHERE r.community_id = ? "
                "AND h.served_at >= ? AND h.served_at < ?) ORDER BY p.telegram_id",
                window,
            )
        ]
        return entries, reviews, people

    async def add_certificate(self, certificate: Certificate) -> None:
        c = certificate
        await self._conn.execute(
            "INSERT INTO hours_certificates (code, person_id, person_name, organization, first_day, last_day, "
            "minutes, tasks, confirmed_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (c.code, c.person_id, c.person_name, c.organization, c.first_day.isoformat(), c.last_day.isoformat(),
             c.minutes, c.tasks, c.confirmed_by, to_db_time(c.issued_at)),
        )  # fmt: skip

    async def certificate(self, code: str) -> Certificate | None:
        rows = await self._all(f"{_CERTIFICATE} WHERE code = ?", (code,))
        return _certificate(rows[0]) if rows else None
