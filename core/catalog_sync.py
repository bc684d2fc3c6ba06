"""Bringing a parsed catalogue file into the database, and reading the catalogue back.

Re-import upserts by service_id; a service missing from the new file is deactivated, never deleted
(requests and statistics refer to it). Organisations and communities named in the file are created.
The caller's transaction makes it all-or-nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.catalog import ServiceEntry
from storage.protocols import UnitOfWork
from storage.records import ServiceRecord


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    new_organizations: list[str] = field(default_factory=list)
    new_communities: list[str] = field(default_factory=list)
    version: int = 0


def to_record(entry: ServiceEntry) -> ServiceRecord:
    # Communities are a set; sorting them makes an unchanged re-import compare equal to what is stored.
    return dataclasses.replace(ServiceRecord(**dataclasses.asdict(entry)), communities=tuple(sorted(entry.communities)))


def to_entry(record: ServiceRecord) -> ServiceEntry:
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(ServiceRecord)}
    return ServiceEntry(**values)


async def load_entries(uow: UnitOfWork, *, include_inactive: bool = True) -> list[ServiceEntry]:
    return [to_entry(r) for r in await uow.catalog.services(include_inactive=include_inactive)]


async def import_entries(uow: UnitOfWork, entries: Sequence[ServiceEntry], now: datetime) -> ImportReport:
    report = ImportReport()
    before = {r.service_id: r for r in await uow.catalog.services(include_inactive=True)}
    known_orgs = await uow.catalog.organization_names()
    known_communities = {c.name for c in await uow.communities.list_all()}
    for entry in entries:
        record = to_record(dataclasses.replace(entry, active=True))
        old = before.get(entry.service_id)
        if old is None:
            report.added.append(entry.service_id)
        elif old == record:
            report.unchanged.append(entry.service_id)
            continue
        else:
            report.updated.append(entry.service_id)
        if entry.organization and entry.organization not in known_orgs:
            known_orgs.add(entry.organization)
            report.new_organizations.append(entry.organization)
        for community in entry.communities:
            if community not in known_communities:
                known_communities.add(community)
                report.new_communities.append(community)
        await uow.catalog.upsert(record, now)
    report.deactivated = await uow.catalog.deactivate_except((e.service_id for e in entries), now)
    report.version = await uow.catalog.bump_version()
    return report
