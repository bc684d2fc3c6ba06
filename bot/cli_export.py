"""`sanshe export needs|services`: the needs book (居民需求册) and the service directory (社会组织服务目录)
as CSV, XLSX or HTML files that staff print and hand out.

Exit 0 on success; one line and exit 2 for an unknown community, a bad date, --from after --to, an
unknown format or a file that cannot be written. Messages are bilingual, Chinese first, like the others.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from pathlib import Path

from bot.cli_db import CliError, in_transaction
from bot.config import Settings
from bot.i18n import CatalogueError, I18n
from core.exports import (
    PeriodError,
    Report,
    UnknownFormat,
    check_format,
    default_file_name,
    format_of,
    make_period,
    needs_book,
    parse_day,
    service_directory,
    write_report,
)
from core.requests import Status
from storage.protocols import UnitOfWork
from storage.records import Community, utc_now

EXIT_ERROR = 2
# The books are printed for Chinese readers with Chinese headers, whatever the bot's default language.
REPORT_LOCALE = "zh_CN"
KNOWN_NAMES_SHOWN = 8
# A report and the words of its default file name, built inside one transaction.
Build = Callable[[UnitOfWork, Settings], Awaitable[tuple[Report, tuple[str, ...]]]]


def register(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="export the needs book or the service directory / 导出需求册或服务目录")
    kinds = export.add_subparsers(dest="kind", required=True, metavar="KIND")
    needs = kinds.add_parser("needs", help="居民需求册: the requests of one community in a period")
    _common_arguments(needs)
    needs.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="first day (default: 30 days up to --to)")
    needs.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="last day, included (default: today)")
    needs.set_defaults(func=needs_command)
    services = kinds.add_parser("services", help="社会组织服务目录: the services open to one community")
    _common_arguments(services)
    services.set_defaults(func=services_command)


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--community", required=True, help="community name, e.g. 阳光社区")
    # Not argparse `choices`: its error is a usage block, and we promise one line.
    parser.add_argument("--format", dest="fmt", metavar="csv|xlsx|html", help="default: --output's extension, or csv")
    parser.add_argument("--output", type=Path, help="default: a descriptive name in the current folder")


def _fail(message: str) -> int:
    print(f"sanshe export: {message}", file=sys.stderr)
    return EXIT_ERROR


def _format(args: argparse.Namespace) -> str:
    if args.fmt:
        return check_format(args.fmt)
    return (format_of(args.output) if args.output else None) or "csv"


async def _community(uow: UnitOfWork, name: str) -> Community:
    community = await uow.communities.by_name(name.strip())
    if community is None:
        known = [c.name for c in await uow.communities.list_all()]
        shown = "、".join(known[:KNOWN_NAMES_SHOWN]) + ("…" if len(known) > KNOWN_NAMES_SHOWN else "")
        raise CliError(f"未知社区 / unknown community: {name} (known: {shown or '—'})")
    return community


def _status_labels(settings: Settings) -> Mapping[str, str]:
    """Status wording from the locale catalogue, so the book says exactly what residents see in the chat."""
    i18n = I18n.load(settings.locales_dir, settings.default_locale, settings.tz)
    translate = i18n.translator(REPORT_LOCALE)
    return {status.value: translate(f"status.{status.value}") for status in Status}


def _run(args: argparse.Namespace, build: Build) -> int:
    """Build the report in one transaction, then write it outside it (the database is not held meanwhile)."""
    try:
        fmt = _format(args)
        report, name_parts = in_transaction(build)
        path: Path = args.output or Path(default_file_name(*name_parts, fmt=fmt))
        write_report(report, path, fmt)
    except (CliError, PeriodError, UnknownFormat, CatalogueError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"无法写入文件 / cannot write file: {exc}")
    what = "条求助 requests" if args.kind == "needs" else "项服务 services"
    print(f"已导出 {len(report.table.rows)} {what} → {path}")
    return 0


def needs_command(args: argparse.Namespace) -> int:
    try:
        first: date | None = parse_day(args.first) if args.first else None
        last: date | None = parse_day(args.last) if args.last else None
    except PeriodError as exc:
        return _fail(str(exc))

    async def build(uow: UnitOfWork, settings: Settings) -> tuple[Report, tuple[str, ...]]:
        now = utc_now()
        period = make_period(first, last, now.astimezone(settings.tz).date(), settings.tz)
        community = await _community(uow, args.community)
        report = await needs_book(uow.reports, community, period, _status_labels(settings), now)
        return report, (community.name, "居民需求册", f"{period.first:%Y%m%d}-{period.last:%Y%m%d}")

    return _run(args, build)


def services_command(args: argparse.Namespace) -> int:
    async def build(uow: UnitOfWork, settings: Settings) -> tuple[Report, tuple[str, ...]]:
        now: datetime = utc_now()
        community = await _community(uow, args.community)
        report = await service_directory(uow.reports, community, now, settings.tz)
        return report, (community.name, "服务目录", f"{now.astimezone(settings.tz):%Y%m%d}")

    return _run(args, build)
