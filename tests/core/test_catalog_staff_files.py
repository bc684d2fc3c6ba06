"""The catalogue as staff keep it: a title above the header, Chinese headers, their own categories, lists written
any way, `active` in every form, phone numbers Excel mangles; and export → import is the identity."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli_catalog import in_both, row_line
from bot.config import PROJECT_ROOT
from core.catalog import (
    ServiceEntry,
    parse_active,
    parse_catalog,
    parse_catalog_text,
    parse_catalog_xlsx,
    parse_catalog_xlsx_bytes,
    resolve_category,
    restore_phone,
    split_list,
    write_catalog_csv,
    write_catalog_xlsx,
)
from core.exports import build_directory, write_report
from storage.records import Community, ServiceRecord
from tests.workbooks import workbook_bytes

GENERATED = datetime(2026, 11, 28, 10, 16)


# What a community office keeps: a title and a date line above the header, Chinese headers with notes, a serial
# number column, their own categories, full-width commas, a list on two lines, 是/否 and a landline typed as
# a number (Excel drops its zero).
OFFICE_SHEET: list[list[object]] = [
    ["阳光社区社区服务清单（2026年度）"],
    ["制表：社区办公室", None, "2026年3月"],
    [],
    ["序号", "服务编号", "服务名称（必填）", "类别", "说明", "关键词", "机构", "社区", "联系电话", "地址", "服务时间",
     "适用对象", "收费", "是否启用"],
    [1, "YG01", "老年助餐", "为老服务", "每天中午送餐", "送餐，送饭", "安康站", "阳光社区，桂花社区", 73184567890,
     "阳光社区服务中心", "周一至周五 11:00-12:30", "60岁以上老人", "每餐8元", "是"],
    [2, "YG02", "代缴水电费", "便民服务;为老", "帮老人缴费", "缴费\n水电费", None, "阳光社区", "0731-84567891",
     None, None, None, "免费", "否"],
    [3, "YG03", "儿童托管", "儿童服务、健康服务", None, None, None, None, "13812345678", None, None, None, None, None],
]  # fmt: skip


def test_an_office_workbook_with_a_title_chinese_headers_and_its_own_categories_is_read() -> None:
    result = parse_catalog_xlsx_bytes(workbook_bytes(OFFICE_SHEET))
    assert result.ok, [row_line(e) for e in result.errors]
    assert [in_both(w.render) for w in result.warnings] == ["不认识的列“序号”，已忽略 / unknown column '序号' ignored"]
    meals, bills, children = result.entries
    assert meals == ServiceEntry(
        "YG01", "老年助餐", "elderly", "每天中午送餐", ("送餐", "送饭"), "安康站", ("阳光社区", "桂花社区"),
        "60岁以上老人", True, (), "0731-84567890", "阳光社区服务中心", "周一至周五 11:00-12:30", "每餐8元",
    )  # fmt: skip
    assert bills.categories == ("便民服务", "elderly") and bills.keywords == ("缴费", "水电费")
    assert bills.active is False and bills.phone == "0731-84567891" and bills.fee == "免费"
    assert children.categories == ("children", "health") and children.phone == "13812345678" and children.active
    assert result.lines == {"YG01": 5, "YG02": 6, "YG03": 7}  # the sheet's own row numbers


def test_the_same_sheet_saved_as_csv_reads_the_same() -> None:
    lines = [",".join(f'"{c}"' if c is not None else "" for c in row) for row in OFFICE_SHEET]
    result = parse_catalog_text("\n".join(lines).replace("\n水电费", "；水电费") + "\n")
    assert result.ok, [row_line(e) for e in result.errors]
    assert [e.service_id for e in result.entries] == ["YG01", "YG02", "YG03"]
    assert result.entries[0].phone == "0731-84567890" and result.entries[1].keywords == ("缴费", "水电费")


@pytest.mark.parametrize(
    ("header", "column"),
    [("服务编号", "service_id"), ("Service ID", "service_id"), ("编号", "service_id"), ("服务", "name"),
     ("服务名称", "name"), ("服务类别", "category"), ("说明", "description"), ("关键词", "keywords"),
     ("机构", "organization"), ("服务机构", "organization"), ("社区", "communities"), ("适用对象", "eligibility"),
     ("联系电话", "phone"), ("地址", "address"), ("服务时间", "hours"), ("收费", "fee"), ("状态", "active"),
     ("ＳＥＲＶＩＣＥ_ＩＤ", "service_id"), ("类别 *", "category"), ("服务名称(必填)", "name")],
)  # fmt: skip
def test_headers_in_chinese_english_and_our_exports_name_the_columns(header: str, column: str) -> None:
    from core.catalog import column_of

    assert column_of(header) == column


@pytest.mark.parametrize(
    ("text", "code"),
    [("为老", "elderly"), ("为老服务", "elderly"), ("养老服务", "elderly"), ("儿童服务", "children"),
     ("健康服务", "health"), ("助残服务", "disabled"), ("法律服务", "legal"), ("ELDERLY", "elderly"),
     ("家政维修服务", "housekeeping"), ("Legal advice", "legal"), ("心理关爱类", "mental")],
)  # fmt: skip
def test_built_in_categories_by_code_name_or_alias(text: str, code: str) -> None:
    category = resolve_category(text)
    assert category is not None and category.code == code


def test_other_categories_are_new_ones() -> None:
    assert resolve_category("便民服务") is None and resolve_category("宠物") is None
    result = parse_catalog_text("服务编号,服务名称,类别\nA1,修鞋,便民服务\nA2,遛狗,宠物；为老\n")
    assert [e.categories for e in result.entries] == [("便民服务",), ("宠物", "elderly")]


def test_every_list_separator_and_line_breaks() -> None:
    assert split_list("a,b，c;d；e、f\ng\r\nh") == tuple("abcdefgh")
    assert split_list(" 阳光社区，桂花社区 ") == ("阳光社区", "桂花社区")


@pytest.mark.parametrize(
    ("text", "active"),
    [("", True), ("是", True), ("否", False), ("1", True), ("0", False), ("yes", True), ("No", False),
     ("TRUE", True), ("false", False), ("启用", True), ("停用", False), (" 是 ", True), ("也许", None)],
)  # fmt: skip
def test_active_in_every_form(text: str, active: bool | None) -> None:
    assert parse_active(text) is active


def test_an_active_value_nobody_can_read_is_an_error_on_its_row() -> None:
    result = parse_catalog_text("service_id,name,category,active\nS1,理发,为老,也许\n")
    assert [row_line(e) for e in result.errors] == [
        "第 2 行：看不出“也许”是否启用：请填 是 或 否（1/0、启用/停用 也可以） / "
        "line 2: active '也许' is not understood: write yes or no (1/0, 是/否 also work)"
    ]


@pytest.mark.parametrize(
    ("cell", "phone"),
    [("73184567890", "0731-84567890"), ("2087654321", "020-87654321"), ("1012345678", "010-12345678"),
     ("073184567890", "073184567890"), ("0731-84567890", "0731-84567890"), ("13812345678", "13812345678"),
     ("84567890", "84567890"), ("12345", "12345"), ("0731-8456 7890 转 8", "0731-8456 7890 转 8")],
)  # fmt: skip
def test_a_landline_keeps_its_area_code(cell: str, phone: str) -> None:
    assert restore_phone(cell) == phone


def test_a_leading_zero_text_cell_and_a_number_cell_in_a_workbook() -> None:
    rows = [
        ["服务编号", "服务名称", "类别", "联系电话"],
        ["A", "甲", "为老", "073184567890"],
        ["B", "乙", "为老", 73184567890],
    ]
    result = parse_catalog_xlsx_bytes(workbook_bytes(rows))
    assert [e.phone for e in result.entries] == ["073184567890", "0731-84567890"]


def test_no_header_in_the_first_rows_is_an_error_on_the_first_row() -> None:
    result = parse_catalog_text("阳光社区服务清单\n服务,说明\n")
    assert [e.line for e in result.errors] == [1] and "missing required column(s)" in row_line(result.errors[0])


def test_a_file_past_the_row_limit_is_refused_on_the_first_row_too_many() -> None:
    text = "service_id,name,category\n" + "".join(f"S{i},理发,为老\n" for i in range(5))
    result = parse_catalog_text(text, max_rows=3)
    assert [e.line for e in result.errors] == [5] and "at most 3" in row_line(result.errors[0])
    assert parse_catalog_text(text, max_rows=5).ok


FULL = [
    ServiceEntry("S1", "助餐, 送餐", "elderly", 'say "hi"\nline two', ("送餐", "送饭"), "安康站",
                 ("桂花社区", "阳光社区"), "60岁以上", True, ("disabled", "便民服务"), "0731-84567890",
                 "阳光社区服务中心一楼", "周一至周五 11:00-12:30", "每餐8元"),
    ServiceEntry("S2", "法律咨询", "legal", eligibility="本区居民", active=False, phone="12348", fee="免费"),
    ServiceEntry("1001", "=不是公式", "宠物", keywords=("遛狗",), communities=("阳光社区",), active=False,
                 hours="周末", address="3栋架空层"),
]  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_is_the_identity(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"catalogue{suffix}"
    if suffix == ".csv":
        write_catalog_csv(path, FULL)
        result = parse_catalog(path)
    else:
        write_catalog_xlsx(path, FULL, GENERATED)
        result = parse_catalog_xlsx(path)
    assert result.ok and result.warnings == []
    assert result.entries == FULL


def test_our_own_service_directory_reads_back_as_a_catalogue(tmp_path: Path) -> None:
    services = [
        ServiceRecord("S1", "助餐", "elderly", "送到家", ("送餐",), "安康站", (), "60岁以上", True, ("便民服务",),
                      "0731-84567890", "服务中心", "中午", "8元"),
        ServiceRecord("S2", "法律咨询", "legal", "律师坐班", (), None, (), "", True),
    ]  # fmt: skip
    report = build_directory(services, Community(1, "阳光社区"), datetime(2026, 11, 28, tzinfo=UTC),
                             ZoneInfo("Asia/Shanghai"))  # fmt: skip
    for fmt in ("xlsx", "csv"):
        path = tmp_path / f"directory.{fmt}"
        write_report(report, path, fmt)
        result = parse_catalog_xlsx(path) if fmt == "xlsx" else parse_catalog(path)
        assert result.ok, (fmt, [row_line(e) for e in result.errors])
        first, second = result.entries
        assert first.categories == ("elderly", "便民服务") and first.phone == "0731-84567890" and first.fee == "8元"
        assert first.keywords == () and second.name == "法律咨询" and second.organization is None


def test_every_catalogue_and_setup_key_core_emits_is_in_the_catalogues() -> None:
    from bot.cli_text import cli_i18n

    known = set(cli_i18n().keys("zh_CN")) & set(cli_i18n().keys("en"))
    sources = [*(PROJECT_ROOT / "core" / "catalog").glob("*.py"), PROJECT_ROOT / "core" / "catalog_sync.py",
               PROJECT_ROOT / "core" / "community_setup.py"]  # fmt: skip
    emitted = set()
    for path in sources:
        emitted |= set(re.findall(r'"((?:catalog|community\.setup)\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert len(emitted) > 25
    assert sorted(emitted - known) == []
