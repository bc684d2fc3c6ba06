"""The service-hours tables on both backends (`db_url`): the ledger, its reviews and the certificates are append-only
(a correction is a new row), one first report per task and person, one correction per figure."""

from __future__ import annotations

import sqlite3
from datetime import date
from zoneinfo import ZoneInfo

import psycopg
import pytest

from bot.sample_city import seed
from core import hours, hours_certificate
from core.people import register_provider
from core.requests import Status, move, open_request
from storage.db import Database
from storage.protocols import UnitOfWork
from storage.records import NewRequest, utc_now

TZ = ZoneInfo("Asia/Shanghai")
CHEN, LI, RESIDENT = 910001, 910002, 987670001


async def _finished_task(tx: UnitOfWork) -> int:
    now = utc_now()
    await seed(tx, now)  # the sample city: 阳光社区 and its catalogue
    community = await tx.communities.by_name("阳光社区")
    assert community is not None
    await tx.users.create(RESIDENT, "zh_CN", now)
    await register_provider(tx, CHEN, "social_worker", name="陈社工", organization="阳光社工服务中心",
                            service_ids=["S020"], communities=["阳光社区"], supervisor_id=None, locale="zh_CN",
                            now=now)  # fmt: skip
    change = await open_request(tx, NewRequest(RESIDENT, community.id, None, "修水管"), "阳光社区", now, TZ)
    request = change.request
    for status in (Status.UNMATCHED, Status.DONE):
        request = (await move(tx, request, status, now, actor_id=CHEN)).request
    return request.id


async def test_the_ledger_keeps_every_figure_and_refuses_changes(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        async with db.transaction() as tx:
            task = await _finished_task(tx)
            await hours.record(tx, task, CHEN, 90, utc_now())
            await hours.record(tx, task, CHEN, 60, utc_now())  # a correction: a second row
            certificate = await hours_certificate.issue(tx, CHEN, date(2000, 1, 1), date(2100, 1, 1), TZ, utc_now())
        for statement in ("UPDATE service_hours SET minutes = 720", "DELETE FROM service_hours",
                          "UPDATE hours_certificates SET minutes = 1", "DELETE FROM hours_certificates"):  # fmt: skip
            with pytest.raises(Exception, match=r"append-only|kept as issued"):
                async with db.transaction() as tx:
                    await tx.conn.execute(statement)  # type: ignore[attr-defined]
        # The unique indexes, as each driver reports them (SQLite's IntegrityError, PostgreSQL's UniqueViolation).
        duplicate = (sqlite3.IntegrityError, psycopg.errors.UniqueViolation)
        with pytest.raises(duplicate, match=r"UNIQUE constraint failed: service_hours\.person_id|one_report"):
            async with db.transaction() as tx:
                await tx.hours.add_entry(CHEN, task, 30, "reported", None, "social_worker", utc_now(), CHEN, utc_now())
        with pytest.raises(duplicate, match=r"UNIQUE constraint failed: service_hours\.corrects|one_correction"):
            async with db.transaction() as tx:
                first_id = (await tx.hours.entries(CHEN))[0].id  # already corrected once
                await tx.hours.add_entry(CHEN, task, 30, "correction", first_id, "social_worker", utc_now(), CHEN,
                                         utc_now())  # fmt: skip
        async with db.transaction() as tx:
            entries = await tx.hours.entries(CHEN)
            assert [(e.kind, e.minutes) for e in entries] == [("reported", 90), ("correction", 60)]
            assert entries[1].corrects == entries[0].id and entries[0].reference.startswith("YG-")
            stored = await tx.hours.certificate(certificate.code)
            assert stored is not None and (stored.minutes, stored.tasks, stored.person_name) == (60, 1, "陈社工")
            assert [t.request_id for t in await tx.hours.finished_tasks(CHEN)] == [task]
    finally:
        await db.close()


async def test_an_entry_is_found_by_its_id_and_a_supervisor_by_their_volunteers(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        async with db.transaction() as tx:
            task = await _finished_task(tx)
            recorded = await hours.record(tx, task, CHEN, 90, utc_now())
            await register_provider(tx, LI, "volunteer", name="小李", organization="阳光社工服务中心",
                                    service_ids=["S020"], communities=["阳光社区"], supervisor_id=CHEN,
                                    locale="zh_CN", now=utc_now())  # fmt: skip
        async with db.transaction() as tx:
            entry = await tx.hours.entry(recorded.entry_id)
            assert entry is not None and (entry.person_id, entry.request_id, entry.minutes) == (CHEN, task, 90)
            assert entry.reference.startswith("YG-") and await tx.hours.entry(recorded.entry_id + 1000) is None
            assert list(await tx.hours.supervised(CHEN)) == [LI] and list(await tx.hours.supervised(LI)) == []
    finally:
        await db.close()
