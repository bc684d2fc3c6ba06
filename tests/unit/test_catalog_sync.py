"""Importing a catalogue into a real SQLite file: plan, then apply; upsert by service_id, deactivate what disappeared,
honour `active`, create categories, refuse unknown communities, and keep a community's staff to their own services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from core.catalog import ServiceEntry
from core.catalog_sync import (
    CatalogChanged,
    ImportRefused,
    PendingImport,
    apply_plan,
    import_entries,
    load_entries,
    plan_import,
    upload_type,
)
from storage.db import Database
from storage.protocols import UnitOfWork
from storage.records import Community, utc_now

PIPES = ServiceEntry(
    "S1", "管道疏通", "housekeeping", keywords=("下水道",), organization="便民队", communities=("桂花社区", "阳光社区")
)
MEALS = ServiceEntry("S2", "助餐送餐", "elderly", organization="安康站")


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = await Database.open(db_url)
    async with database.transaction() as tx:
        for name in ("阳光社区", "桂花社区"):
            await tx.communities.add(name, utc_now())
    yield database
    await database.close()


async def community(tx: UnitOfWork, name: str) -> Community:
    found = await tx.communities.by_name(name)
    assert found is not None
    return found


async def test_first_import_adds_everything_and_names_new_organisations(db: Database) -> None:
    async with db.transaction() as tx:
        report = await import_entries(tx, [PIPES, MEALS], utc_now())
    assert report.added == ["S1", "S2"] and not report.updated and not report.deactivated
    assert report.new_organizations == ["便民队", "安康站"] and report.new_communities == []
    assert report.version == 1


async def test_an_unknown_community_is_refused_with_the_nearest_names_unless_told_to_create_it(db: Database) -> None:
    typo = replace(PIPES, communities=("阳光社区", "桂化社区"))
    mars = ServiceEntry("S3", "理发", "elderly", communities=("火星社区",))
    async with db.transaction() as tx:
        plan = await plan_import(tx, [typo, mars], lines={"S1": 4, "S3": 7})
        assert not plan.ok and plan.only_unknown_communities
        unknown = {u.name: u for u in plan.unknown_communities}
        assert unknown["桂化社区"].lines == (4,) and unknown["桂化社区"].nearest[0] == "桂花社区"
        assert unknown["火星社区"].lines == (7,)
        with pytest.raises(ImportRefused):
            await apply_plan(tx, plan, utc_now())
        assert await load_entries(tx) == []  # nothing written
        report = await import_entries(tx, [typo, mars], utc_now(), create_communities=True)
        assert report.new_communities == ["桂化社区", "火星社区"]
        assert {c.name for c in await tx.communities.list_all()} == {"阳光社区", "桂花社区", "桂化社区", "火星社区"}


async def test_a_community_written_another_way_is_the_known_one(db: Database) -> None:
    async with db.transaction() as tx:
        await import_entries(tx, [replace(PIPES, communities=("阳光", "桂花社区居委会"))], utc_now())
        [stored] = await load_entries(tx)
    assert stored.communities == ("桂花社区", "阳光社区")


async def test_reimport_is_unchanged_updates_and_deactivates_never_deletes(db: Database) -> None:
    async with db.transaction() as tx:
        await import_entries(tx, [PIPES, MEALS], utc_now())
        same = await import_entries(tx, [PIPES, MEALS], utc_now())
        assert same.unchanged == ["S1", "S2"] and not same.updated
        renamed = replace(PIPES, name="管道疏通（24小时）")
        report = await import_entries(tx, [renamed], utc_now())
        assert report.updated == ["S1"] and report.deactivated == ["S2"]
        entries = {e.service_id: e for e in await load_entries(tx)}
        assert entries["S2"].active is False and entries["S1"].name == "管道疏通（24小时）"
        assert [e.service_id for e in await load_entries(tx, include_inactive=False)] == ["S1"]
        back = await import_entries(tx, [renamed, MEALS], utc_now())
        assert back.updated == ["S2"]  # reactivated: the file says it is active


async def test_active_is_what_the_file_says_and_an_export_import_round_trip_keeps_it(db: Database) -> None:
    paused = replace(MEALS, active=False)
    async with db.transaction() as tx:
        first = await import_entries(tx, [PIPES, paused], utc_now())
        assert first.added == ["S1", "S2"]
        assert {e.service_id: e.active for e in await load_entries(tx)} == {"S1": True, "S2": False}
        # What `sanshe catalog export` writes, imported again: nothing changes, S2 stays inactive.
        again = await import_entries(tx, await load_entries(tx), utc_now())
        assert again.unchanged == ["S1", "S2"] and not again.updated and not again.deactivated
        assert {e.service_id: e.active for e in await load_entries(tx)} == {"S1": True, "S2": False}


async def test_new_categories_are_created_once_and_a_service_keeps_all_its_categories_in_order(db: Database) -> None:
    handy = ServiceEntry("S3", "代缴水电费", "便民服务", other_categories=("elderly", "Pets"))
    async with db.transaction() as tx:
        report = await import_entries(tx, [handy], utc_now())
        assert report.new_categories == ["便民服务", "Pets"]
        codes = [c.code for c in await tx.catalog.categories()]
        assert codes[:3] == ["elderly", "children", "disabled"] and codes[-2:] == ["便民服务", "Pets"]
        [stored] = await load_entries(tx)
        assert stored.categories == ("便民服务", "elderly", "Pets")
        # The same category in another spelling is not new again.
        second = await import_entries(tx, [replace(handy, other_categories=("elderly", "pets"))], utc_now())
        assert second.new_categories == [] and second.unchanged == ["S3"]


async def test_every_optional_column_is_stored(db: Database) -> None:
    full = ServiceEntry(
        "S9", "法律咨询", "legal", "每周三下午律师坐班", ("律师", "打官司"), "明德律师事务所", ("阳光社区",),
        "本社区居民", True, ("elderly",), "0731-84567890", "阳光社区服务中心二楼", "周三 14:00-17:00", "免费",
    )  # fmt: skip
    async with db.transaction() as tx:
        await import_entries(tx, [full], utc_now())
        assert await load_entries(tx) == [full]


async def test_staff_touch_only_their_own_community(db: Database) -> None:
    neighbour = ServiceEntry("G1", "桂花理发", "elderly", communities=("桂花社区",))
    shared = ServiceEntry("X1", "法律援助", "legal", communities=("阳光社区", "桂花社区"))
    everywhere = ServiceEntry("E1", "心理热线", "mental")
    old_own = ServiceEntry("Y0", "旧服务", "elderly", communities=("阳光社区",))
    async with db.transaction() as tx:
        await import_entries(tx, [neighbour, shared, everywhere, old_own], utc_now())
        sunshine = await community(tx, "阳光社区")
        mine = [
            ServiceEntry("Y1", "助浴", "elderly"),  # blank: this community's
            ServiceEntry("Y2", "配餐", "elderly", communities=("阳光",)),  # this community, written short
            ServiceEntry("Y3", "修水管", "housekeeping", communities=("桂花社区",)),  # another community
            ServiceEntry("G1", "改名", "elderly", communities=("阳光社区",)),  # another community's service id
            ServiceEntry("X1", "改名", "legal"),  # a shared service's id
        ]
        plan = await plan_import(tx, mine, lines={"Y1": 3, "Y2": 4, "Y3": 5, "G1": 6, "X1": 7}, scope=sunshine)
        assert [e.line for e in plan.errors] == [5, 6, 7]
        assert plan.errors[0].keys == ("catalog.error.other_community",)
        assert plan.errors[1].keys == plan.errors[2].keys == ("catalog.error.not_own_service",)
        good = await plan_import(tx, mine[:2], scope=sunshine)
        assert good.ok and good.added == ["Y1", "Y2"]
        assert good.deactivated == ["Y0"]  # only this community's own services; G1, X1, E1 are left alone
        await apply_plan(tx, good, utc_now())
        stored = {e.service_id: e for e in await load_entries(tx)}
    assert stored["Y1"].communities == stored["Y2"].communities == ("阳光社区",)
    assert stored["G1"].active and stored["X1"].active and stored["E1"].active and not stored["Y0"].active


async def test_applying_a_plan_after_the_catalogue_moved_is_refused(db: Database) -> None:
    async with db.transaction() as tx:
        plan = await plan_import(tx, [PIPES], lines={})
        await import_entries(tx, [MEALS], utc_now())  # someone else's import in between
        with pytest.raises(CatalogChanged):
            await apply_plan(tx, plan, utc_now())


def test_pending_import_reads_back_only_what_it_wrote() -> None:
    pending = PendingImport.new("BQACfile", "清单.xlsx", ".xlsx", "abc", 3)
    assert PendingImport.from_data(pending.to_data()) == pending
    assert PendingImport.from_data({}) is None
    assert PendingImport.from_data({PendingImport.KEY: "x"}) is None
    assert (
        PendingImport.from_data({PendingImport.KEY: {**pending.to_data()[PendingImport.KEY], "version": "3"}}) is None
    )
    assert PendingImport.from_data({PendingImport.KEY: {"token": "t"}}) is None
    renewed = pending.renewed(4)
    assert renewed.version == 4 and renewed.token != pending.token and renewed.digest == pending.digest


@pytest.mark.parametrize(
    ("name", "kind"),
    [("清单.xlsx", ".xlsx"), ("A.CSV", ".csv"), ("old.xls", None), ("x.xlsx.pdf", None), (None, None), ("", None)],
)
def test_upload_type_by_the_file_name(name: str | None, kind: str | None) -> None:
    assert upload_type(name) == kind
