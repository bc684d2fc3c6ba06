"""The printed service directory tells residents how to get each service (phone, address, hours, who, fee), not
the internal search keywords; a landline keeps its area code in every format; several categories, new ones too."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from core.exports import build_directory, write_report
from core.exports.html_out import render_html
from storage.records import Community, ServiceRecord

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 28, 2, 16, tzinfo=UTC)
SUNSHINE = Community(1, "阳光社区")

MEALS = ServiceRecord(
    "S001", "助餐送餐上门", "elderly", "每天中午送餐上门", ("送饭上门秘钥词", "老人送饭"), "安康居家养老服务站",
    ("阳光社区",), "60岁以上老人", True, ("disabled",), "0731-84567890", "阳光社区服务中心一楼",
    "周一至周五 11:00-12:30", "每餐8元",
)  # fmt: skip
BILLS = ServiceRecord(
    "S050", "代缴水电费", "便民服务", "帮老人缴费", ("缴费",), None, (), "", True, (), "", "", "", "免费"
)
LAWYER = ServiceRecord("S030", "法律咨询", "legal", "律师坐班", (), "明德律师事务所", (), "本社区居民", True)


def test_rows_show_how_to_get_the_service_and_never_the_keywords() -> None:
    report = build_directory([BILLS, LAWYER, MEALS], SUNSHINE, NOW, TZ)
    headers = list(report.table.headers)
    assert headers == ["编号", "类别", "服务", "机构", "说明", "适用对象", "联系电话", "地址", "服务时间", "收费"]
    assert "关键词" not in headers
    meals, lawyer, bills = report.table.rows  # pilot focus first, new categories last
    assert meals == ("S001", "为老、助残", "助餐送餐上门", "安康居家养老服务站", "每天中午送餐上门", "60岁以上老人",
                     "0731-84567890", "阳光社区服务中心一楼", "周一至周五 11:00-12:30", "每餐8元")  # fmt: skip
    assert lawyer[1] == "法律咨询" and bills[1] == "便民服务" and bills[-1] == "免费"
    overall, by_category = report.summary
    assert dict(overall.rows) == {"服务项目": 3, "服务机构": 2}
    # A service in two categories counts in both.
    assert by_category.rows == (("为老", 1), ("助残", 1), ("法律咨询", 1), ("便民服务", 1))


def test_the_a4_page_is_landscape_with_the_contact_columns_and_no_keywords() -> None:
    page = render_html(build_directory([BILLS, LAWYER, MEALS], SUNSHINE, NOW, TZ))
    assert "@page { size: A4 landscape;" in page and "<thead>" in page
    assert "<td>0731-84567890</td>" in page and "<td>周一至周五 11:00-12:30</td>" in page
    assert "秘钥词" not in page and "关键词" not in page
    assert page.index(">为老、助残</th>") < page.index(">法律咨询</th>") < page.index(">便民服务</th>")


def test_a_landline_keeps_its_zero_and_dash_in_the_workbook_and_the_csv(tmp_path: Path) -> None:
    report = build_directory([MEALS], SUNSHINE, NOW, TZ)
    write_report(report, tmp_path / "d.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "d.xlsx")["服务目录"]
    assert sheet["G2"].value == "0731-84567890" and sheet["G2"].data_type == "s"
    write_report(report, tmp_path / "d.csv", "csv")
    with (tmp_path / "d.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][6] == "0731-84567890"
    assert not any("秘钥词" in cell for row in rows for cell in row)
