"""Projects, their communities and milestones, and the requests they delivered (migration 0025)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.records import OfferFact, db_time, from_db_time, int_or_none, to_db_time
from storage.records_projects import DeliveredRequest, Milestone, Project
from storage.sqlite.providers import offer_fact

_PROJECT = (
    "SELECT p.id, p.fund_id, p.title, p.kind, p.budget_fen, p.organization_id, o.name, p.status, p.starts_at, "
    "p.ends_at, p.vote_project_id, p.formula FROM projects p LEFT JOIN organizations o ON o.id = p.organization_id"
)
# A request is delivered by a project when it is done (or rated) by someone who took it on for the project's
# organisation (requests.provider_organization_id: the organisation when it was taken, migration 0025 — never the
# provider's organisation today), in one of the project's communities, within its period (the first time it was
# marked done). Where two projects of one organisation overlap, the request counts once: for the older project.
_DELIVERED = """
WITH done AS (
    SELECT r.id, r.reference, r.community_id, r.rating, r.provider_organization_id AS organization_id,
           (SELECT MIN(h.at) FROM request_history h WHERE h.request_id = r.id AND h.to_status = 'done') AS done_at
    FROM requests r
    WHERE r.status IN ('done', 'rated') AND r.provider_organization_id = ?
)
SELECT d.id, d.reference, d.community_id, d.rating, d.done_at FROM done d
JOIN projects p ON p.id = ?
JOIN project_communities pc ON pc.project_id = p.id AND pc.community_id = d.community_id
WHERE d.done_at IS NOT NULL AND d.done_at >= p.starts_at AND d.done_at < p.ends_at
  AND NOT EXISTS (
    SELECT 1 FROM projects p2 JOIN project_communities pc2 ON pc2.project_id = p2.id
    WHERE p2.id < p.id AND p2.organization_id = p.organization_id AND pc2.community_id = d.community_id
      AND d.done_at >= p2.starts_at AND d.done_at < p2.ends_at)
ORDER BY d.done_at, d.id
"""


# Service hours that count (core.hours: the current figure of a task — no correction replaces it — and, for a
# volunteer, confirmed by the supervisor: the latest word on that figure, or a 有问题 on the whole task, decides;
# pending and flagged hours do not count). The same rule as core.hours._status, in SQL, for `h`.
_COUNTED_HOURS = """
NOT EXISTS (SELECT 1 FROM service_hours c WHERE c.corrects = h.id)
AND (h.provider_kind <> 'volunteer' OR (
    SELECT w.decision FROM service_hours_reviews w
    WHERE w.request_id = h.request_id AND w.person_id = h.person_id
      AND (w.entry_id = h.id OR (w.entry_id IS NULL AND w.decision = 'flagged'))
    ORDER BY w.id DESC LIMIT 1) = 'confirmed')
