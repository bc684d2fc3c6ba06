"""Organisations, services and their categories. Community and organisation names are created on demand by
upsert; a service's categories must exist first (`add_category`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from storage.dialect import Dialect, dialect_of
from storage.records import CategoryRecord, ServiceRecord, to_db_time

# A service as ServiceRecord holds it; `s` is services, `o` its organisation (see SERVICE_TABLES).
SERVICE_COLUMNS = (
    "s.service_id, s.name, s.category, s.description, s.keywords, o.name AS organization, s.eligibility, "
    "s.active, s.phone, s.address, s.hours, s.fee, "
    "(SELECT json_group_array(c.name) FROM service_communities sc "
    "JOIN communities c ON c.id = sc.community_id WHERE sc.service_id = s.service_id) AS communities, "
    "(SELECT json_group_array(category) FROM (SELECT x.category FROM service_categories x "
    "WHERE x.service_id = s.service_id AND x.position > 0 ORDER BY x.position)) AS other_categories"
)
# The same on PostgreSQL, whose json_agg is NULL over no rows and takes its order as an argument.
_PG_SERVICE_COLUMNS = (
    "s.service_id, s.name, s.category, s.description, s.keywords, o.name AS organization, s.eligibility, "
    "s.active, s.phone, s.address, s.hours, s.fee, "
    "(SELECT COALESCE(json_agg(c.name)::text, '[]') FROM service_communities sc "
    "JOIN communities c ON c.id = sc.community_id WHERE sc.service_id = s.service_id) AS communities, "
    "(SELECT COALESCE(json_agg(x.category ORDER BY x.position)::text, '[]') FROM service_categories x "
    "WHERE x.service_id = s.service_id AND x.position > 0) AS other_categories"
)
SERVICE_TABLES = "services s LEFT JOIN organizations o ON o.id = s.organization_id"


def service_columns(dialect: Dialect) -> str:
    return _PG_SERVICE_COLUMNS if dialect == "postgresql" else SERVICE_COLUMNS


def service_from_row(row: aiosqlite.Row) -> ServiceRecord:
    return ServiceRecord(
        service_id=row["service_id"],
        name=row["name"],
        category=row["category"],
        description=row["description"],
        keywords=tuple(json.loads(row["keywords"])),
        organization=row["organization"],
        communities=tuple(sorted(json.loads(row["communities"]))),
        eligibility=row["eligibility"],
        active=bool(row["active"]),
        other_categories=tuple(json.loads(row["other_categories"])),
        phone=row["phone"],
        address=row["address"],
        hours=row["hours"],
        fee=row["fee"],
    )


class SqliteCatalog:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def version(self) -> int:
        async with self._conn.execute("SELECT version FROM catalog_version WHERE id = 1") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def bump_version(self) -> int:
        async with self._conn.execute(
            "UPDATE catalog_version SET version = version + 1 WHERE id = 1 RETURNING version"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def services(self, *, include_inactive: bool = True) -> Sequence[ServiceRecord]:
        where = "" if include_inactive else "WHERE s.active = 1"
        async with self._conn.execute(
            f"SELECT {service_columns(dialect_of(self._conn))} FROM {SERVICE_TABLES} {where} ORDER BY s.service_id"
        ) as cursor:
            return [service_from_row(row) for row in await cursor.fetchall()]

    async def ensure_organization(self, name: str, now: datetime) -> int:
        await self._conn.execute(
            "INSERT INTO organizations (name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
            (name, to_db_time(now)),
        )
        async with self._conn.execute("SELECT id FROM organizations WHERE name = ?", (name,)) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def _community_id(self, name: str, now: datetime) -> int:
        await self._conn.execute(
            "INSERT INTO communities (name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
            (name, to_db_time(now)),
        )
        async with self._conn.execute("SELECT id FROM communities WHERE name = ?", (name,)) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def upsert(self, service: ServiceRecord, now: datetime) -> None:
        organization_id = await self.ensure_organization(service.organization, now) if service.organization else None
        stamp = to_db_time(now)
        await self._conn.execute(
            "INSERT INTO services (service_id, name, category, description, keywords, organization_id, "
            "eligibility, active, phone, address, hours, fee, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(service_id) DO UPDATE SET name = excluded.name, category = excluded.category, "
            "description = excluded.description, keywords = excluded.keywords, "
            "organization_id = excluded.organization_id, eligibility = excluded.eligibility, "
            "active = excluded.active, phone = excluded.phone, address = excluded.address, "
            "hours = excluded.hours, fee = excluded.fee, updated_at = excluded.updated_at",
            (
                service.service_id, service.name, service.category, service.description,
                json.dumps(list(service.keywords), ensure_ascii=False), organization_id,
                service.eligibility, int(service.active), service.phone, service.address, service.hours,
                service.fee, stamp, stamp,
            ),
        )  # fmt: skip
        await self._conn.execute("DELETE FROM service_categories WHERE service_id = ?", (service.service_id,))
        codes = list(dict.fromkeys((service.category, *service.other_categories)))
        await self._conn.executemany(
            "INSERT INTO service_categories (service_id, category, position) VALUES (?, ?, ?)",
            [(service.service_id, code, position) for position, code in enumerate(codes)],
        )
        await self._conn.execute("DELETE FROM service_communities WHERE service_id = ?", (service.service_id,))
        for community in service.communities:
            community_id = await self._community_id(community, now)
            await self._conn.execute(
                "INSERT INTO service_communities (service_id, community_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (service.service_id, community_id),
            )

    async def deactivate_except(self, keep: Iterable[str], now: datetime) -> list[str]:
        """Deactivate (never delete: requests may refer to them) every active service not in `keep`."""
        kept = set(keep)
        async with self._conn.execute("SELECT service_id FROM services WHERE active = 1") as cursor:
            gone = sorted(row[0] for row in await cursor.fetchall() if row[0] not in kept)
        await self._conn.executemany(
            "UPDATE services SET active = 0, updated_at = ? WHERE service_id = ?",
            [(to_db_time(now), service_id) for service_id in gone],
        )
        return gone

    async def service_ids(self) -> set[str]:
        async with self._conn.execute("SELECT service_id FROM services WHERE active = 1") as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def organization_names(self) -> set[str]:
        async with self._conn.execute("SELECT name FROM organizations") as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def deactivate(self, service_ids: Iterable[str], now: datetime) -> None:
        await self._conn.executemany(
            "UPDATE services SET active = 0, updated_at = ? WHERE service_id = ?",
            [(to_db_time(now), service_id) for service_id in service_ids],
        )

    async def categories(self) -> Sequence[CategoryRecord]:
        async with self._conn.execute(
            "SELECT code, name_zh, name_en, builtin FROM categories ORDER BY position, created_at, code"
        ) as cursor:
            return [CategoryRecord(row[0], row[1], row[2], bool(row[3])) for row in await cursor.fetchall()]

    async def add_category(self, category: CategoryRecord, now: datetime) -> None:
        """Add a category if its code is new (a category named in a catalogue file); keeps an existing one."""
        await self._conn.execute(
            "INSERT INTO categories (code, name_zh, name_en, builtin, position, created_at) "
            "VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories), ?) "
            "ON CONFLICT(code) DO NOTHING",
            (category.code, category.name_zh, category.name_en, int(category.builtin), to_db_time(now)),
        )
