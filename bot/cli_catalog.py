"""`sanshe catalog import FILE` and `sanshe catalog export FILE`: the service catalogue as a spreadsheet.

FILE is a UTF-8 .csv or an Excel .xlsx (its first worksheet), chosen by the extension; any other is refused.
Import is all or nothing: every bad row is reported with its line number (the Excel row) and nothing is written.
Messages are bilingual (Chinese first) like the parser's, since staff and operators both read them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli_db import CliError, in_transaction
from bot.config import Settings
from core.catalog import (
    CatalogParseResult,
    ServiceEntry,
    WorkbookError,
    parse_catalog,
    parse_catalog_xlsx,
    write_catalog_csv,
    write_catalog_xlsx,
)
from core.catalog_sync import ImportReport, import_entries, load_entries
from storage.protocols import UnitOfWork
from storage.records import utc_now

EXIT_ERROR = 2
CSV, XLSX = ".csv", ".xlsx"


def register(sub: argparse._SubParsersAction) -> None:
    catalog = sub.add_parser("catalog", help="import or export the service catalogue / 导入导出服务目录")
    actions = catalog.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = actions.add_parser(
        "import", help="import a catalogue .csv (UTF-8, BOM optional) or .xlsx (first sheet) / 导入"
    )
    importer.add_argument("file", type=Path)
    importer.add_argument("--dry-run", action="store_true", help="check the file only / 只检查不导入")
    importer.set_defaults(func=import_command)
    exporter = actions.add_parser("export", help="export the catalogue as .csv or .xlsx, by extension / 导出")
    exporter.add_argument("file", type=Path)
    exporter.add_argument("--active-only", action="store_true", help="leave out deactivated services / 只导出启用的")
    exporter.set_defaults(func=export_command)


def _fail(message: str) -> int:
    print(f"sanshe catalog: {message}", file=sys.stderr)
    return EXIT_ERROR


def _file_type(path: Path) -> str | None:
    """The file type by extension, ".csv" or ".xlsx" in any case; None for any other."""
    suffix = path.suffix.lower()
    return suffix if suffix in (CSV, XLSX) else None


def _unsupported(path: Path) -> int:
    return _fail(
        f"只支持 .csv 或 .xlsx 文件（.xls 请在 Excel 中另存为 .xlsx）：{path.name} / "
        f"only .csv or .xlsx files are supported (save an .xls as .xlsx): {path.name}"
    )


def _parse(path: Path, file_type: str) -> CatalogParseResult:
    return parse_catalog_xlsx(path) if file_type == XLSX else parse_catalog(path)


def import_command(args: argparse.Namespace) -> int:
    file_type = _file_type(args.file)
    if file_type is None:
        return _unsupported(args.file)
    try:
        result = _parse(args.file, file_type)
    except OSError as exc:
        return _fail(f"无法读取文件 / cannot read file: {exc}")
    except WorkbookError as exc:
        return _fail(str(exc))
    for warning in result.warnings:
        print(f"警告 / warning: {warning}", file=sys.stderr)
    if not result.ok:
        for error in result.errors:
            print(f"{args.file}: {error}", file=sys.stderr)
        return _fail(
            f"有 {len(result.errors)} 处错误，什么都没有导入 / {len(result.errors)} error(s), nothing imported"
        )
    if not result.entries:
        return _fail("文件里没有服务 / the file has no services")
    if args.dry_run:
        print(f"检查通过：{len(result.entries)} 项服务 / file is valid: {len(result.entries)} services")
        return 0

    try:
        report = in_transaction(lambda tx, _settings: import_entries(tx, result.entries, utc_now()))
    except CliError as exc:
        return _fail(str(exc))
    print(_summary(report))
    return 0


def _summary(report: ImportReport) -> str:
    lines = [
        f"新增 added: {len(report.added)}   更新 updated: {len(report.updated)}   "
        f"未变 unchanged: {len(report.unchanged)}   停用 deactivated: {len(report.deactivated)}"
    ]
    if report.deactivated:
        lines.append("停用 deactivated: " + "、".join(report.deactivated))
    if report.new_organizations:
        lines.append("新建机构 new organisations: " + "、".join(report.new_organizations))
    if report.new_communities:
        lines.append("新建社区 new communities: " + "、".join(report.new_communities))
    return "\n".join(lines)


def export_command(args: argparse.Namespace) -> int:
    file_type = _file_type(args.file)
    if file_type is None:
        return _unsupported(args.file)

    async def load(tx: UnitOfWork, settings: Settings) -> tuple[list[ServiceEntry], ZoneInfo]:
        return await load_entries(tx, include_inactive=not args.active_only), settings.tz

    try:
        entries, tz = in_transaction(load)
        if file_type == XLSX:
            write_catalog_xlsx(args.file, entries, _local_now(tz))
        else:
            write_catalog_csv(args.file, entries)
    except CliError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"无法写入文件 / cannot write file: {exc}")
    print(f"已导出 {len(entries)} 项服务到 {args.file} / exported {len(entries)} services")
    return 0


def _local_now(tz: ZoneInfo) -> datetime:
    """Now in the city's time zone, naive: what the workbook shows as its 生成时间."""
    return utc_now().astimezone(tz).replace(tzinfo=None)