"""
# offer_facts (storage/sqlite/providers.py) for one organisation, chosen in SQL by the organisation the offer was
# made for (offers.organization_id, migration 0025), not the whole city's offers filtered in Python.
_ORGANIZATION_OFFERS = (
    "SELECT f.provider_id, p.display_name, o.name, c.name, f.offered_at, f.answer, f.answered_at, "
    "CASE WHEN r.provider_id = f.provider_id THEN (SELECT MIN(h.at) FROM request_history h "
    "  WHERE h.request_id = r.id AND h.to_status = 'done') END, "
    "CASE WHEN r.provider_id = f.provider_id THEN r.rating END "
    "FROM offers f JOIN requests r ON r.id = f.request_id JOIN providers p ON p.telegram_id = f.provider_id "
    "JOIN organizations o ON o.id = f.organization_id JOIN communities c ON c.id = r.community_id "
    "WHERE f.organization_id = ? AND f.offered_at >= ? AND f.offered_at < ? ORDER BY f.id"
)


class SqliteProjects:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def create(
        self,
        fund_id: int,
        title: str,
        kind: str,
        budget_fen: int,
        organization_id: int | None,
        community_ids: Sequence[int],
        starts_at: datetime,
        ends_at: datetime,
        created_by: int,
        now: datetime,
        vote_project_id: int | None = None,
    ) -> int | None:
        """The new project's id; None when the vote project already became one (nothing is created twice)."""
        async with self._conn.execute(
            "INSERT INTO projects (fund_id, title, kind, budget_fen, organization_id, starts_at, ends_at, "
            "vote_project_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (vote_project_id) DO NOTHING RETURNING id",
            (
                fund_id,
                title,
                kind,
                budget_fen,
                organization_id,
                to_db_time(starts_at),
                to_db_time(ends_at),
                vote_project_id,
                created_by,
                to_db_time(now),
            ),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        project_id = int(row[0])
        for community_id in sorted(set(community_ids)):
            await self._conn.execute(
                "INSERT INTO project_communities (project_id, community_id) VALUES (?, ?)", (project_id, community_id)
            )
        return project_id

    async def _communities(self, project_id: int) -> tuple[int, ...]:
        async with self._conn.execute(
            "SELECT community_id FROM project_communities WHERE project_id = ? ORDER BY community_id", (project_id,)
        ) as cursor:
            return tuple(int(row[0]) for row in await cursor.fetchall())

    async def _many(self, where: str, params: Sequence[object]) -> list[Project]:
        async with self._conn.execute(f"{_PROJECT} {where} ORDER BY p.id", params) as cursor:
            rows = await cursor.fetchall()
        return [
            Project(
                int(r[0]),
                int(r[1]),
                str(r[2]),
                str(r[3]),
                int(r[4]),
                int_or_none(r[5]),
                None if r[6] is None else str(r[6]),
                str(r[7]),
                db_time(r[8]),
                db_time(r[9]),
                int_or_none(r[10]),
                None if r[11] is None else str(r[11]),
                await self._communities(int(r[0])),
            )
            for r in rows
        ]

    async def get(self, project_id: int) -> Project | None:
        found = await self._many("WHERE p.id = ?", (project_id,))
        return found[0] if found else None

    async def all(self) -> Sequence[Project]:
        return await self._many("", ())

    async def of_vote_project(self, vote_project_id: int) -> Project | None:
        found = await self._many("WHERE p.vote_project_id = ?", (vote_project_id,))
        return found[0] if found else None

    async def of_organization(self, organization_id: int) -> Sequence[Project]:
        return await self._many("WHERE p.organization_id = ?", (organization_id,))

    async def set_formula(self, project_id: int, formula: str) -> None:
        await self._conn.execute("UPDATE projects SET formula = ? WHERE id = ?", (formula, project_id))

    async def set_status(self, project_id: int, status: str) -> None:
        await self._conn.execute("UPDATE projects SET status = ? WHERE id = ?", (status, project_id))

    async def set_organization(self, project_id: int, organization_id: int) -> None:
        await self._conn.execute("UPDATE projects SET organization_id = ? WHERE id = ?", (organization_id, project_id))

    async def add_milestone(self, project_id: int, title: str, due_on: str | None) -> int:
        async with self._conn.execute(
            "INSERT INTO project_milestones (project_id, title, due_on) VALUES (?, ?, ?) RETURNING id",
            (project_id, title, due_on),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def milestones(self, project_id: int) -> Sequence[Milestone]:
        async with self._conn.execute(
            "SELECT id, project_id, title, due_on, done_at FROM project_milestones WHERE project_id = ? ORDER BY id",
            (project_id,),
        ) as cursor:
            return [
                Milestone(
                    int(r[0]),
                    int(r[1]),
                    str(r[2]),
                    None if r[3] is None else str(r[3]),
                    from_db_time(None if r[4] is None else str(r[4])),
                )
                for r in await cursor.fetchall()
            ]

    async def mark_milestone(self, milestone_id: int, done_by: int | None, now: datetime | None) -> None:
        """Done (with who and when) or, with None, not done after all."""
        await self._conn.execute(
            "UPDATE project_milestones SET done_at = ?, done_by = ? WHERE id = ?",
            (to_db_time(now), done_by, milestone_id),
        )

    async def delivered(self, project_id: int, organization_id: int) -> Sequence[DeliveredRequest]:
        async with self._conn.execute(_DELIVERED, (organization_id, project_id)) as cursor:
            return [
                DeliveredRequest(int(r[0]), str(r[1]), int(r[2]), int_or_none(r[3]), db_time(r[4]))
                for r in await cursor.fetchall()
            ]

    async def minutes_for_requests(self, request_ids: Sequence[int]) -> int:
        """Service hours logged against these requests (service_hours, migration 0023) that count: each person's
        current figure per task, a volunteer's only once their supervisor confirmed it (_COUNTED_HOURS)."""
        minutes = 0
        ids = list(request_ids)
        for start in range(0, len(ids), 500):  # under SQLite's limit on parameters
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            async with self._conn.execute(
                f"SELECT COALESCE(SUM(h.minutes), 0) FROM service_hours h WHERE h.request_id IN ({marks}) "
                f"AND {_COUNTED_HOURS}",
                chunk,
            ) as cursor:
                row = await cursor.fetchone()
            minutes += int(row[0]) if row else 0
        return minutes

    async def organization_name(self, organization_id: int) -> str | None:
        async with self._conn.execute("SELECT name FROM organizations WHERE id = ?", (organization_id,)) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def organization_minutes(self, organization_id: int, since: datetime, until: datetime) -> int:
        """Service hours (in minutes) that count, served in [since, until) on tasks taken on for the organisation
        (requests.provider_organization_id: its people while they were its people)."""
        async with self._conn.execute(
            "SELECT COALESCE(SUM(h.minutes), 0) FROM service_hours h JOIN requests r ON r.id = h.request_id "
            f"WHERE r.provider_organization_id = ? AND h.served_at >= ? AND h.served_at < ? AND {_COUNTED_HOURS}",
            (organization_id, to_db_time(since), to_db_time(until)),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def organization_offer_facts(self, organization_id: int, since: datetime, until: datetime) -> list[OfferFact]:
        """The offers made in [since, until) to people of this organisation (as it was when each was made)."""
        async with self._conn.execute(
            _ORGANIZATION_OFFERS, (organization_id, to_db_time(since), to_db_time(until))
        ) as cursor:
            rows = await cursor.fetchall()
        return [offer_fact(r) for r in rows]

    async def provider_organization(self, telegram_id: int) -> int | None:
        """The organisation of a provider (any kind), or None."""
        async with self._conn.execute(
            "SELECT organization_id FROM providers WHERE telegram_id = ?", (telegram_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int_or_none(row[0]) if row else None
