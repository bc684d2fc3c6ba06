"""Nothing lost, nothing leaked: every malformed input to `sanshe catalog import` and `sanshe match` is one clear
line on stderr and exit status 2, never a traceback; CSV exports neutralise every cell a spreadsheet would run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from core.exports.csv_out import csv_text
from tests.workbooks import workbook_bytes

GOOD = "service_id,name,category\nS1,理发,为老\n"


def rewrite_part(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook `data` with one of its zip members changed."""
    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, change(content) if name == part else content)
    return buffer.getvalue()


GOOD_XLSX = workbook_bytes([["service_id", "name", "category"], ["S1", "理发", "为老"]])
SHEET = "xl/worksheets/sheet1.xml"
DTD = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'

# (case id, file name, file content or None for a directory, a fragment of the one error line)
CATALOGUE_FILES: list[tuple[str, str, bytes | None, str]] = [
    ("cell over the csv limit", "long.csv", f"{GOOD}S2,洗澡,为老,{'x' * 140_000}\n".encode(), "line 3"),
    ("quote never closed", "open.csv", f'{GOOD}S2,"洗澡,为老\nS3,x,为老\n'.encode(), "unpaired quote"),
    ("empty csv", "empty.csv", b"", "empty file"),
    ("header only csv", "header.csv", b"service_id,name,category\n", "no services"),
    ("gbk csv", "gbk.csv", GOOD.encode("gbk"), "not UTF-8"),
    ("utf-16 csv", "utf16.csv", GOOD.encode("utf-16"), "not UTF-8"),
    ("binary renamed csv", "binary.csv", bytes(range(256)) * 8, "not UTF-8"),
    ("workbook renamed csv", "book.csv", GOOD_XLSX, "not UTF-8"),
    ("binary renamed xlsx", "binary.xlsx", bytes(range(256)) * 8, "not a valid .xlsx"),
    ("csv renamed xlsx", "text.xlsx", GOOD.encode(), "not a valid .xlsx"),
    ("xlsx with a dtd", "dtd.xlsx", rewrite_part(GOOD_XLSX, SHEET, lambda xml: DTD + xml), "DTD"),
    ("xlsx with broken xml", "broken.xlsx", rewrite_part(GOOD_XLSX, SHEET, lambda xml: xml[:200]), "not a valid"),
    ("empty workbook", "blank.xlsx", workbook_bytes([]), "empty file"),
    ("header only workbook", "header.xlsx", workbook_bytes([["service_id", "name", "category"]]), "no services"),
    ("directory", "folder.csv", None, "cannot read file"),
]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, list[str]]:
    """Exit status, stdout and the error lines of `sanshe ARGV` run in-process; argparse's usage block (its
    "usage:" line and the indented lines continuing it) is not an error line."""
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse rejects a bad option value this way
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, [line for line in captured.err.splitlines() if not line.startswith(("usage:", " "))]


def assert_one_clear_line(result: tuple[int, str, list[str]], prefix: str, fragment: str) -> None:
    code, out, errors = result
    assert code == 2 and out == ""
    [line] = errors  # exactly one line (a traceback would have escaped main() and failed the test already)
    assert line.startswith(prefix) and fragment in line, line


