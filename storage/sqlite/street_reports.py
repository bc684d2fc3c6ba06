"""Read-only figures for a street office over a set of communities, and the record of provider moves (人随事转).

Every figure is one grouped query over the whole set (a community id list, bound as parameters), never a query
per community: a street office over hundreds of communities costs the same few round trips as one community.
The totals over the set come from the same query (rows grouped a second time under ALL_COMMUNITIES), so the
total's median is the median of all the set's pushes, not a mean of the communities' medians.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import aiosqlite

from storage.dialect import dialect_of, minutes_between
from storage.records import from_db_time, to_db_time
from storage.street_records import (
    ALL_COMMUNITIES,
    Demand,
    OfferCounts,
    ProviderLoad,
    ProviderMove,
    Supply,
    WaitingTimes,
)

BIRTH_SLACK = timedelta(days=1)  # created_at vs the first history entry (see _DEMAND)

# The pushes of a period in the set, each twice: under its community and under ALL_COMMUNITIES. Done time and
# rating belong to a push only when its provider is the one who has the request (as storage.providers.offer_facts).
# Read from the period's pushes (index offers_offered, migration 0026) to their requests — CROSS JOIN keeps
# SQLite's planner from starting at every request the set ever had; PostgreSQL plans it as an ordinary join.
_OFFERS = """
WITH base AS (
    SELECT r.community_id AS community_id, f.answer AS answer, f.offered_at AS offered_at,
           f.answered_at AS answered_at,
           CASE WHEN r.provider_id = f.provider_id THEN (SELECT MIN(h.at) FROM request_history h
                WHERE h.request_id = r.id AND h.to_status = 'done') END AS done_at,
           CASE WHEN r.provider_id = f.provider_id THEN r.rating END AS rating
    FROM offers f CROSS JOIN requests r
    WHERE f.offered_at >= ? AND f.offered_at < ? AND r.id = f.request_id AND r.community_id IN ({marks})
), grouped AS (
    SELECT base.community_id AS grp, base.* FROM base
    UNION ALL
    SELECT {all} AS grp, base.* FROM base
)
"""

_COUNTS = """
SELECT grp, COUNT(*),
       SUM(CASE WHEN answer IS NULL OR answer NOT IN ('taken', 'withdrawn') THEN 1 ELSE 0 END),
       SUM(CASE WHEN answer IN ('accepted', 'declined') AND answered_at IS NOT NULL
                AND {to_answer} <= ? THEN 1 ELSE 0 END),
       SUM(CASE WHEN answer = 'accepted' THEN 1 ELSE 0 END),
       SUM(CASE WHEN answer = 'accepted' AND done_at IS NOT NULL THEN 1 ELSE 0 END),
       AVG(CASE WHEN answer = 'accepted' THEN rating END)
FROM grouped GROUP BY grp
"""

# Median (the mean of the middle one or two, as statistics.median) and 90th percentile (nearest rank: the
# ⌈0.9·n⌉-th smallest, written (9n + 9) / 10 in integer arithmetic) with window functions, both backends.
_WAITS = """
, timed AS (
    SELECT grp, 'accept' AS kind, {to_answer} AS m FROM grouped
    WHERE answer = 'accepted' AND answered_at IS NOT NULL
    UNION ALL
    SELECT grp, 'done' AS kind, {to_done} AS m FROM grouped
    WHERE answer = 'accepted' AND answered_at IS NOT NULL AND done_at IS NOT NULL
), ranked AS (
    SELECT grp, kind, m, ROW_NUMBER() OVER (PARTITION BY grp, kind ORDER BY m) AS rn,
           COUNT(*) OVER (PARTITION BY grp, kind) AS n
    FROM timed
)
SELECT grp, kind, AVG(CASE WHEN rn = (n + 1) / 2 OR rn = (n + 2) / 2 THEN m END),
       MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN m END)
