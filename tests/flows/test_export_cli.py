"""`sanshe export needs|services` against a real SQLite file, as staff would run it before printing."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from core.requests import Status, move, open_request
from storage.db import Database
from storage.protocols import UnitOfWork
from storage.records import NewRequest, Provider
from tests.flows.test_catalog_cli import CATALOG, sanshe

TZ = ZoneInfo("Asia/Shanghai")
RESIDENT, NEIGHBOUR, PROVIDER = 987650001, 987650002, 987650003
PHONE, ADDRESS, NOTE = "13812345678", "阳光小区3栋502室", "门口有狗请敲门"
PRIVATE = (PHONE, "138 1234 5678", ADDRESS, "阳光小区", NOTE, str(RESIDENT), str(NEIGHBOUR), "28.19", "112.97")
NEEDS_HEADERS = ["编号", "提交时间", "类别", "服务", "需求", "状态", "服务人员", "评分"]
NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def _file(
    tx: UnitOfWork, resident: int, community: str, need: str, when: datetime, service_id: str | None = None
) -> int:
    """A request with every private field filled in, so that leaving them out is what the test checks."""
    found = await tx.communities.by_name(community)
    assert found is not None
    new = NewRequest(resident, found.id, service_id, need, address=ADDRESS, contact_phone=PHONE, note=NOTE,
                     latitude=28.19, longitude=112.97)  # fmt: skip
    return (await open_request(tx, new, community, when, TZ)).request.id


async def _advance(tx: UnitOfWork, request_id: int, *statuses: Status, when: datetime) -> None:
    for status in statuses:
        request = await tx.requests.get(request_id)
        assert request is not None
        await move(tx, request, status, when)
        if status is Status.DISPATCHED:
            assert await tx.providers.claim(request_id, PROVIDER, when)


async def seed_requests(db_path: Path) -> None:
    """Requests around the edges of November in Changsha time, one of them taken, done and rated."""
    db = await Database.open(f"sqlite:///{db_path}")
    try:
        async with db.transaction() as tx:
            t0 = at("2026-10-01T00:00:00")
            for person in (RESIDENT, NEIGHBOUR, PROVIDER):
                await tx.users.create(person, "zh_CN", t0)
                await tx.users.set_consent(person, t0, t0)
            sunshine = await tx.communities.by_name("阳光社区")
            assert sunshine is not None
            await tx.providers.upsert(Provider(PROVIDER, "social_worker", "陈社工", None, None, True, ("S020",),
                                               (sunshine.id,)), None, t0)  # fmt: skip
            plumbing = await _file(tx, RESIDENT, "阳光社区", f"厨房下水道堵了，请打{PHONE}，送到{ADDRESS}",
                                   at("2026-11-05T02:16:00"), "S020")  # fmt: skip
            done = at("2026-11-05T06:00:00")
            await _advance(tx, plumbing, Status.DISPATCHED, Status.ACCEPTED, Status.DONE, Status.RATED, when=done)
            await tx.requests.set_rating(plumbing, 5, "很好", done)
            # 11-01 00:30 in Changsha, still 10-31 in UTC: belongs to November.
            lonely = await _file(tx, NEIGHBOUR, "阳光社区", "想找人聊聊天，号码 138 1234 5678",
                                 at("2026-10-31T16:30:00"))  # fmt: skip
            await _advance(tx, lonely, Status.UNMATCHED, when=at("2026-10-31T16:31:00"))
            # 12-01 01:30 in Changsha: outside the period although it is 11-30 in UTC.
            await _file(tx, RESIDENT, "阳光社区", "十二月的求助", at("2026-11-30T17:30:00"))
            await _file(tx, RESIDENT, "桂花社区", "别的社区的求助", at("2026-11-10T02:00:00"))
            # A service that serves every community but was withdrawn must not be offered in print.
            keep = await tx.catalog.service_ids()
            await tx.catalog.deactivate_except(keep - {"S008"}, t0)
    finally:
        await db.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded folder for the module: exports only read the database, and each test names its own files."""
    folder = tmp_path_factory.mktemp("export")
    imported = sanshe(folder, "catalog", "import", str(CATALOG), "--create-communities")
    assert imported.returncode == 0, imported.stderr
    asyncio.run(seed_requests(folder / "sanshe.db"))
    return folder


def xlsx_text(path: Path) -> str:
    workbook = load_workbook(path)
    return "\n".join(
        str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row if value
    )


def test_needs_book_in_every_format_shows_the_period_and_nothing_private(city: Path) -> None:
    texts: dict[str, str] = {}
    for fmt in ("csv", "xlsx", "html"):
        result = sanshe(city, "export", "needs", "--community", "阳光社区", *NOVEMBER, "--format", fmt,
                        "--output", f"book.{fmt}")  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "已导出 2 条求助" in result.stdout
        path = city / f"book.{fmt}"
        texts[fmt] = xlsx_text(path) if fmt == "xlsx" else path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(texts["csv"])))
    assert rows[0] == NEEDS_HEADERS
    lonely, plumbing = rows[1], rows[2]
    assert lonely[1:3] == ["2026-11-01 00:30", "未匹配"] and lonely[5] == "社区工作人员处理中"
    assert plumbing[1:4] == ["2026-11-05 10:16", "家政维修", "管道疏通"]
    assert plumbing[5:] == ["已评价", "陈社工", "5"]
    assert "［电话已隐去］" in plumbing[4] and "［地址已隐去］" in plumbing[4]
    assert [h for h in NEEDS_HEADERS if h not in texts["xlsx"]] == []
    assert '<th scope="col">编号</th>' in texts["html"] and "2026年11月1日至2026年11月30日" in texts["html"]
    for fmt, text in texts.items():
        assert "十二月的求助" not in text and "别的社区的求助" not in text, fmt
        assert [p for p in PRIVATE if p in text] == [], fmt


def test_service_directory_lists_what_serves_the_community(city: Path) -> None:
    result = sanshe(city, "export", "services", "--community", "枫林社区", "--output", "directory.xlsx")
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(city / "directory.xlsx")["服务目录"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["编号", "类别", "服务", "机构", "说明", "适用对象", "联系电话", "地址", "服务时间", "收费"]
    names = {row[2] for row in rows[1:]}
    assert {"独居老人探访", "陪同就医"} <= names  # serves all; lists 枫林社区
    assert "助餐送餐上门" not in names and "老年人智能手机教学" not in names  # elsewhere; deactivated
    assert rows[1][1] == "为老"


def test_default_output_is_named_after_what_it_holds(city: Path) -> None:
    result = sanshe(city, "export", "needs", "--community", "阳光社区", *NOVEMBER, "--format", "html")
    assert result.returncode == 0, result.stderr
    assert (city / "阳光社区_居民需求册_20261101-20261130.html").exists()
    listing = sanshe(city, "export", "services", "--community", "阳光社区")
    assert listing.returncode == 0 and list(city.glob("阳光社区_服务目录_*.csv"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["needs", "--community", "火星社区"], "unknown community"),
        (["services", "--community", "火星社区"], "unknown community"),
        (["needs", "--community", "阳光社区", "--from", "2026-11-31"], "YYYY-MM-DD"),
        (["needs", "--community", "阳光社区", "--from", "2026-11-02", "--to", "2026-11-01"], "after"),
        (["needs", "--community", "阳光社区", "--format", "pdf"], "unknown format"),
        (["services", "--community", "阳光社区", "--output", "no/such/folder/x.csv"], "cannot write"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(city: Path, args: list[str], says: str) -> None:
    result = sanshe(city, "export", *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr
    assert "Traceback" not in result.stderr
