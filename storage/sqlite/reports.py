"""Read-only queries behind the printed needs book and service directory (core.exports).

The needs query selects the columns the book may show and nothing else: the resident's phone, address,
location, note and Telegram id never leave this module, so no writer or future column can leak them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.dialect import dialect_of
from storage.protocols import NeedCount, NeedFact
from storage.records import ServiceRecord, from_db_time, to_db_time
from storage.sqlite.catalog import SERVICE_TABLES, service_columns, service_from_row

# A resident sometimes repeats their phone or address in the need itself ("请打13812345678"); the exact
# values they gave us are blanked here, where they are known, before the text leaves storage.
PHONE_MARK = "［电话已隐去］"
ADDRESS_MARK = "［地址已隐去］"
# Shorter values ("1栋") would blank ordinary words in the need.
_MIN_SECRET_CHARS = 4


def blank_out(text: str, secret: str | None, mark: str) -> str:
    if secret and len(secret.strip()) >= _MIN_SECRET_CHARS:
        return text.replace(secret.strip(), mark)
    return text


# Submission time is the first history entry (the request's birth), falling back to created_at for rows
# written before history existed; the period filter uses the same value so rows and times agree.
_NEEDS = """
WITH filed AS (
    SELECT r.*, COALESCE(
        (SELECT MIN(h.at) FROM request_history h WHERE h.request_id = r.id), r.created_at) AS submitted_at
    FROM requests r WHERE r.community_id = ?
)
SELECT f.reference, f.submitted_at, s.category, s.name AS service_name, f.need_text, f.status,
       p.display_name AS provider_name, f.rating, f.contact_phone, f.address
FROM filed f
LEFT JOIN services s ON s.service_id = f.service_id
LEFT JOIN providers p ON p.telegram_id = f.provider_id
WHERE f.submitted_at >= ? AND f.submitted_at < ?
ORDER BY f.submitted_at, f.id
"""

# /needs: per category, how many requests in the given statuses and the oldest birth, counted here instead of
# loading a year of the community's requests. Birth as in _NEEDS; the statuses narrow by index first.
_NEED_COUNTS = """
SELECT category, COUNT(*) AS n, MIN(submitted_at) AS oldest FROM (
    SELECT s.category AS category, COALESCE(
        (SELECT MIN(h.at) FROM request_history h WHERE h.request_id = r.id), r.created_at) AS submitted_at
    FROM requests r LEFT JOIN services s ON s.service_id = r.service_id
    WHERE r.community_id = ? AND r.status IN ({marks})
) open_requests
WHERE submitted_at >= ? AND submitted_at < ?
GROUP BY category
"""

# No service_communities row means the service serves every community (migration 0002). {columns}: the
# dialect's catalog.service_columns.
_DIRECTORY = f"""
SELECT {{columns}}
FROM {SERVICE_TABLES}
WHERE s.active = 1 AND (
    NOT EXISTS (SELECT 1 FROM service_communities sc WHERE sc.service_id = s.service_id)
    OR EXISTS (SELECT 1 FROM service_communities sc WHERE sc.service_id = s.service_id AND sc.community_id = ?)
)
ORDER BY s.service_id
"""


def _need(row: aiosqlite.Row) -> NeedFact:
    text = blank_out(row["need_text"], row["contact_phone"], PHONE_MARK)
    text = blank_out(text, row["address"], ADDRESS_MARK)
    return NeedFact(
        reference=row["reference"],
        submitted_at=from_db_time(row["submitted_at"]) or datetime.min,
        category=row["category"],
        service_name=row["service_name"],
        need_text=text,
        status=row["status"],
        provider_name=row["provider_name"],
        rating=row["rating"],
    )


class SqliteReports:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def needs(self, community_id: int, since: datetime, until: datetime) -> Sequence[NeedFact]:
        """Requests of one community submitted in [since, until)."""
        async with self._conn.execute(_NEEDS, (community_id, to_db_time(since), to_db_time(until))) as cursor:
            return [_need(row) for row in await cursor.fetchall()]

    async def need_counts(
        self, community_id: int, statuses: Sequence[str], since: datetime, until: datetime
    ) -> Sequence[NeedCount]:
        """Requests of one community in `statuses` submitted in [since, until), counted per category."""
        query = _NEED_COUNTS.format(marks=",".join("?" for _ in statuses))
        params = (community_id, *statuses, to_db_time(since), to_db_time(until))
        async with self._conn.execute(query, params) as cursor:
            rows = await cursor.fetchall()
        return [NeedCount(row[0], int(row[1]), from_db_time(row[2]) or datetime.min) for row in rows]

    async def directory(self, community_id: int) -> Sequence[ServiceRecord]:
        """Active services that serve this community, by service id."""
        query = _DIRECTORY.format(columns=service_columns(dialect_of(self._conn)))
        async with self._conn.execute(query, (community_id,)) as cursor:
            return [service_from_row(row) for row in await cursor.fetchall()]