FROM ranked GROUP BY grp, kind
"""

# Birth as in storage.sqlite.reports (the first history entry), so the needs book and these counts agree. The
# first history entry is written with the request, so created_at is within a day of birth: that pre-filter reads
# the period's requests by index (requests_community_created, migration 0026) instead of all the set ever had.
# Unmet: the request ever went to staff or ran out (its history reached unmatched, escalated or expired) — staff
# closing it later does not make it met — or it ended (done, rated, cancelled) without any provider accepting.
# Resolved: done or rated after a provider accepted it.
_DEMAND = """
WITH filed AS (
    SELECT r.community_id AS community_id, r.rating AS rating, r.service_id AS service_id,
           COALESCE((SELECT MIN(h.at) FROM request_history h WHERE h.request_id = r.id), r.created_at) AS born,
           CASE WHEN r.provider_id IS NOT NULL OR EXISTS (SELECT 1 FROM offers f WHERE f.request_id = r.id
                AND f.answer = 'accepted') THEN 1 ELSE 0 END AS served,
           CASE WHEN r.status IN ('unmatched', 'escalated', 'expired') OR EXISTS (SELECT 1 FROM request_history h
                WHERE h.request_id = r.id AND h.to_status IN ('unmatched', 'escalated', 'expired'))
                THEN 1 ELSE 0 END AS went_unmet,
           CASE WHEN r.status IN ('done', 'rated', 'cancelled') THEN 1 ELSE 0 END AS ended,
           CASE WHEN r.status IN ('done', 'rated') THEN 1 ELSE 0 END AS done
    FROM requests r
    WHERE r.community_id IN ({marks}) AND r.created_at >= ? AND r.created_at < ?
)
SELECT f.community_id, s.category, COUNT(*),
       SUM(CASE WHEN f.went_unmet = 1 OR (f.ended = 1 AND f.served = 0) THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.done = 1 AND f.served = 1 THEN 1 ELSE 0 END),
       COUNT(f.rating), COALESCE(SUM(f.rating), 0)
FROM filed f LEFT JOIN services s ON s.service_id = f.service_id
WHERE f.born >= ? AND f.born < ?
GROUP BY f.community_id, s.category
"""

# A service with no service_communities row serves every community (migration 0002). A provider counts for a
# community and category when they serve the community, offer an active service of that category there, are on
# duty and have not blocked the bot — the same conditions as a dispatch candidate.
_SUPPLY = """
SELECT c.id, s.category, COUNT(DISTINCT s.service_id),
       COUNT(DISTINCT CASE WHEN p.on_duty = 1 AND u.blocked_at IS NULL THEN p.telegram_id END)
FROM communities c
JOIN services s ON s.active = 1 AND (
    NOT EXISTS (SELECT 1 FROM service_communities sc WHERE sc.service_id = s.service_id)
    OR EXISTS (SELECT 1 FROM service_communities sc WHERE sc.service_id = s.service_id AND sc.community_id = c.id))
LEFT JOIN provider_services ps ON ps.service_id = s.service_id AND EXISTS (
    SELECT 1 FROM provider_communities pc WHERE pc.telegram_id = ps.telegram_id AND pc.community_id = c.id)
LEFT JOIN providers p ON p.telegram_id = ps.telegram_id
LEFT JOIN users u ON u.telegram_id = p.telegram_id
WHERE c.id IN ({marks})
GROUP BY c.id, s.category
"""

# Providers serving a community of the set, with their tasks per community of the set (also where they no
# longer serve but still have tasks: 人随事转 leaves open tasks with the provider) and their open tasks anywhere.
# A provider who serves none of the set any more but still has open tasks in it stays listed: the office keeps
# sight of those tasks. Only open tasks and ones updated since `done_since` are read (a done task's updated_at is
# at or after its done time), not every request the set ever had.
_LOADS = """
WITH serving AS (
    SELECT telegram_id AS provider_id, community_id FROM provider_communities
    WHERE community_id IN ({marks}){one_serving}
), worked AS (
    SELECT r.provider_id AS provider_id, r.community_id AS community_id,
           SUM(CASE WHEN r.status IN ('accepted', 'in_progress') THEN 1 ELSE 0 END) AS open_tasks,
           SUM(CASE WHEN r.status IN ('done', 'rated') AND EXISTS (SELECT 1 FROM request_history h
                WHERE h.request_id = r.id AND h.to_status = 'done' AND h.at >= ?) THEN 1 ELSE 0 END) AS done_recently
    FROM requests r
    WHERE r.community_id IN ({marks}) AND r.provider_id IS NOT NULL{one_worked}
      AND (r.status IN ('accepted', 'in_progress') OR (r.status IN ('done', 'rated') AND r.updated_at >= ?))
    GROUP BY r.provider_id, r.community_id
), pairs AS (
    SELECT provider_id, community_id FROM serving
    UNION
    SELECT provider_id, community_id FROM worked
    WHERE open_tasks > 0 OR provider_id IN (SELECT provider_id FROM serving)
)
SELECT p.telegram_id, p.display_name, o.name, p.on_duty, pr.community_id,
       CASE WHEN EXISTS (SELECT 1 FROM serving s WHERE s.provider_id = pr.provider_id
                         AND s.community_id = pr.community_id) THEN 1 ELSE 0 END,
       COALESCE(w.open_tasks, 0), COALESCE(w.done_recently, 0),
       (SELECT COUNT(*) FROM requests t WHERE t.provider_id = p.telegram_id AND t.status IN ('accepted', 'in_progress'))
