"""Providers, what they offer and where, and the offers (pushes) of requests to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.dialect import dialect_of, minutes_between
from storage.records import Application, Candidate, Offer, OfferFact, OpenRound, Provider, from_db_time, to_db_time

# A provider's tasks that still need them.
_OPEN = "('accepted', 'in_progress')"


class SqliteProviders:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def upsert(self, provider: Provider, organization_id: int | None, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO providers (telegram_id, kind, display_name, organization_id, supervisor_id, on_duty, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(telegram_id) DO UPDATE SET kind = excluded.kind, "
            "display_name = excluded.display_name, organization_id = excluded.organization_id, "
            "supervisor_id = excluded.supervisor_id",
            (provider.telegram_id, provider.kind, provider.display_name, organization_id, provider.supervisor_id,
             int(provider.on_duty), to_db_time(now)),
        )  # fmt: skip
        await self._conn.execute("DELETE FROM provider_services WHERE telegram_id = ?", (provider.telegram_id,))
        await self._conn.executemany(
            "INSERT INTO provider_services (telegram_id, service_id) VALUES (?, ?)",
            [(provider.telegram_id, sid) for sid in provider.service_ids],
        )
        await self._conn.execute("DELETE FROM provider_communities WHERE telegram_id = ?", (provider.telegram_id,))
        await self._conn.executemany(
            "INSERT INTO provider_communities (telegram_id, community_id) VALUES (?, ?)",
            [(provider.telegram_id, cid) for cid in provider.community_ids],
        )

    async def get(self, telegram_id: int) -> Provider | None:
        async with self._conn.execute(
            "SELECT p.telegram_id, p.kind, p.display_name, o.name, p.supervisor_id, p.on_duty FROM providers p "
            "LEFT JOIN organizations o ON o.id = p.organization_id WHERE p.telegram_id = ?",
            (telegram_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._conn.execute(
            "SELECT service_id FROM provider_services WHERE telegram_id = ? ORDER BY service_id", (telegram_id,)
        ) as cursor:
            services = tuple(r[0] for r in await cursor.fetchall())
        async with self._conn.execute(
            "SELECT community_id FROM provider_communities WHERE telegram_id = ? ORDER BY community_id", (telegram_id,)
        ) as cursor:
            communities = tuple(int(r[0]) for r in await cursor.fetchall())
        return Provider(row[0], row[1], row[2], row[3], row[4], bool(row[5]), services, communities)

    async def set_on_duty(self, telegram_id: int, on_duty: bool) -> None:
        await self._conn.execute("UPDATE providers SET on_duty = ? WHERE telegram_id = ?", (int(on_duty), telegram_id))

    async def candidates(self, service_id: str, community_id: int, request_id: int) -> Sequence[Candidate]:
        """Offers the service, serves the community, on duty, reachable, not yet offered this request.
        "Serves" is provider_communities only: a community the provider merely asked to serve (a pending
        community_applications row) does not count until its staff approve."""
        async with self._conn.execute(
            "SELECT p.telegram_id, "
            f"(SELECT COUNT(*) FROM requests r WHERE r.provider_id = p.telegram_id AND r.status IN {_OPEN}), "
            "(SELECT AVG(r.rating) FROM requests r WHERE r.provider_id = p.telegram_id AND r.rating IS NOT NULL), "
            f"(SELECT AVG({minutes_between(dialect_of(self._conn), 'f.offered_at', 'f.answered_at')}) FROM offers f "
            " WHERE f.provider_id = p.telegram_id AND f.answer IN ('accepted', 'declined')) "
            "FROM providers p JOIN users u ON u.telegram_id = p.telegram_id "
            "JOIN provider_services s ON s.telegram_id = p.telegram_id AND s.service_id = ? "
            "JOIN provider_communities c ON c.telegram_id = p.telegram_id AND c.community_id = ? "
            "WHERE p.on_duty = 1 AND u.blocked_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.request_id = ? AND f.provider_id = p.telegram_id)",
            (service_id, community_id, request_id),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            Candidate(
                int(r[0]),
                int(r[1]),
                float(r[2]) if r[2] is not None else None,
                float(r[3]) if r[3] is not None else None,
            )
            for r in rows
        ]

    async def add_offer(self, request_id: int, provider_id: int, outbox_id: int | None, now: datetime) -> int:
        async with self._conn.execute(
            "INSERT INTO offers (request_id, provider_id, outbox_id, offered_at) VALUES (?, ?, ?, ?) RETURNING id",
            (request_id, provider_id, outbox_id, to_db_time(now)),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def offers(self, request_id: int) -> Sequence[Offer]:
        async with self._conn.execute(
            "SELECT id, request_id, provider_id, outbox_id, answer FROM offers WHERE request_id = ? ORDER BY id",
            (request_id,),
        ) as cursor:
            return [Offer(r[0], r[1], r[2], r[3], r[4]) for r in await cursor.fetchall()]

    async def answer_offer(self, request_id: int, provider_id: int, answer: str, now: datetime) -> bool:
        """Record an answer to a still-open offer; False if there was none (stale or someone else's)."""
        cursor = await self._conn.execute(
            "UPDATE offers SET answer = ?, answered_at = ? WHERE request_id = ? AND provider_id = ? AND answer IS NULL",
            (answer, to_db_time(now), request_id, provider_id),
        )
        return cursor.rowcount == 1

    async def close_open_offers(self, request_id: int, answer: str, now: datetime) -> Sequence[Offer]:
        """Close every unanswered offer of a request (someone won, or it ended); return them."""
        open_offers = [o for o in await self.offers(request_id) if o.answer is None]
        await self._conn.execute(
            "UPDATE offers SET answer = ?, answered_at = ? WHERE request_id = ? AND answer IS NULL",
            (answer, to_db_time(now), request_id),
        )
        return open_offers

    async def claim(self, request_id: int, provider_id: int, now: datetime) -> bool:
        """The first accept wins: only a request still waiting for a provider can be claimed."""
        cursor = await self._conn.execute(
            "UPDATE requests SET provider_id = ?, updated_at = ? WHERE id = ? AND provider_id IS NULL "
            "AND status = 'dispatched'",
            (provider_id, to_db_time(now), request_id),
        )
        return cursor.rowcount == 1

    async def release(self, request_id: int, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE requests SET provider_id = NULL, updated_at = ? WHERE id = ?", (to_db_time(now), request_id)
        )

    async def outbox_message_id(self, outbox_id: int) -> int | None:
        async with self._conn.execute("SELECT message_id FROM outbox WHERE id = ?", (outbox_id,)) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    async def open_rounds(self) -> Sequence[OpenRound]:
        async with self._conn.execute(
            "SELECT r.id, MAX(f.offered_at), s.category, r.when_code FROM requests r "
            "JOIN offers f ON f.request_id = r.id AND f.answer IS NULL "
            "LEFT JOIN services s ON s.service_id = r.service_id "
            # s.category too: PostgreSQL does not take it as fixed by r.id (a column of a joined table).
            "WHERE r.status = 'dispatched' GROUP BY r.id, s.category, r.when_code ORDER BY r.id"
        ) as cursor:
            rows = await cursor.fetchall()
        return [OpenRound(int(r[0]), from_db_time(r[1]) or datetime.min, r[2], r[3]) for r in rows]

    async def stalled_tasks(self, updated_before: datetime) -> Sequence[int]:
        """Accepted or started tasks untouched since `updated_before` that were not reminded yet."""
        async with self._conn.execute(
            # Sorted here, not by ORDER BY id: with it, the planner reads the whole table in id order rather than
            # the few open tasks through requests_status_updated (its statistics see ~1/10 of rows per status).
            "SELECT id FROM requests WHERE status IN ('accepted', 'in_progress') AND updated_at < ? "
            "AND reminded_at IS NULL",
            (to_db_time(updated_before),),
        ) as cursor:
            return sorted(int(r[0]) for r in await cursor.fetchall())

    async def mark_reminded(self, request_id: int, now: datetime) -> None:
        await self._conn.execute("UPDATE requests SET reminded_at = ? WHERE id = ?", (to_db_time(now), request_id))

    async def offer_facts(
        self, since: datetime, until: datetime, community_id: int | None = None, provider_id: int | None = None
    ) -> Sequence[OfferFact]:
        """The offers made in [since, until), of one community's requests and/or to one provider if given."""
        query = (
            "SELECT f.provider_id, p.display_name, o.name, c.name, f.offered_at, f.answer, f.answered_at, "
            "CASE WHEN r.provider_id = f.provider_id THEN (SELECT MIN(h.at) FROM request_history h "
            "  WHERE h.request_id = r.id AND h.to_status = 'done') END, "
            "CASE WHEN r.provider_id = f.provider_id THEN r.rating END "
            "FROM offers f JOIN requests r ON r.id = f.request_id JOIN providers p ON p.telegram_id = f.provider_id "
            "LEFT JOIN organizations o ON o.id = p.organization_id JOIN communities c ON c.id = r.community_id "
            "WHERE f.offered_at >= ? AND f.offered_at < ?"
        )
        params: tuple[object, ...] = (to_db_time(since), to_db_time(until))
        if community_id is not None:
            query += " AND r.community_id = ?"
            params += (community_id,)
        if provider_id is not None:  # a provider's own /stats: their offers (an index range), not the city's
            query += " AND f.provider_id = ?"
            params += (provider_id,)
        async with self._conn.execute(query + " ORDER BY f.id", params) as cursor:
            rows = await cursor.fetchall()
        return [offer_fact(r) for r in rows]

    # Asking to serve a community one was not invited to (community_applications, migration 0012).

    async def apply(self, provider_id: int, community_id: int, invited_by: int | None, now: datetime) -> int:
        """Record a pending ask; an ask already pending for the same community is kept (its id returned)."""
        await self._conn.execute(
            "INSERT INTO community_applications (provider_id, community_id, invited_by, requested_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (provider_id, community_id) WHERE status = 'pending' DO NOTHING",
            (provider_id, community_id, invited_by, to_db_time(now)),
        )
        async with self._conn.execute(
            "SELECT id FROM community_applications WHERE provider_id = ? AND community_id = ? AND status = 'pending'",
            (provider_id, community_id),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def application(self, application_id: int) -> Application | None:
        async with self._conn.execute(
            f"SELECT {_APPLICATION} FROM community_applications WHERE id = ?", (application_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _application(row) if row is not None else None

    async def applications(self, provider_id: int) -> Sequence[Application]:
        async with self._conn.execute(
            f"SELECT {_APPLICATION} FROM community_applications WHERE provider_id = ? ORDER BY id", (provider_id,)
        ) as cursor:
            return [_application(r) for r in await cursor.fetchall()]

    async def decide(self, application_id: int, approve: bool, decided_by: int, now: datetime) -> bool:
        """Approve or refuse a still-pending ask (of two presses at once exactly one wins); approving makes
        the provider serve the community."""
        cursor = await self._conn.execute(
            "UPDATE community_applications SET status = ?, decided_by = ?, decided_at = ? "
            "WHERE id = ? AND status = 'pending'",
            ("approved" if approve else "refused", decided_by, to_db_time(now), application_id),
        )
        if cursor.rowcount != 1:
            return False
        if approve:
            await self._conn.execute(
                "INSERT INTO provider_communities (telegram_id, community_id) "
                "SELECT provider_id, community_id FROM community_applications WHERE id = ? ON CONFLICT DO NOTHING",
                (application_id,),
            )
        return True


_APPLICATION = "id, provider_id, community_id, status, invited_by, decided_by"


def _application(row: aiosqlite.Row) -> Application:
    invited_by, decided_by = row[4], row[5]
    return Application(
        int(row[0]),
        int(row[1]),
        int(row[2]),
        str(row[3]),
        int(invited_by) if invited_by is not None else None,
        int(decided_by) if decided_by is not None else None,
    )


def offer_fact(r: aiosqlite.Row) -> OfferFact:
    """One row of a query selecting an offer's facts in OfferFact's field order (also storage/sqlite/projects.py)."""
    return OfferFact(
        int(r[0]), r[1], r[2], r[3], from_db_time(r[4]) or datetime.min, r[5], from_db_time(r[6]),
        from_db_time(r[7]), r[8],
    )  # fmt: skip
