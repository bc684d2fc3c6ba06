"""Calls for organisations and their applications (migration 0025)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.records import db_time, int_or_none, to_db_time
from storage.records_projects import Call, CallApplication

_CALL = (
    "SELECT id, fund_id, title, kind, ceiling_fen, deadline_at, status, created_by, application_id, award_reason, "
    "project_id FROM calls"
)
_APPLICATION = (
    "SELECT a.id, a.call_id, a.organization_id, o.name, a.applicant_id, a.proposal, a.budget_fen, a.communities, "
    "a.via, a.submitted_at FROM call_applications a JOIN organizations o ON o.id = a.organization_id"
)


def _application(r: Sequence[object]) -> CallApplication:
    communities = tuple(int(c) for c in json.loads(str(r[7])))
    return CallApplication(
        int(str(r[0])),
        int(str(r[1])),
        int(str(r[2])),
        str(r[3]),
        int(str(r[4])),
        str(r[5]),
        int(str(r[6])),
        communities,
        str(r[8]),
        db_time(r[9]),
    )


class SqliteCalls:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def create(
        self,
        fund_id: int,
        title: str,
        kind: str,
        ceiling_fen: int,
        deadline_at: datetime,
        community_ids: Sequence[int],
        created_by: int,
        now: datetime,
    ) -> int:
        async with self._conn.execute(
            "INSERT INTO calls (fund_id, title, kind, ceiling_fen, deadline_at, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (fund_id, title, kind, ceiling_fen, to_db_time(deadline_at), created_by, to_db_time(now)),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        call_id = int(row[0])
        for community_id in sorted(set(community_ids)):
            await self._conn.execute(
                "INSERT INTO call_communities (call_id, community_id) VALUES (?, ?)", (call_id, community_id)
            )
        return call_id

    async def _many(self, where: str, params: Sequence[object]) -> list[Call]:
        async with self._conn.execute(f"{_CALL} {where} ORDER BY status = 'awarded', id DESC", params) as cursor:
            rows = await cursor.fetchall()
        result = []
        for r in rows:
            async with self._conn.execute(
                "SELECT community_id FROM call_communities WHERE call_id = ? ORDER BY community_id", (int(r[0]),)
            ) as cursor:
                communities = tuple(int(c[0]) for c in await cursor.fetchall())
            result.append(
                Call(
                    int(r[0]),
                    int(r[1]),
                    str(r[2]),
                    str(r[3]),
                    int(r[4]),
                    db_time(r[5]),
                    str(r[6]),
                    int(r[7]),
                    int_or_none(r[8]),
                    None if r[9] is None else str(r[9]),
                    int_or_none(r[10]),
                    communities,
                )
            )
        return result

    async def get(self, call_id: int) -> Call | None:
        found = await self._many("WHERE id = ?", (call_id,))
        return found[0] if found else None

    async def all(self, limit: int = 50) -> Sequence[Call]:
        return (await self._many("", ()))[:limit]

    async def apply(
        self,
        call_id: int,
        organization_id: int,
        applicant_id: int,
        proposal: str,
        budget_fen: int,
        community_ids: Sequence[int],
        via: str,
        now: datetime,
    ) -> int:
        """One application per organisation per call: applying again replaces the earlier one."""
        async with self._conn.execute(
            "INSERT INTO call_applications (call_id, organization_id, applicant_id, proposal, budget_fen, communities, "
            "via, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id, organization_id) DO UPDATE SET "
            "applicant_id = excluded.applicant_id, proposal = excluded.proposal, budget_fen = excluded.budget_fen, "
            "communities = excluded.communities, via = excluded.via, submitted_at = excluded.submitted_at RETURNING id",
            (
                call_id,
                organization_id,
                applicant_id,
                proposal,
                budget_fen,
                json.dumps(sorted(set(community_ids))),
                via,
                to_db_time(now),
            ),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def applications(self, call_id: int) -> Sequence[CallApplication]:
        async with self._conn.execute(f"{_APPLICATION} WHERE a.call_id = ? ORDER BY a.id", (call_id,)) as cursor:
            return [_application(r) for r in await cursor.fetchall()]

    async def application(self, application_id: int) -> CallApplication | None:
        async with self._conn.execute(f"{_APPLICATION} WHERE a.id = ?", (application_id,)) as cursor:
            row = await cursor.fetchone()
        return _application(row) if row else None

    async def award(self, call_id: int, application_id: int, reason: str, awarded_by: int, now: datetime) -> bool:
        """Open → awarded, once: False when it was awarded already (two presses, two staff at once)."""
        cursor = await self._conn.execute(
            "UPDATE calls SET status = 'awarded', application_id = ?, award_reason = ?, awarded_by = ?, "
            "awarded_at = ? WHERE id = ? AND status = 'open'",
            (application_id, reason, awarded_by, to_db_time(now), call_id),
        )
        return cursor.rowcount == 1

    async def set_project(self, call_id: int, project_id: int) -> None:
        """The project the award made (written after the award claimed the call)."""
        await self._conn.execute("UPDATE calls SET project_id = ? WHERE id = ?", (project_id, call_id))

    async def members_serving(self, community_ids: Sequence[int]) -> Sequence[tuple[int, str]]:
        """(chat id, locale) of everyone who may apply for an organisation (an org member or a social worker with
        one) and serves one of these communities; people who blocked the bot are left out."""
        if not community_ids:
            return []
        marks = ", ".join("?" for _ in community_ids)
        async with self._conn.execute(
            "SELECT DISTINCT u.telegram_id, u.locale FROM providers p JOIN users u ON u.telegram_id = p.telegram_id "
            f"JOIN provider_communities pc ON pc.telegram_id = p.telegram_id AND pc.community_id IN ({marks}) "
            "WHERE p.kind IN ('org_member', 'social_worker') AND p.organization_id IS NOT NULL "
            "AND u.blocked_at IS NULL ORDER BY u.telegram_id",
            list(community_ids),
        ) as cursor:
            return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]
