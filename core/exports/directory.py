"""The service directory (社会组织服务目录): the active services open to one community, by category, with what a
resident needs to get each one (phone, address, opening hours, who may ask, fee).

The internal search keywords are not printed. The columns carry the headers a catalogue import reads (编号, 类别,
服务 …), so a directory saved as a workbook can be sent back as the community's catalogue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from core.catalog.categories import category_by_code, category_rank
from core.exports.report import Cell, Column, Report, Section, Table, zh_date
from storage.protocols import ReportRepository
from storage.records import Community, ServiceRecord

CATEGORY_COLUMN = 1
COLUMNS = (
    Column("编号", 8),
    Column("类别", 10),
    Column("服务", 20),
    Column("机构", 20),
    Column("说明", 44),
    Column("适用对象", 18),
    Column("联系电话", 15),
    Column("地址", 24),
    Column("服务时间", 18),
    Column("收费", 12),
)


def _category_name(code: str) -> str:
    return category_by_code(code).zh


def _categories(service: ServiceRecord) -> tuple[str, ...]:
    return tuple(dict.fromkeys((service.category, *service.other_categories)))


def directory_row(service: ServiceRecord) -> tuple[Cell, ...]:
    return (
        service.service_id,
        "、".join(_category_name(code) for code in _categories(service)),
        service.name,
        service.organization or "",
        service.description,
        service.eligibility,
        service.phone,  # text as written: 0731-84567890 keeps its zero and its dash in every format
        service.address,
        service.hours,
        service.fee,
    )


def build_directory(services: Sequence[ServiceRecord], community: Community, now: datetime, tz: ZoneInfo) -> Report:
    generated_at = now.astimezone(tz).replace(tzinfo=None)
    # By main category, the city's pilot focus first; a service in several categories is listed once, under
    # all of its names (为老、助残), and counted in each of them below.
    ordered = sorted(services, key=lambda s: (category_rank(s.category), _categories(s), s.service_id))
    rows = tuple(directory_row(s) for s in ordered)
    counts = Counter(code for s in ordered for code in _categories(s))
    by_category = tuple((_category_name(code), counts[code]) for code in sorted(counts, key=category_rank))
    organizations = {s.organization for s in ordered if s.organization}
    return Report(
        title=f"{community.name} 社会组织服务目录",
        subtitle=f"截至{zh_date(generated_at)}本社区可以申请的服务，共 {len(rows)} 项",
        generated_at=generated_at,
        sheet_name="服务目录",
        table=Table(COLUMNS, rows, group_column=CATEGORY_COLUMN, empty_text="本社区暂无登记的服务。"),
        summary=(
            Section("总体", ("项目", "数值"), (("服务项目", len(rows)), ("服务机构", len(organizations)))),
            Section("按类别", ("类别", "数量"), by_category),
        ),
        landscape=True,
    )


async def service_directory(reports: ReportRepository, community: Community, now: datetime, tz: ZoneInfo) -> Report:
    services = await reports.directory(community.id)
    return build_directory(services, community, now, tz)
