"""The `sanshe match` command-line contract that other tools depend on."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.cli import main
from bot.cli_match import display_width

CATALOGUE = (
    "\ufeffservice_id,name,category,description,keywords,organization,communities\n"
    "S020,管道疏通,家政维修,疏通厨房下水道、马桶,管道疏通；马桶堵了,巧手队,\n"
    "S001,助餐送餐上门,为老,每天送午餐上门,送餐、送饭上门,安康站,阳光社区\n"
    "S016,辅具租借,助残,免费租借轮椅,轮椅;租借,助残之家,\n"
)


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    return path


def json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_json_prints_one_object_per_need_in_input_order(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["match", "--catalog", str(catalog), "--json", "马桶堵了", "你好", "想借个轮椅"])
    out = capsys.readouterr().out
    assert code == 0
    assert "马桶堵了" in out  # ensure_ascii=False: Chinese is printed as is
    objects = json_lines(out)
    assert [o["query"] for o in objects] == ["马桶堵了", "你好", "想借个轮椅"]
    drain, hello, wheel = objects
    assert hello["matches"] == []
    first = drain["matches"][0]  # type: ignore[index]
    assert set(first) == {"service_id", "name", "score", "reason"}
    assert (first["service_id"], first["name"]) == ("S020", "管道疏通")
    assert isinstance(first["score"], float) and 0 <= first["score"] <= 100
    assert wheel["matches"][0]["service_id"] == "S016"  # type: ignore[index]


def test_stdin_reads_one_need_per_line_and_skips_blank_lines(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("马桶堵了\n\n   \n送饭上门\r\n谢谢\n"))
    assert main(["match", "--catalog", str(catalog), "--json", "--stdin"]) == 0
    objects = json_lines(capsys.readouterr().out)
    assert [o["query"] for o in objects] == ["马桶堵了", "送饭上门", "谢谢"]
    assert objects[1]["matches"][0]["service_id"] == "S001"  # type: ignore[index]
    assert objects[2]["matches"] == []


def test_top_limits_the_matches(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need = "上门送饭，马桶也堵了，还想借轮椅"
    # Threshold 0: every ranked service is shown, so only --top limits them.
    main(["match", "--catalog", str(catalog), "--json", "--threshold", "0", "--top", "3", need])
    assert len(json_lines(capsys.readouterr().out)[0]["matches"]) == 3  # type: ignore[arg-type]
    main(["match", "--catalog", str(catalog), "--json", "--threshold", "0", "--top", "1", need])
    assert len(json_lines(capsys.readouterr().out)[0]["matches"]) == 1  # type: ignore[arg-type]


def test_community_option_filters(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["match", "--catalog", str(catalog), "--json", "--community", "桂花社区", "送饭上门"])
    assert json_lines(capsys.readouterr().out)[0]["matches"] == []


def test_catalogue_with_errors_exits_2_and_names_each_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("service_id,name,category\nS1,理发,为老\n,洗澡,为老\nS3,,为老\n", encoding="utf-8")
    assert main(["match", "--catalog", str(bad), "--json", "理发"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "line 3" in captured.err and "line 4" in captured.err and "line 2" not in captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["match", "马桶堵了"],  # no --catalog: the database path is not there yet
        ["match", "--catalog", "CATALOG"],  # nothing to match
        ["match", "--catalog", "CATALOG", "--stdin", "马桶堵了"],  # both inputs
        ["match", "--catalog", "CATALOG", "--top", "0", "马桶堵了"],
        ["match", "--catalog", "does-not-exist.csv", "马桶堵了"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [str(catalog) if a == "CATALOG" else a for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err


def test_table_output_is_aligned_for_chinese_text(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", "--catalog", str(catalog), "马桶堵了", "你好"]) == 0
    out = capsys.readouterr().out
    assert "no service fits" in out
    header = next(line for line in out.splitlines() if "分数" in line)
    row = next(line for line in out.splitlines() if "S020" in line)
    score = re.search(r"\d+\.\d", row)
    assert score is not None
    # The score column starts at the same screen column in the header and in the row.
    assert display_width(row[: score.start()]) == display_width(header[: header.index("分数")])
    assert display_width(row[: row.index("匹配")]) == display_width(header[: header.index("原因")])


def test_extra_synonyms_file_is_used(catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "local.txt"
    extra.write_text("通渠 管道疏通\n", encoding="utf-8")
    main(["match", "--catalog", str(catalog), "--json", "要人通渠"])
    without = json_lines(capsys.readouterr().out)[0]["matches"]
    assert all("通渠" not in m["reason"] for m in without)  # type: ignore[union-attr, index, attr-defined]
    main(["match", "--catalog", str(catalog), "--json", "--synonyms", str(extra), "要人通渠"])
    (first, *_) = json_lines(capsys.readouterr().out)[0]["matches"]  # type: ignore[misc]
    assert first["service_id"] == "S020" and "通渠" in first["reason"]  # type: ignore[index]


def test_extra_examples_file_is_used(catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A deployment's own example needs tie a way of speaking to a service (here by its id)."""
    extra = tmp_path / "examples.txt"
    extra.write_text("[本社区的说法]\nservices: S020\n屋里的阴沟又不通了\n阴沟不通\n阴沟冒水了\n", encoding="utf-8")
    main(["match", "--catalog", str(catalog), "--json", "--examples", str(extra), "阴沟又不通了"])
    assert json_lines(capsys.readouterr().out)[0]["matches"][0]["service_id"] == "S020"  # type: ignore[index]


def test_an_xlsx_catalogue_is_read_as_a_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """By its extension, with the reader `sanshe catalog import` uses (it used to be read as a CSV and refused)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in csv.reader(io.StringIO(CATALOGUE.removeprefix("\ufeff"))):
        sheet.append(row)
    path = tmp_path / "catalog.XLSX"
    book.save(path)
    assert main(["match", "--catalog", str(path), "--json", "马桶堵了"]) == 0
    assert json_lines(capsys.readouterr().out)[0]["matches"][0]["service_id"] == "S020"  # type: ignore[index]


@pytest.mark.parametrize("threshold", ["0", "100", "37.5"])
def test_threshold_takes_any_score_from_0_to_100(threshold: str, catalog: Path) -> None:
    assert main(["match", "--catalog", str(catalog), "--json", "--threshold", threshold, "马桶堵了"]) == 0
