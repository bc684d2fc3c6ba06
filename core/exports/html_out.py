"""A standalone HTML page that prints cleanly on A4: the header row repeats on every page (thead), rows
are never split across pages, and every value is escaped (residents type the need text)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from html import escape
from pathlib import Path

from core.exports.report import Cell, Report, Section, zh_datetime

STYLE = """
@page { size: A4; margin: 15mm 12mm 15mm 12mm; }
* { box-sizing: border-box; }
body { margin: 0; color: #000; font-size: 10pt; line-height: 1.4;
       font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimSun", sans-serif; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; break-after: avoid; page-break-after: avoid; }
p.meta { margin: 0 0 4mm; color: #333; }
table { width: 100%; border-collapse: collapse; margin: 0 0 4mm; }
caption { text-align: left; font-weight: bold; padding: 1mm 0; }
th, td { border: 0.3mm solid #666; padding: 1mm 1.5mm; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
thead { display: table-header-group; }
thead th { background: #e8e8e8; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.group th { background: #f4f4f4; break-after: avoid; page-break-after: avoid; }
td.num { text-align: right; white-space: nowrap; }
td.time { white-space: nowrap; }
table.summary { width: auto; min-width: 60mm; break-inside: avoid; page-break-inside: avoid; }
@media screen { body { max-width: 210mm; margin: 10mm auto; padding: 0 6mm; } }
"""


def _style(report: Report) -> str:
    if not report.landscape:
        return STYLE
    return STYLE.replace("size: A4;", "size: A4 landscape;").replace("max-width: 210mm", "max-width: 297mm")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return zh_datetime(value)
    if isinstance(value, float):
        return f"{value:g}"
    return escape(str(value)).replace("\n", "<br>")


def _td(value: Cell) -> str:
    if isinstance(value, int | float):
        return f'<td class="num">{_text(value)}</td>'
    if isinstance(value, datetime):
        return f'<td class="time">{_text(value)}</td>'
    return f"<td>{_text(value)}</td>"


def _main_table(report: Report) -> Iterator[str]:
    table = report.table
    width = len(table.columns)
    yield "<table>"
    # Fixed proportions from the spreadsheet widths, so the need text gets the room and every page lines up.
    total = sum(c.width for c in table.columns)
    yield (
        "<colgroup>"
        + "".join(f'<col style="width: {100 * c.width / total:.1f}%">' for c in table.columns)
        + "</colgroup>"
    )
    yield "<thead><tr>" + "".join(f'<th scope="col">{escape(h)}</th>' for h in table.headers) + "</tr></thead>"
    yield "<tbody>"
    if not table.rows:
        yield f'<tr><td colspan="{width}">{escape(table.empty_text)}</td></tr>'
    group: Cell = object()  # a sentinel no cell equals, so the first row opens a group
    for row in table.rows:
        if table.group_column is not None and row[table.group_column] != group:
            group = row[table.group_column]
            yield f'<tr class="group"><th colspan="{width}">{_text(group)}</th></tr>'
        yield "<tr>" + "".join(_td(v) for v in row) + "</tr>"
    yield "</tbody></table>"


def _section(section: Section) -> Iterator[str]:
    yield f'<table class="summary"><caption>{escape(section.title)}</caption>'
    yield "<thead><tr>" + "".join(f'<th scope="col">{escape(h)}</th>' for h in section.headers) + "</tr></thead>"
    yield "<tbody>"
    for label, value in section.rows:
        yield f"<tr><td>{escape(label)}</td>{_td(value)}</tr>"
    yield "</tbody></table>"


def render_html(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}</title>",
        f"<style>{_style(report)}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="meta">{escape(report.subtitle)}　生成时间：{escape(zh_datetime(report.generated_at))}</p>',
        *_main_table(report),
    ]
    if report.summary:
        parts.append(f"<h2>{escape(report.summary_title)}</h2>")
        for section in report.summary:
            parts.extend(_section(section))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_html(report: Report, path: Path) -> None:
    path.write_text(render_html(report), encoding="utf-8")
