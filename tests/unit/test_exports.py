"""The needs book and the service directory: rows, summaries, the period, and each file format."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from core.exports import (
    Period,
    PeriodError,
    Report,
    build_directory,
    check_format,
    default_file_name,
    format_of,
    make_period,
    needs_book,
    parse_day,
    service_directory,
    write_report,
)
from core.exports.html_out import render_html
from core.exports.privacy import NUMBER_MARK, mask_numbers
from storage.protocols import NeedFact
from storage.records import Community, ServiceRecord
from storage.sqlite.reports import ADDRESS_MARK, blank_out

TZ = ZoneInfo("Asia/Shanghai")
SUNSHINE = Community(1, "阳光社区")
NOW = datetime(2026, 11, 28, 2, 16, tzinfo=UTC)  # 10:16 in Changsha
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), TZ)
LABELS = {
    "submitted": "已提交",
    "dispatched": "正在联系服务人员",
    "done": "已完成",
    "rated": "已评价",
    "unmatched": "社区工作人员处理中",
    "escalated": "社区工作人员处理中",
}
NEEDS_HEADERS = ["编号", "提交时间", "类别", "服务", "需求", "状态", "服务人员", "评分"]
DIRECTORY_HEADERS = ["编号", "类别", "服务", "机构", "说明", "适用对象", "联系电话", "地址", "服务时间", "收费"]


def need(ref: str, hour: int = 2, category: str | None = "housekeeping", status: str = "submitted",
         text: str = "楼道的灯坏了", provider: str | None = None, rating: int | None = None) -> NeedFact:  # fmt: skip
    service = {"housekeeping": "水电维修", "elderly": "助餐送餐上门"}.get(category or "")
    return NeedFact(ref, datetime(2026, 11, 5, hour, 16, tzinfo=UTC), category, service, text, status, provider, rating)


def service(sid: str, category: str, name: str = "服务", org: str | None = "阳光社工服务中心") -> ServiceRecord:
    return ServiceRecord(sid, name, category, f"{name}的说明", ("上门", "老人"), org, (), "60岁以上")


class FakeReports:
    """The narrow ReportRepository: remembers what it was asked for."""

    def __init__(self, needs: Sequence[NeedFact] = (), services: Sequence[ServiceRecord] = ()) -> None:
        self._needs, self._services = list(needs), list(services)
        self.asked: list[tuple[int, datetime, datetime]] = []

    async def needs(self, community_id: int, since: datetime, until: datetime) -> Sequence[NeedFact]:
        self.asked.append((community_id, since, until))
        return self._needs

    async def directory(self, community_id: int) -> Sequence[ServiceRecord]:
        return self._services


SAMPLE = [
    need("YG-2611-0001", hour=2, provider="陈社工", status="rated", rating=5),
    need("YG-2611-0002", hour=3, category=None, status="unmatched", text="请打 138 1234 5678 找我女儿"),
    need("YG-2611-0003", hour=4, category="elderly", status="escalated", rating=None),
    need("YG-2611-0004", hour=5, status="done", rating=4, text='=HYPERLINK("x") 和 <b>"引号"</b>\n第二行'),
]


async def book() -> Report:
    return await needs_book(FakeReports(SAMPLE), SUNSHINE, NOVEMBER, LABELS, NOW)


async def test_needs_rows_show_local_time_chinese_names_and_no_private_columns() -> None:
    report = await book()
    assert list(report.table.headers) == NEEDS_HEADERS
    first, unmatched, *_ = report.table.rows
    assert first == ("YG-2611-0001", datetime(2026, 11, 5, 10, 16), "家政维修", "水电维修",
                     "楼道的灯坏了", "已评价", "陈社工", 5)  # fmt: skip
    assert unmatched[2:4] == ("未匹配", "") and unmatched[6:] == ("", None)
    assert unmatched[4] == f"请打 {NUMBER_MARK} 找我女儿"
    assert report.title == "阳光社区 居民需求册" and "2026年11月1日至2026年11月30日" in report.subtitle
    assert report.generated_at == datetime(2026, 11, 28, 10, 16)


async def test_the_repository_is_asked_for_whole_local_days() -> None:
    reports = FakeReports()
    await needs_book(reports, SUNSHINE, NOVEMBER, LABELS, NOW)
    ((community_id, since, until),) = reports.asked
    assert community_id == 1
    assert since == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 11-01 00:00 in Changsha
    assert until == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 12-01 00:00: the 30th is included


async def test_summary_counts_by_category_and_status_and_averages_ratings() -> None:
    overall, by_category, by_status = (await book()).summary
    assert dict(overall.rows) == {"求助总数": 4, "已评分": 2, "平均评分": 4.5}
    # Pilot focus first (为老 before 家政维修), 未匹配 last.
    assert by_category.rows == (("为老", 1), ("家政维修", 2), ("未匹配", 1))
    # unmatched and escalated read the same to residents: one line, in lifecycle order.
    assert by_status.rows == (("已完成", 1), ("已评价", 1), ("社区工作人员处理中", 2))


async def test_an_empty_period_has_a_summary_without_a_mean() -> None:
    report = await needs_book(FakeReports(), SUNSHINE, NOVEMBER, LABELS, NOW)
    assert report.table.rows == ()
    assert dict(report.summary[0].rows)["平均评分"] == "暂无"
    assert "本期没有求助" in render_html(report)


def test_period_defaults_and_errors() -> None:
    today = date(2026, 11, 28)
    last30 = make_period(None, None, today, TZ)
    assert (last30.first, last30.last) == (date(2026, 10, 30), today)
    assert make_period(None, date(2026, 11, 10), today, TZ).first == date(2026, 10, 12)
    assert make_period(date(2026, 11, 1), None, today, TZ).last == today
    with pytest.raises(PeriodError, match="after"):
        make_period(date(2026, 11, 2), date(2026, 11, 1), today, TZ)
    assert parse_day(" 2026-11-01 ") == date(2026, 11, 1)
    for bad in ("2026-13-01", "2026/11/01", "昨天"):
        with pytest.raises(PeriodError, match="YYYY-MM-DD"):
            parse_day(bad)


def test_long_numbers_are_masked_but_house_numbers_and_dates_stay() -> None:
    assert mask_numbers("电话13812345678") == f"电话{NUMBER_MARK}"
    assert mask_numbers("座机 0731-8888 6666") == f"座机 {NUMBER_MARK}"
    assert mask_numbers("身份证43010219500101123X") == f"身份证{NUMBER_MARK}"
    assert mask_numbers("３栋502室，2026年11月28日") == "３栋502室，2026年11月28日"
    assert blank_out("送到阳光小区3栋502", "阳光小区3栋502", ADDRESS_MARK) == f"送到{ADDRESS_MARK}"
    assert blank_out("1栋的灯", "1栋", ADDRESS_MARK) == "1栋的灯"  # too short to blank safely


async def test_directory_is_grouped_pilot_focus_first() -> None:
    services = [service("S020", "housekeeping", "水电维修"), service("S015", "disabled", "康复"),
                service("S001", "elderly", "助餐"), service("S010", "children", "托管", org=None)]  # fmt: skip
    report = await service_directory(FakeReports(services=services), SUNSHINE, NOW, TZ)
    assert list(report.table.headers) == DIRECTORY_HEADERS
    assert [row[1] for row in report.table.rows] == ["为老", "扶幼", "助残", "家政维修"]
    first = ("S001", "为老", "助餐", "阳光社工服务中心", "助餐的说明", "60岁以上")
    assert report.table.rows[0] == (*first, "", "", "", "")  # no phone, address, hours or fee given
    assert report.table.rows[1][3] == ""
    overall, by_category = report.summary
    assert dict(overall.rows) == {"服务项目": 4, "服务机构": 1}
    assert by_category.rows[0] == ("为老", 1)
    html = render_html(report)
    assert html.count('<tr class="group">') == 4 and html.index(">为老</th>") < html.index(">扶幼</th>")


async def test_csv_has_a_bom_and_reads_back_with_the_summary_after_a_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    write_report(await book(), path, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == NEEDS_HEADERS
    assert rows[1][:4] == ["YG-2611-0001", "2026-11-05 10:16", "家政维修", "水电维修"]
    assert rows[1][4:] == ["楼道的灯坏了", "已评价", "陈社工", "5"]
    # A need that starts like a formula is shown as text; quotes and line breaks survive.
    assert rows[4][4] == '\'=HYPERLINK("x") 和 <b>"引号"</b>\n第二行'
    assert rows[5] == []
    assert ["平均评分", "4.5"] in rows and ["未匹配", "1"] in rows


async def test_xlsx_has_a_bold_frozen_header_real_times_and_a_summary_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_report(await book(), path, "xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["需求册", "汇总"]
    sheet = workbook["需求册"]
    assert [c.value for c in sheet[1]] == NEEDS_HEADERS and all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["E"].width == 48
    assert sheet["B2"].value == datetime(2026, 11, 5, 10, 16) and sheet["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["E5"].value.startswith("=HYPERLINK") and sheet["E5"].data_type == "s"  # text, not a formula
    assert sheet.max_row == 5
    summary = [tuple(r) for r in workbook["汇总"].iter_rows(values_only=True)]
    assert ("阳光社区 居民需求册", None) in summary and ("平均评分", 4.5) in summary
    assert ("社区工作人员处理中", 2) in summary


async def test_html_prints_on_a4_with_repeated_headers_and_escaped_text(tmp_path: Path) -> None:
    path = tmp_path / "book.html"
    write_report(await book(), path, "html")
    page = path.read_text(encoding="utf-8")
    assert "@page { size: A4;" in page and "<thead>" in page and "break-inside: avoid" in page
    assert "table-header-group" in page
    assert "<b>" not in page and "&lt;b&gt;&quot;引号&quot;&lt;/b&gt;<br>第二行" in page
    assert "<h1>阳光社区 居民需求册</h1>" in page and "2026年11月28日 10:16" in page
    assert "2026年11月5日 10:16" in page


def test_formats_and_default_names() -> None:
    assert check_format("XLSX") == "xlsx" and format_of(Path("a.HTML")) == "html" and format_of(Path("a.pdf")) is None
    with pytest.raises(ValueError, match="csv\\|xlsx\\|html"):
        check_format("pdf")
    assert default_file_name("阳光/社区", "居民需求册", "20261101-20261130", fmt="csv") == (
        "阳光_社区_居民需求册_20261101-20261130.csv"
    )
    assert build_directory([], SUNSHINE, NOW, TZ).table.empty_text.startswith("本社区暂无")
