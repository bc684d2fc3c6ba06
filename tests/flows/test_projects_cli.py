"""`sanshe fund …` and `sanshe project …` on both backends: a street office's fund, a sheet of allocations booked
all or nothing (errors by line), the balances, other offices refused, and the three workbooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.core.test_import_totality import run_cli

OFFICE, OTHER = "700001", "700002"


@pytest.fixture(autouse=True)
def empty_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANSHE_DATABASE_URL", db_url)


def _city(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["community", "add", "阳光社区"],
        ["community", "add", "桂花社区"],
        ["street", "add", OFFICE, "--communities", "阳光社区,桂花社区"],
        ["street", "add", OTHER, "--communities", "桂花社区"],
        ["fund", "add", "--office", OFFICE, "--name", "2027年福彩公益金", "--funder", "lottery", "--amount", "50万"],
    ):
        code, _, errors = run_cli(argv, capsys)
        assert (code, errors) == (0, []), argv


def test_allocations_from_a_sheet_all_or_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _city(capsys)
    bad = tmp_path / "bad.csv"
    bad.write_text("目标,金额,事由\n阳光社区,10万,一季度\n桂花社区,100万,太多\n", encoding="utf-8")
    code, out, errors = run_cli(["fund", "allocate", "--office", OFFICE, "--fund", "1", str(bad)], capsys)
    assert code == 2 and out == "" and len(errors) == 1
    assert errors[0].startswith("sanshe: bad.csv:3: 余额不足：只有 ¥400,000.00。"), errors
    unchanged = run_cli(["fund", "list", "--office", OFFICE], capsys)[1]
    assert "\t¥500,000.00\t¥500,000.00\t¥0.00\t" in unchanged  # the first row was not booked either

    good = tmp_path / "good.csv"
    good.write_text('\ufeff目标,金额,事由\n阳光社区,10万,一季度\n桂花社区,"¥50,000.50",\n', encoding="utf-8")
    assert run_cli(["fund", "allocate", "--office", OFFICE, "--fund", "1", str(good)], capsys)[:2] == (
        0,
        "已分配（笔） / allocations booked: 2\n",
    )
    listed = run_cli(["fund", "list", "--office", OFFICE], capsys)[1]
    assert listed == "1\t2027年福彩公益金\tlottery\t¥500,000.00\t¥349,999.50\t¥150,000.50\t¥0.00\t¥0.00\tok\n"

    # An office over 桂花社区 alone cannot touch a fund over both communities.
    code, _, errors = run_cli(["fund", "allocate", "--office", OTHER, "--fund", "1", str(good)], capsys)
    assert code == 2 and "街道/区工作人员" in errors[0]
    assert run_cli(["fund", "list", "--office", OTHER], capsys)[1].startswith("还没有资金和项目")
    code, _, errors = run_cli(["fund", "list", "--office", "42"], capsys)  # nobody's office
    assert code == 2 and "街道/区工作人员" in errors[0]
    code, _, errors = run_cli(
        ["fund", "add", "--office", OFFICE, "--name", "x", "--funder", "street", "--amount", "0.001"], capsys
    )
    assert code == 2 and errors == [
        "sanshe: 金额最小到分（0.01 元）。 / Amounts go down to the fen (0.01 yuan), no further."
    ]


def test_export_writes_three_workbooks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _city(capsys)
    code, out, _ = run_cli(["project", "export", "--office", OFFICE, "--out", str(tmp_path)], capsys)
    assert code == 0
    paths = [Path(line) for line in out.splitlines()]
    assert [p.name.split("_")[0] for p in paths] == ["项目台账", "社区资金与成效", "资金流水"]
    ledger = load_workbook(paths[2])
    cells = [cell.value for row in ledger.worksheets[0].iter_rows() for cell in row]
    assert "资金到账" in cells and 500000.0 in cells
    amount = ledger.worksheets[0]["E2"]  # 金额（元）: shown with both decimals, 500,000.00
    assert amount.value == 500000.0 and amount.number_format == "#,##0.00"


def test_a_bad_project_number_is_a_line_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _city(capsys)
    for number in ("²", "99999999999999999999", "9"):
        sheet = tmp_path / "bad.csv"
        sheet.write_text(f"目标,金额,事由\n阳光社区,1万,一季度\n项目:{number},1万,x\n", encoding="utf-8")
        code, out, errors = run_cli(["fund", "allocate", "--office", OFFICE, "--fund", "1", str(sheet)], capsys)
        assert code == 2 and out == "" and len(errors) == 1 and errors[0].startswith("sanshe: bad.csv:3: "), errors
    listed = run_cli(["fund", "list", "--office", OFFICE], capsys)[1]
    assert "\t¥500,000.00\t¥500,000.00\t¥0.00\t" in listed  # nothing booked
