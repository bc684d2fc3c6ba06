"""The street office's workbook (街道统计): every figure of /stats, /report, /supply and the provider view over
the office's communities, one sheet each, made like the needs book (core.exports.xlsx_out lays out each
sheet: bold frozen header, filter, A4). Counts and rates only — no resident appears in it, and providers by the
name residents see.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.exports.needs import category_name
from core.exports.report import Cell, Column, Report, Section, Table
from core.provider_moves import ProviderSummary
from core.street_stats import CommunityFigures, StreetFigures
from core.supply_demand import Cell as SupplyCell
from storage.street_records import ProviderMove

TOTAL = "合计"


@dataclass(frozen=True)
class StreetBook:
    """The summary and the sheets, in order; written by write_street_xlsx."""

    title: str
    subtitle: str
    generated_at: datetime
    summary: tuple[Section, ...]
    sheets: tuple[Report, ...]


def _pct(value: float | None) -> Cell:
    return round(value * 100, 1) if value is not None else None


def _num(value: float | None) -> Cell:
    return round(value, 1) if value is not None else None


FIGURE_COLUMNS = (
    Column("社区", 14),
    Column("推送", 8),
    Column("响应率(%)", 10),
    Column("接单", 8),
    Column("解决率(%)", 10),
    Column("满意度(1-5)", 11),
    Column("接单中位(分钟)", 14),
    Column("接单P90(分钟)", 14),
    Column("完成中位(分钟)", 14),
    Column("完成P90(分钟)", 14),
    Column("求助", 8),
    Column("已解决", 8),
    Column("未满足", 8),
)

SUPPLY_COLUMNS = (
    Column("社区", 14),
    Column("类别", 12),
    Column("求助", 8),
    Column("未满足", 8),
    Column("在册服务", 10),
    Column("在岗服务人员", 12),
    Column("缺口", 8),
    Column("短缺", 6),
)
LOAD_COLUMNS = (
    Column("服务人员", 12),
    Column("机构", 20),
    Column("在岗", 6),
    Column("社区", 14),
    Column("服务该社区", 10),
    Column("进行中", 8),
    Column("近30天完成", 10),
    Column("全部社区进行中", 14),
)
MOVE_COLUMNS = (Column("时间", 18), Column("服务人员", 12), Column("社区", 14), Column("调整", 8))


def _figure_row(f: CommunityFigures, name: str) -> tuple[Cell, ...]:
    return (
        name, f.offers, _pct(f.response_rate), f.accepted, _pct(f.resolution_rate), _num(f.satisfaction),
        _num(f.median_to_accept), _num(f.p90_to_accept), _num(f.median_to_done), _num(f.p90_to_done),
        f.filed, f.resolved, f.unmet,
    )  # fmt: skip


def _sheet(
    title: str, subtitle: str, now: datetime, name: str, columns: tuple[Column, ...], rows: list[tuple[Cell, ...]]
) -> Report:
    return Report(title, subtitle, now, name, Table(columns, tuple(rows)))


def build_street_book(
    office: str,
    period_label: str,
    figures: StreetFigures,
    cells: Sequence[SupplyCell],
    shortages: Sequence[SupplyCell],
    providers: Sequence[ProviderSummary],
    moves: Sequence[ProviderMove],
    provider_names: Mapping[int, str],
    community_names: Mapping[int, str],
    tz: ZoneInfo,
    now: datetime,
) -> StreetBook:
    local_now = now.astimezone(tz).replace(tzinfo=None)
    subtitle = f"统计期间：{period_label}"
    figure_rows = [_figure_row(f, f.name) for f in figures.communities] + [_figure_row(figures.total, TOTAL)]
    supply_rows = [
        (c.name, category_name(c.category), c.filed, c.unmet, c.services, c.providers, c.gap, "是" if c.lacking else "")
        for c in cells
    ]
    load_rows = [
        (p.name, p.organization or "", "是" if p.on_duty else "否", c.name, "是" if c.serves else "否",
         c.open_tasks, c.done_recently, p.open_total)
        for p in providers for c in p.communities
    ]  # fmt: skip
    move_rows = [
        (m.moved_at.astimezone(tz).replace(tzinfo=None), provider_names.get(m.provider_id, str(m.provider_id)),
         community_names.get(m.community_id, ""), "加入" if m.action == "add" else "移出")
        for m in moves
    ]  # fmt: skip
    sheets = (
        _sheet(f"{office} 各社区指标", subtitle, local_now, "各社区指标", FIGURE_COLUMNS, figure_rows),
        _sheet(f"{office} 供需", subtitle, local_now, "供需", SUPPLY_COLUMNS, supply_rows),
        _sheet(f"{office} 服务人员负荷", "近30天完成", local_now, "服务人员负荷", LOAD_COLUMNS, load_rows),
        _sheet(f"{office} 人员调动", subtitle, local_now, "人员调动", MOVE_COLUMNS, move_rows),
    )  # fmt: skip
    total = figures.total
    summary = (
        Section("总体", ("项目", "数值"), (
            ("社区数", len(figures.communities)), ("求助", total.filed), ("已解决", total.resolved),
            ("未满足", total.unmet), ("响应率(%)", _pct(total.response_rate)),
            ("解决率(%)", _pct(total.resolution_rate)), ("满意度(1-5)", _num(total.satisfaction)),
        )),
        Section("哪个社区缺哪类服务", ("社区 · 类别", "缺口"),
                tuple((f"{c.name} · {category_name(c.category)}", c.gap) for c in shortages)),
    )  # fmt: skip
    return StreetBook(f"{office} 街道统计", subtitle, local_now, summary, sheets)


def write_street_xlsx(book: StreetBook, path: Path) -> None:
    # openpyxl only when a workbook is asked for, as core.exports.writers does.
    from openpyxl import Workbook

    from core.exports.xlsx_out import _rows_sheet, _summary_sheet

    workbook = Workbook()
    workbook.properties.title = book.title
    first = workbook.active
    assert first is not None
    summary = Report(book.title, book.subtitle, book.generated_at, "汇总", Table((), ()), book.summary)
    _summary_sheet(first, summary)
    first.title = "汇总"
    for sheet in book.sheets:
        _rows_sheet(workbook.create_sheet(), sheet)
    workbook.save(path)


def street_xlsx_bytes(book: StreetBook) -> bytes:
    """CPU and file work: call it from a worker thread (Turn.document does), never inside a transaction."""
    with tempfile.TemporaryDirectory(prefix="sanshe-street-") as folder:
        path = Path(folder) / "street.xlsx"
        write_street_xlsx(book, path)
        return path.read_bytes()
