"""`sanshe catalog import FILE` and `sanshe catalog export FILE`: the service catalogue as a spreadsheet.

FILE is a UTF-8 .csv or an Excel .xlsx (its first worksheet), chosen by the extension; any other is refused.
Import is all or nothing: every bad row is reported with its row number (the CSV line, the Excel row) and
nothing is written; a community the file names that is not known is an error with the nearest known names,
unless `--create-communities` is given. The command line imports for the whole city (core.catalog_sync).
Messages are bilingual (Chinese first), since staff and operators both read them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli_db import CliError, in_transaction
from bot.cli_text import OPERATOR_LOCALES, both, translator
from bot.config import Settings
from bot.i18n import Translator
from core.catalog import (
    CatalogParseResult,
    RowError,
    ServiceEntry,
    WorkbookError,
    parse_catalog_file,
    write_catalog_csv,
    write_catalog_xlsx,
)
from core.catalog_sync import ImportPlan, ImportReport, UnknownCommunity, apply_plan, load_entries, plan_import
from storage.protocols import UnitOfWork
from storage.records import utc_now

EXIT_ERROR = 2
CSV, XLSX = ".csv", ".xlsx"


def register(sub: argparse._SubParsersAction) -> None:
    catalog = sub.add_parser("catalog", help=both("cli.catalog.help"))
    actions = catalog.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = actions.add_parser("import", help=both("cli.catalog.import_help"))
    importer.add_argument("file", type=Path)
    importer.add_argument("--dry-run", action="store_true", help=both("cli.catalog.dry_run_help"))
    importer.add_argument("--create-communities", action="store_true", help=both("cli.catalog.create_communities_help"))
    importer.set_defaults(func=import_command)
    exporter = actions.add_parser("export", help=both("cli.catalog.export_help"))
    exporter.add_argument("file", type=Path)
    exporter.add_argument("--active-only", action="store_true", help=both("cli.catalog.active_only_help"))
    exporter.set_defaults(func=export_command)


def _fail(message: str) -> int:
    print(f"sanshe catalog: {message}", file=sys.stderr)
    return EXIT_ERROR


def in_both(render: Callable[[Translator], str]) -> str:
    """A sentence built in each operator language, Chinese first, joined by " / " (said once where they agree)."""
    return " / ".join(dict.fromkeys(render(translator(locale)) for locale in OPERATOR_LOCALES))


def row_line(error: RowError) -> str:
    """One bad row as the command line says it: "第 3 行：服务名称为空 / line 3: the service name is empty"."""
    return in_both(error.render)


def _file_type(path: Path) -> str | None:
    """The file type by extension, ".csv" or ".xlsx" in any case; None for any other."""
    suffix = path.suffix.lower()
    return suffix if suffix in (CSV, XLSX) else None


def _unsupported(path: Path) -> int:
    return _fail(both("cli.catalog.unsupported", file=path.name))


class CatalogueUnusable(Exception):
    """The catalogue file cannot be used; the message says why in one line (any per-row lines are printed)."""


def _one_or_summary(lines: list[str], summary: str) -> str:
    """A single problem is the line itself (so a malformed file is always one line); several are printed one per
    line first and the summary closes them."""
    if len(lines) == 1:
        return lines[0]
    for line in lines:
        print(line, file=sys.stderr)
    return summary


def read_catalogue_file(path: Path, errors_summary: Callable[[int], str]) -> CatalogParseResult:
    """A catalogue file (.xlsx by its extension, else CSV) with no errors, for `catalog import` and `match`.

    Warnings go to stderr. A file that cannot be used raises CatalogueUnusable with one line: a single problem
    is that line itself, several are printed one per line first and `errors_summary(count)` closes them."""
    try:
        result = parse_catalog_file(path)
    except OSError as exc:
        raise CatalogueUnusable(f"{both('cli.cannot_read')}: {exc}") from exc
    except WorkbookError as exc:
        raise CatalogueUnusable(f"{path}: {both(exc.key)}") from exc
    if result.ok and not result.entries:
        # Before the warnings: the parser's own "no services" warning would say the same thing twice.
        raise CatalogueUnusable(f"{path}: {both('cli.catalog.no_services')}")
    for warning in result.warnings:
        print(f"{both('cli.warning')}: {in_both(warning.render)}", file=sys.stderr)
    if len(result.errors) == 1:
        raise CatalogueUnusable(f"{path}: {row_line(result.errors[0])}")
    if result.errors:
        for error in result.errors:
            print(f"{path}: {row_line(error)}", file=sys.stderr)
        raise CatalogueUnusable(errors_summary(len(result.errors)))
    return result


def read_catalogue(path: Path, errors_summary: Callable[[int], str]) -> list[ServiceEntry]:
    """The services of a catalogue file (see read_catalogue_file)."""
    return read_catalogue_file(path, errors_summary).entries


def _unknown_line(unknown: UnknownCommunity) -> str:
    return in_both(unknown.render)


def _problems(path: Path, plan: ImportPlan) -> list[str]:
    return [f"{path}: {row_line(error)}" for error in plan.errors] + [
        f"{path}: {_unknown_line(unknown)}" for unknown in plan.unknown_communities
    ]


def import_command(args: argparse.Namespace) -> int:
    if _file_type(args.file) is None:
        return _unsupported(args.file)
    try:
        parsed = read_catalogue_file(args.file, lambda count: both("cli.catalog.nothing_imported", count=count))
    except CatalogueUnusable as exc:
        return _fail(str(exc))

    async def work(tx: UnitOfWork, _settings: Settings) -> tuple[ImportPlan, ImportReport | None]:
        plan = await plan_import(
            tx, parsed.entries, lines=parsed.lines, create_communities=args.create_communities
        )  # fmt: skip
        if not plan.ok or args.dry_run:
            return plan, None  # nothing was written: the transaction commits nothing
        return plan, await apply_plan(tx, plan, utc_now())

    try:
        plan, report = in_transaction(work)
    except CliError as exc:
        return _fail(str(exc))
    if not plan.ok:
        problems = _problems(args.file, plan)
        summary = both("cli.catalog.nothing_imported", count=len(problems))
        if plan.only_unknown_communities:
            hint = f" ({both('cli.catalog.create_hint')})"
            problems[-1] += hint if len(problems) == 1 else ""
            summary += hint
        return _fail(_one_or_summary(problems, summary))
    if plan.new_categories:
        names = "、".join(plan.new_categories)
        print(f"{both('cli.warning')}: {both('cli.catalog.categories_created', names=names)}", file=sys.stderr)
    if report is None:
        print(both("cli.catalog.valid", count=len(plan.entries)))
        return 0
    print(_summary(report))
    return 0


def _summary(report: ImportReport) -> str:
    # Labels in both languages side by side ("新增 added: 3"), the way operators and scripts know them.
    added, updated = both("cli.catalog.added", sep=" "), both("cli.catalog.updated", sep=" ")
    unchanged, deactivated = both("cli.catalog.unchanged", sep=" "), both("cli.catalog.deactivated", sep=" ")
    lines = [
        f"{added}: {len(report.added)}   {updated}: {len(report.updated)}   "
        f"{unchanged}: {len(report.unchanged)}   {deactivated}: {len(report.deactivated)}"
    ]
    if report.deactivated:
        lines.append(f"{deactivated}: " + "、".join(report.deactivated))
    if report.new_categories:
        lines.append(f"{both('cli.catalog.new_categories', sep=' ')}: " + "、".join(report.new_categories))
    if report.new_organizations:
        lines.append(f"{both('cli.catalog.new_organizations', sep=' ')}: " + "、".join(report.new_organizations))
    if report.new_communities:
        lines.append(f"{both('cli.catalog.new_communities', sep=' ')}: " + "、".join(report.new_communities))
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
        return _fail(f"{both('cli.cannot_write')}: {exc}")
    print(both("cli.catalog.exported", count=len(entries), file=args.file))
    return 0


def _local_now(tz: ZoneInfo) -> datetime:
    """Now in the city's time zone, naive: what the workbook shows as its 生成时间."""
    return utc_now().astimezone(tz).replace(tzinfo=None)
