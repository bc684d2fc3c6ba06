"""`sanshe catalog import/export` against a real SQLite file, as staff would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook, load_workbook

from bot.config import PROJECT_ROOT

CATALOG = PROJECT_ROOT / "tests" / "data" / "catalog.csv"


def sanshe(tmp_path: Path, *args: str, database_url: str = "sqlite:///sanshe.db") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
    env["SANSHE_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


def test_import_export_round_trip_and_reimport_is_idempotent(tmp_path: Path, db_url: str) -> None:
    first = sanshe(tmp_path, "catalog", "import", str(CATALOG), "--create-communities", database_url=db_url)
    assert first.returncode == 0, first.stderr
    assert "新增 added: 39" in first.stdout and "新建社区" in first.stdout
    again = sanshe(tmp_path, "catalog", "import", str(CATALOG), database_url=db_url)
    assert "未变 unchanged: 39" in again.stdout
    exported = sanshe(tmp_path, "catalog", "export", "out.csv", database_url=db_url)
    assert exported.returncode == 0, exported.stderr
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    reimport = sanshe(tmp_path, "catalog", "import", "out.csv", database_url=db_url)
    assert "未变 unchanged: 39" in reimport.stdout, reimport.stdout + reimport.stderr


def test_a_file_with_bad_rows_imports_nothing_and_names_each_line(tmp_path: Path) -> None:
    sanshe(tmp_path, "catalog", "import", str(CATALOG), "--create-communities")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "service_id,name,category,colour\nN1,修水管,家政维修,red\n,无名,为老,\nN3,,为老,\n", encoding="utf-8"
    )
    result = sanshe(tmp_path, "catalog", "import", str(bad))
    assert result.returncode == 2
    assert "line 3" in result.stderr and "line 4" in result.stderr and "colour" in result.stderr
    # All or nothing: N1 was fine but is not there, and nothing was deactivated.
    sanshe(tmp_path, "catalog", "export", "after.csv")
    after = (tmp_path / "after.csv").read_text(encoding="utf-8-sig")
    assert "N1" not in after and ",0\n" not in after


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A workbook as staff would save it: `rows` on the first sheet from A1 on (empty lists are blank rows)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_export_then_import_gives_the_same_services(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    assert sanshe(first, "catalog", "import", str(CATALOG), "--create-communities").returncode == 0
    exported = sanshe(first, "catalog", "export", "services.xlsx")
    assert exported.returncode == 0, exported.stderr
    assert "39" in exported.stdout
    again = sanshe(first, "catalog", "import", "services.xlsx")
    assert "未变 unchanged: 39" in again.stdout, again.stdout + again.stderr

    # A fresh database filled from the workbook holds exactly the same services.
    imported = sanshe(second, "catalog", "import", str(first / "services.xlsx"), "--create-communities")
    assert imported.returncode == 0, imported.stderr
    assert "新增 added: 39" in imported.stdout
    sanshe(first, "catalog", "export", "check.csv")
    sanshe(second, "catalog", "export", "check.csv")
    assert (first / "check.csv").read_bytes() == (second / "check.csv").read_bytes()
    # The workbook has the CSV's column layout.
    sheet = load_workbook(first / "services.xlsx", read_only=True).worksheets[0]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert ",".join(header) == (first / "check.csv").read_text(encoding="utf-8-sig").splitlines()[0]


def test_an_xlsx_with_a_bad_row_names_the_excel_row_and_imports_nothing(tmp_path: Path) -> None:
    sanshe(tmp_path, "catalog", "import", str(CATALOG), "--create-communities")
    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            [],  # a blank first row: the header is the first non-empty one
            ["service_id", "name", "category", "colour"],
            ["N1", "修水管", "家政维修", "red"],
            [None, "无名", "为老"],
            ["N1", "X", "为老"],  # the id of row 3 again
        ],
    )
    result = sanshe(tmp_path, "catalog", "import", str(bad))
    assert result.returncode == 2
    assert "第 4 行：" in result.stderr and "line 4: empty service_id" in result.stderr
    assert "第 5 行：服务编号“N1”与第 3 行重复" in result.stderr and "line 5" in result.stderr
    assert "line 3:" not in result.stderr and "colour" in result.stderr and "nothing imported" in result.stderr
    # All or nothing: N1 was fine but is not there, and nothing was deactivated.
    sanshe(tmp_path, "catalog", "export", "after.csv")
    after = (tmp_path / "after.csv").read_text(encoding="utf-8-sig")
    assert "N1" not in after and ",0\n" not in after


def test_numeric_service_ids_in_an_xlsx_are_read_as_typed(tmp_path: Path) -> None:
    book = write_xlsx(
        tmp_path / "numbers.xlsx",
        [
            ["service_id", "name", "category", "keywords", "active"],
            [1001, " 助餐送餐 ", "为老", "送餐；送饭、助餐", 1],
            [1002.0, "理发", "elderly", None, None],
        ],
    )
    result = sanshe(tmp_path, "catalog", "import", str(book))
    assert result.returncode == 0, result.stderr
    assert "新增 added: 2" in result.stdout
    sanshe(tmp_path, "catalog", "export", "out.csv")
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("1001,助餐送餐,elderly,,送餐;送饭;助餐,") and lines[2].startswith("1002,理发,elderly,")
    assert "1002.0" not in "\n".join(lines)


def test_other_extensions_are_refused_with_one_bilingual_line(tmp_path: Path) -> None:
    old = tmp_path / "old.xls"
    old.write_bytes(b"not really excel")
    for args in (("import", str(old)), ("import", "services.txt"), ("export", "services.xls"), ("export", "out")):
        result = sanshe(tmp_path, "catalog", *args)
        assert result.returncode == 2, args
        [line] = result.stderr.splitlines()
        assert line.startswith("sanshe catalog: 只支持 .csv 或 .xlsx") and "only .csv or .xlsx" in line
    assert not (tmp_path / "services.xls").exists() and not (tmp_path / "out").exists()


def test_an_xlsx_that_is_not_a_workbook_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("service_id,name,category\n", encoding="utf-8")
    result = sanshe(tmp_path, "catalog", "import", str(fake))
    assert result.returncode == 2 and "not a valid .xlsx workbook" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = sanshe(tmp_path, "catalog", "import", "nope.csv")
    assert result.returncode == 2 and "cannot read file" in result.stderr and "Traceback" not in result.stderr


def test_match_without_catalog_uses_the_imported_active_services(tmp_path: Path) -> None:
    empty = sanshe(tmp_path, "match", "--json", "厨房下水道堵了")
    assert empty.returncode == 2 and "catalog import" in empty.stderr
    sanshe(tmp_path, "catalog", "import", str(CATALOG), "--create-communities")
    result = sanshe(tmp_path, "match", "--json", "厨房下水道堵了", "你好")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["matches"][0]["service_id"] == "S020" and second["matches"] == []


def test_provider_and_staff_add_from_the_command_line(tmp_path: Path) -> None:
    sanshe(tmp_path, "catalog", "import", str(CATALOG), "--create-communities")
    chen = ["--role", "social_worker", "--name", "陈社工", "--organization", "阳光社工服务中心"]
    ok = sanshe(
        tmp_path, "provider", "add", "501", *chen, "--services", "S020,S021", "--communities", "阳光社区,桂花社区"
    )
    assert ok.returncode == 0, ok.stderr
    volunteer = sanshe(tmp_path, "provider", "add", "502", "--role", "volunteer", "--services", "S020",
                       "--communities", "阳光社区", "--supervisor", "501")  # fmt: skip
    assert volunteer.returncode == 0, volunteer.stderr
    for bad, why in (
        (["--role", "volunteer", "--services", "S999", "--communities", "阳光社区", "--supervisor", "501"], "S999"),
        (["--role", "volunteer", "--services", "S020", "--communities", "火星社区", "--supervisor", "501"], "火星社区"),
        (["--role", "volunteer", "--services", "S020", "--communities", "阳光社区"], "--supervisor"),
        (["--role", "boss", "--services", "S020", "--communities", "阳光社区"], "boss"),
    ):
        result = sanshe(tmp_path, "provider", "add", "503", *bad)
        assert result.returncode == 2 and why in result.stderr and "Traceback" not in result.stderr
    assert sanshe(tmp_path, "staff", "add", "600", "--community", "阳光社区").returncode == 0
    unknown = sanshe(tmp_path, "staff", "add", "600", "--community", "火星")
    assert unknown.returncode == 2 and "火星" in unknown.stderr
