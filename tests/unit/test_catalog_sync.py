"""Importing a catalogue: upsert by service_id, deactivate what disappeared, report what is new."""

from __future__ import annotations

from core.catalog import ServiceEntry
from core.catalog_sync import import_entries, load_entries
from storage.records import utc_now
from tests.unit.fakes import FakeUnitOfWork

PIPES = ServiceEntry(
    "S1", "管道疏通", "housekeeping", keywords=("下水道",), organization="便民队", communities=("B社区", "A社区")
)
MEALS = ServiceEntry("S2", "助餐送餐", "elderly", organization="安康站")


async def test_first_import_adds_everything_and_names_new_organisations_and_communities() -> None:
    uow = FakeUnitOfWork(["A社区"])
    report = await import_entries(uow, [PIPES, MEALS], utc_now())
    assert report.added == ["S1", "S2"] and not report.updated and not report.deactivated
    assert report.new_organizations == ["便民队", "安康站"]
    assert report.new_communities == ["B社区"]
    assert report.version == 1


async def test_reimport_is_unchanged_updates_and_deactivates_never_deletes() -> None:
    uow = FakeUnitOfWork()
    await import_entries(uow, [PIPES, MEALS], utc_now())
    same = await import_entries(uow, [PIPES, MEALS], utc_now())
    assert same.unchanged == ["S1", "S2"] and not same.updated
    renamed = ServiceEntry("S1", "管道疏通（24小时）", "housekeeping", organization="便民队")
    report = await import_entries(uow, [renamed], utc_now())
    assert report.updated == ["S1"] and report.deactivated == ["S2"]
    entries = {e.service_id: e for e in await load_entries(uow)}
    assert entries["S2"].active is False and entries["S1"].name == "管道疏通（24小时）"
    assert [e.service_id for e in await load_entries(uow, include_inactive=False)] == ["S1"]
    back = await import_entries(uow, [renamed, MEALS], utc_now())
    assert back.updated == ["S2"]  # reactivated