FROM pairs pr JOIN providers p ON p.telegram_id = pr.provider_id
LEFT JOIN organizations o ON o.id = p.organization_id
LEFT JOIN worked w ON w.provider_id = pr.provider_id AND w.community_id = pr.community_id
ORDER BY p.display_name, p.telegram_id, pr.community_id
"""

# Only requests out with providers right now (dispatched): one escalated or unmatched case forgotten with staff
# for months must not make its community "longest waiting" for ever.
_WAITING_SINCE = """
SELECT r.community_id,
       MIN(COALESCE((SELECT MIN(h.at) FROM request_history h WHERE h.request_id = r.id), r.created_at))
FROM requests r
WHERE r.status = 'dispatched' AND r.community_id IN ({marks})
GROUP BY r.community_id
"""


def _marks(ids: Sequence[int]) -> str:
    return ",".join("?" for _ in ids)


def _float(value: object) -> float | None:
    """PostgreSQL's AVG and EXTRACT give Decimal; SQLite gives float."""
    if value is None:
        return None
    return float(value) if isinstance(value, (int, float, Decimal)) else None


def _minutes(value: object) -> float | None:
    """Minutes between two whole-second times: SQLite's julianday arithmetic is off by a few millionths of a
    minute, so round to a hundred-thousandth of a minute (both databases then agree with core.stats)."""
    number = _float(value)
    return round(number, 5) if number is not None else None