@pytest.fixture(autouse=True)
def no_real_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a malformed file ever get through, it lands in a throw-away database."""
    monkeypatch.setenv("SANSHE_DATABASE_URL", f"sqlite:///{tmp_path / 'sanshe.db'}")


def make_file(tmp_path: Path, name: str, content: bytes | None) -> Path:
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "fragment"), [c[1:] for c in CATALOGUE_FILES], ids=[c[0] for c in CATALOGUE_FILES]
)
def test_catalog_import_of_a_malformed_file_is_one_line_and_exit_2(
    name: str, content: bytes | None, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_file(tmp_path, name, content)
    assert_one_clear_line(run_cli(["catalog", "import", str(path)], capsys), "sanshe catalog: ", fragment)


@pytest.mark.parametrize(
    ("name", "content", "fragment"), [c[1:] for c in CATALOGUE_FILES], ids=[c[0] for c in CATALOGUE_FILES]
)
def test_match_with_a_malformed_catalogue_is_one_line_and_exit_2(
    name: str, content: bytes | None, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_file(tmp_path, name, content)
    assert_one_clear_line(run_cli(["match", "--catalog", str(path), "理发"], capsys), "sanshe match: ", fragment)


def test_missing_catalogue_file_is_one_line_for_both_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.xlsx")
    assert_one_clear_line(run_cli(["catalog", "import", missing], capsys), "sanshe catalog: ", "cannot read file")
    assert_one_clear_line(
        run_cli(["match", "--catalog", missing, "理发"], capsys), "sanshe match: ", "cannot read file"
    )


EXAMPLES = "[本社区的说法]\nservices: S1\n剪个头发\n"

# (case id, the options after `match --catalog GOOD` (@NAME: that file in tmp_path), files to write first,
# a fragment of the one error line)
MATCH_OPTIONS: list[tuple[str, list[str], dict[str, bytes | None], str]] = [
    ("gbk synonyms", ["--synonyms", "@syn.txt"], {"syn.txt": "剪发 理发\n".encode("gbk")}, "not UTF-8"),
    ("gbk examples", ["--examples", "@ex.txt"], {"ex.txt": EXAMPLES.encode("gbk")}, "not UTF-8"),
    ("missing examples", ["--examples", "@none.txt"], {}, "cannot read file"),
    ("missing synonyms", ["--synonyms", "@none.txt"], {}, "cannot read file"),
    ("synonyms is a directory", ["--synonyms", "@dir"], {"dir": None}, "cannot read file"),
    ("threshold nan", ["--threshold", "nan"], {}, "from 0 to 100: nan"),
    ("threshold inf", ["--threshold", "inf"], {}, "from 0 to 100: inf"),
    ("threshold above 100", ["--threshold", "150"], {}, "from 0 to 100: 150"),
    ("threshold below 0", ["--threshold=-1"], {}, "from 0 to 100: -1"),
    ("threshold not a number", ["--threshold", "abc"], {}, "from 0 to 100: abc"),
]


@pytest.mark.parametrize(
    ("options", "files", "fragment"), [c[1:] for c in MATCH_OPTIONS], ids=[c[0] for c in MATCH_OPTIONS]
)
def test_match_with_a_malformed_option_is_one_line_and_exit_2(
    options: list[str],
    files: dict[str, bytes | None],
    fragment: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    catalogue = make_file(tmp_path, "catalog.csv", GOOD.encode())
    for name, content in files.items():
        make_file(tmp_path, name, content)
    options = [str(tmp_path / o[1:]) if o.startswith("@") else o for o in options]
    assert_one_clear_line(
        run_cli(["match", "--catalog", str(catalogue), *options, "理发"], capsys), "sanshe match: ", fragment
    )


def test_the_real_command_exits_2_without_a_traceback(tmp_path: Path) -> None:
    """The same through `python -m bot`, as an operator runs it."""
    path = make_file(tmp_path, "dtd.xlsx", rewrite_part(GOOD_XLSX, SHEET, lambda xml: DTD + xml))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
    env["SANSHE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'sanshe.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "catalog", "import", str(path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "DTD" in line and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "﹦1+1", "＋1", "﹢1", "－1", "﹣1", "＠SUM(A1)", "﹫x",
     " =1+1", "\u3000＝1+1", " \t+1"],
)  # fmt: skip
def test_csv_export_neutralises_every_formula_start(text: str) -> None:
    assert csv_text(text) == "'" + text


@pytest.mark.parametrize("text", ["理发", " 理发", "5-3", "a=b", "", "   "])
def test_csv_export_leaves_plain_text_alone(text: str) -> None:
    assert csv_text(text) == text
