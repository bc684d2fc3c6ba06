"""The service directory (社会组织服务目录): the active services open to one community, by category."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from core.catalog.categories import CATEGORIES, resolve_category
from core.exports.report import Cell, Column, Report, Section, Table, zh_date
from storage.protocols import ReportRepository
from storage.records import Community, ServiceRecord

CATEGORY_COLUMN = 0
COLUMNS = (
    Column("类别", 10),
    Column("服务", 22),
    Column("机构", 24),
    Column("说明", 60),
    Column("适用对象", 24),
    Column("关键词", 30),
)


def _category_rank(code: str) -> int:
    # Registry order puts the city's pilot focus (为老, 扶幼, 助残) first; unknown codes go last.
    category = resolve_category(code)
    return CATEGORIES.index(category) if category else len(CATEGORIES)


def _category_name(code: str) -> str:
    category = resolve_category(code)
    return category.zh if category else code


def directory_row(service: ServiceRecord) -> tuple[Cell, ...]:
    return (
        _category_name(service.category),
        service.name,
        service.organization or "",
        service.description,
        service.eligibility,
        "、".join(service.keywords),
    )


def build_directory(services: Sequence[ServiceRecord], community: Community, now: datetime, tz: ZoneInfo) -> Report:
    generated_at = now.astimezone(tz).replace(tzinfo=None)
    ordered = sorted(services, key=lambda s: (_category_rank(s.category), s.service_id))
    rows = tuple(directory_row(s) for s in ordered)
    counts: dict[str, int] = {}
    for row in rows:
        name = str(row[CATEGORY_COLUMN])
        counts[name] = counts.get(name, 0) + 1
    organizations = {s.organization for s in ordered if s.organization}
    return Report(
        title=f"{community.name} 社会组织服务目录",
        subtitle=f"截至{zh_date(generated_at)}本社区可以申请的服务，共 {len(rows)} 项",
        generated_at=generated_at,
        sheet_name="服务目录",
        table=Table(COLUMNS, rows, group_column=CATEGORY_COLUMN, empty_text="本社区暂无登记的服务。"),
        summary=(
            Section("总体", ("项目", "数值"), (("服务项目", len(rows)), ("服务机构", len(organizations)))),
            Section("按类别", ("类别", "数量"), tuple(counts.items())),
        ),
    )


async def service_directory(reports: ReportRepository, community: Community, now: datetime, tz: ZoneInfo) -> Report:
    services = await reports.directory(community.id)
    return build_directory(services, community, now, tz)