class SqliteStreetReports:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    def _minutes(self, start: str, end: str) -> str:
        return minutes_between(dialect_of(self._conn), start, end)

    async def _rows(self, query: str, params: Sequence[object]) -> list[aiosqlite.Row]:
        async with self._conn.execute(query, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def offer_counts(
        self, community_ids: Sequence[int], since: datetime, until: datetime, limit_minutes: float
    ) -> Sequence[OfferCounts]:
        """Pushes made in [since, until) of the set's requests, per community and in total (ALL_COMMUNITIES)."""
        if not community_ids:
            return []
        query = _OFFERS.format(marks=_marks(community_ids), all=ALL_COMMUNITIES) + _COUNTS.format(
            to_answer=self._minutes("offered_at", "answered_at")
        )
        # Times are whole seconds and julianday is not exact: half a second of slack keeps "within the limit"
        # exactly what core.stats decides with timedeltas.
        params = (to_db_time(since), to_db_time(until), *community_ids, limit_minutes + 0.5 / 60)
        return [
            OfferCounts(
                int(r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0), _float(r[6])
            )
            for r in await self._rows(query, params)
        ]

    async def waiting_times(
        self, community_ids: Sequence[int], since: datetime, until: datetime
    ) -> Sequence[WaitingTimes]:
        """Median and 90th percentile minutes to accept and to finish, per community and in total."""
        if not community_ids:
            return []
        query = _OFFERS.format(marks=_marks(community_ids), all=ALL_COMMUNITIES) + _WAITS.format(
            to_answer=self._minutes("offered_at", "answered_at"), to_done=self._minutes("answered_at", "done_at")
        )
        found: dict[int, dict[str, tuple[float | None, float | None]]] = {}
        for row in await self._rows(query, (to_db_time(since), to_db_time(until), *community_ids)):
            found.setdefault(int(row[0]), {})[str(row[1])] = (_minutes(row[2]), _minutes(row[3]))
        none = (None, None)
        return [
            WaitingTimes(cid, *kinds.get("accept", none), *kinds.get("done", none))
            for cid, kinds in sorted(found.items())
        ]

    async def demand(self, community_ids: Sequence[int], since: datetime, until: datetime) -> Sequence[Demand]:
        """Requests filed in [since, until) per community and category (None: no service fitted)."""
        if not community_ids:
            return []
        query = _DEMAND.format(marks=_marks(community_ids))
        near = (to_db_time(since - BIRTH_SLACK), to_db_time(until + BIRTH_SLACK))
        return [
            Demand(int(r[0]), r[1], int(r[2]), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0), int(r[6] or 0))
            for r in await self._rows(query, (*community_ids, *near, to_db_time(since), to_db_time(until)))
        ]

    async def supply(self, community_ids: Sequence[int]) -> Sequence[Supply]:
        """Active services and available providers per community and category, as they stand now."""
        if not community_ids:
            return []
        query = _SUPPLY.format(marks=_marks(community_ids))
        return [Supply(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in await self._rows(query, community_ids)]

    async def provider_loads(
        self, community_ids: Sequence[int], done_since: datetime, provider_id: int | None = None
    ) -> Sequence[ProviderLoad]:
        """Each provider serving a community of the set or with open tasks in it (or just `provider_id`), with
        their tasks per community of the set."""
        if not community_ids:
            return []
        one = (provider_id,) if provider_id is not None else ()
        query = _LOADS.format(
            marks=_marks(community_ids),
            one_serving=" AND telegram_id = ?" if one else "",
            one_worked=" AND r.provider_id = ?" if one else "",
        )
        since = to_db_time(done_since)
        params = (*community_ids, *one, since, *community_ids, *one, since)
        return [
            ProviderLoad(int(r[0]), str(r[1]), r[2], bool(r[3]), int(r[4]), bool(r[5]), int(r[6]), int(r[7]), int(r[8]))
            for r in await self._rows(query, params)
        ]

    async def waiting_since(self, community_ids: Sequence[int]) -> dict[int, datetime]:
        """Per community, since when its oldest request out with providers (dispatched) has waited."""
        if not community_ids:
            return {}
        rows = await self._rows(_WAITING_SINCE.format(marks=_marks(community_ids)), community_ids)
        return {int(r[0]): since for r in rows if (since := from_db_time(r[1])) is not None}

    # 人随事转: where a provider serves, changed by a street office and recorded.

    async def add_service_area(self, provider_id: int, community_id: int, moved_by: int, now: datetime) -> bool:
        """The provider serves the community from now on; False (nothing recorded) when they did already."""
        cursor = await self._conn.execute(
            "INSERT INTO provider_communities (telegram_id, community_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (provider_id, community_id),
        )
        if cursor.rowcount != 1:
            return False
        await self._record(provider_id, community_id, "add", moved_by, now)
        return True

    async def remove_service_area(self, provider_id: int, community_id: int, moved_by: int, now: datetime) -> bool:
        """The provider no longer serves the community; False (nothing recorded) when they did not."""
        cursor = await self._conn.execute(
            "DELETE FROM provider_communities WHERE telegram_id = ? AND community_id = ?", (provider_id, community_id)
        )
        if cursor.rowcount != 1:
            return False
        await self._record(provider_id, community_id, "remove", moved_by, now)
        return True

    async def _record(self, provider_id: int, community_id: int, action: str, moved_by: int, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO provider_moves (provider_id, community_id, action, moved_by, moved_at) VALUES (?, ?, ?, ?, ?)",
            (provider_id, community_id, action, moved_by, to_db_time(now)),
        )

    async def moves(self, community_ids: Sequence[int], since: datetime, until: datetime) -> Sequence[ProviderMove]:
        """Moves into or out of the set's communities in [since, until), oldest first."""
        if not community_ids:
            return []
        query = (
            "SELECT provider_id, community_id, action, moved_by, moved_at FROM provider_moves "
            f"WHERE community_id IN ({_marks(community_ids)}) AND moved_at >= ? AND moved_at < ? ORDER BY id"
        )
        return [
            ProviderMove(
                int(r[0]),
                int(r[1]),
                str(r[2]),
                int(r[3]) if r[3] is not None else None,
                from_db_time(r[4]) or datetime.min,
            )
            for r in await self._rows(query, (*community_ids, to_db_time(since), to_db_time(until)))
        ]
