"""`sanshe catalog import FILE` and `sanshe catalog export FILE`: the service catalogue as a spreadsheet.

Import is all or nothing: every bad row is reported with its line number and nothing is written.
Messages are bilingual (Chinese first) like the parser's, since staff and operators both read them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli_db import CliError, in_transaction
from core.catalog import parse_catalog, write_catalog_csv
from core.catalog_sync import ImportReport, import_entries, load_entries
from storage.records import utc_now

EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:
    catalog = sub.add_parser("catalog", help="import or export the service catalogue / 导入导出服务目录")
    actions = catalog.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = actions.add_parser("import", help="import a catalogue CSV (UTF-8, BOM optional) / 导入")
    importer.add_argument("file", type=Path)
    importer.add_argument("--dry-run", action="store_true", help="check the file only / 只检查不导入")
    importer.set_defaults(func=import_command)
    exporter = actions.add_parser("export", help="export the catalogue as CSV (opens in Excel) / 导出")
    exporter.add_argument("file", type=Path)
    exporter.add_argument("--active-only", action="store_true", help="leave out deactivated services / 只导出启用的")
    exporter.set_defaults(func=export_command)


def _fail(message: str) -> int:
    print(f"sanshe catalog: {message}", file=sys.stderr)
    return EXIT_ERROR


def import_command(args: argparse.Namespace) -> int:
    try:
        result = parse_catalog(args.file)
    except OSError as exc:
        return _fail(f"无法读取文件 / cannot read file: {exc}")
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
    try:
        entries = in_transaction(lambda tx, _settings: load_entries(tx, include_inactive=not args.active_only))
        write_catalog_csv(args.file, entries)
    except CliError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"无法写入文件 / cannot write file: {exc}")
    print(f"已导出 {len(entries)} 项服务到 {args.file} / exported {len(entries)} services")
    return 0
