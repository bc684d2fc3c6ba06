"""The application form of a call, as a file staff and organisations download, fill in and send back.

Two columns, label and value, so that it reads like a paper form in Excel: 征集编号 and 征集名称 are filled in,
the applicant writes 方案, 预算（元） and (optionally) 服务社区. Reading it back takes the first sheet (or the CSV),
finds the rows by their labels wherever they are, and turns them into the same words as a typed application
(core.calls.parse_application), so both ways obey the same rules.
"""

from __future__ import annotations

import csv
import io

from core.calls import CallError
from storage.records_projects import Call

CALL_ID, TITLE, ORGANIZATION, PROPOSAL, BUDGET, COMMUNITIES = (
    "征集编号",
    "征集名称",
    "申请机构",
    "方案",
    "预算（元）",
    "服务社区",
)
_ALIASES = {"预算": BUDGET, "预算(元)": BUDGET, "社区": COMMUNITIES, "编号": CALL_ID, "申请方案": PROPOSAL}
MAX_FORM_BYTES = 1_000_000
MAX_FORM_ROWS = 50


def _rows(call: Call, organization: str) -> list[tuple[str, str]]:
    return [
        (CALL_ID, str(call.id)),
        (TITLE, call.title),
        (ORGANIZATION, organization),
        (PROPOSAL, ""),
        (BUDGET, ""),
        (COMMUNITIES, ""),
    ]


def form_bytes(call: Call, organization: str, fmt: str) -> bytes:
    """The form of `call` as .xlsx or .csv (UTF-8 with a BOM, so Excel shows the Chinese)."""
    rows = _rows(call, organization)
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows([("项目", "填写"), *rows])
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    from openpyxl import Workbook  # only when a form is asked for
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申请表"
    sheet.append(("项目", "填写"))
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 14, 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_form(fmt: str, data: bytes) -> dict[str, str]:
    """Label → value of a filled-in form; CallError('call.form_unreadable') if it is not one."""
    if len(data) > MAX_FORM_BYTES:
        raise CallError("call.form_unreadable")
    try:
        if fmt == "csv":
            lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[:MAX_FORM_ROWS]
        else:
            # The catalogue's reader of a workbook's first sheet: it already refuses DTDs and zip bombs.
            from core.catalog.xlsx import WorkbookError, _first_sheet_rows

            try:
                lines = [row[1] for row in _first_sheet_rows(data, MAX_FORM_ROWS) if isinstance(row, tuple)]
            except WorkbookError as exc:
                raise CallError("call.form_unreadable") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CallError("call.form_unreadable") from exc
    fields: dict[str, str] = {}
    for line in lines:
        if len(line) >= 2 and line[0].strip():
            label = line[0].strip()
            fields[_ALIASES.get(label, label)] = str(line[1] or "").strip()
    if _call_id(fields.get(CALL_ID, "")) is None or not fields.get(PROPOSAL) or not fields.get(BUDGET):
        raise CallError("call.form_unreadable")
    return fields


def _call_id(text: str) -> int | None:
    """An ASCII number of at most 18 digits ("²".isdigit() is True, but int("²") fails), else None."""
    text = text.strip()
    return int(text) if text and len(text) <= 18 and text.isascii() and text.isdigit() else None


def _one_line(text: str) -> str:
    """A cell on one line: a line break inside 方案 (Alt+Enter in Excel) is a space, never a field separator."""
    return " ".join(text.replace("｜", " ").replace("|", " ").split())


def as_typed(fields: dict[str, str]) -> tuple[int, str]:
    """(call id, the application as typed words: 方案｜预算｜社区), each cell on one line (communities one per
    line become 、); read_form made sure the id is there."""
    words = [_one_line(fields[PROPOSAL]), _one_line(fields[BUDGET])]
    if fields.get(COMMUNITIES, "").strip():
        words.append("、".join(_one_line(line) for line in fields[COMMUNITIES].splitlines() if line.strip()))
    call_id = _call_id(fields.get(CALL_ID, ""))
    return (call_id if call_id is not None else 0), "｜".join(words)
