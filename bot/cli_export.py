"""`sanshe export needs|services|hours`: the needs book (居民需求册), the service directory (社会组织服务目录)
and service hours per organisation (志愿服务时长统计) as CSV, XLSX or HTML files that staff print and hand out.

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
from bot.cli_text import both, translator
from bot.config import Settings
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
    export = sub.add_parser("export", help=both("cli.export.help"))
    kinds = export.add_subparsers(dest="kind", required=True, metavar="KIND")
    needs = kinds.add_parser("needs", help=both("cli.export.needs_help"))
    _common_arguments(needs)
    needs.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help=both("cli.export.from_help"))
    needs.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help=both("cli.export.to_help"))
    needs.set_defaults(func=needs_command)
    services = kinds.add_parser("services", help=both("cli.export.services_help"))
    _common_arguments(services)
    services.set_defaults(func=services_command)
    hours = kinds.add_parser("hours", help=both("cli.export.hours_help"))
    _common_arguments(hours)
    hours.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help=both("cli.export.from_help"))
    hours.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help=both("cli.export.to_help"))
    hours.set_defaults(func=hours_command)


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--community", required=True, help=both("cli.export.community_help"))
    # Not argparse `choices`: its error is a usage block, and we promise one line.
    parser.add_argument("--format", dest="fmt", metavar="csv|xlsx|html", help=both("cli.export.format_help"))
    parser.add_argument("--output", type=Path, help=both("cli.export.output_help"))


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
        raise CliError(f"{both('cli.export.unknown_community')}: {name} ({both('cli.export.known')}: {shown or '—'})")
    return community


def _status_labels() -> Mapping[str, str]:
    """Status wording from the locale catalogue, so the book says exactly what residents see in the chat."""
    translate = translator(REPORT_LOCALE)
    return {status.value: translate(f"status.{status.value}") for status in Status}


def _run(args: argparse.Namespace, build: Build) -> int:
    """Build the report in one transaction, then write it outside it (the database is not held meanwhile)."""
    try:
        fmt = _format(args)
        report, name_parts = in_transaction(build)
        path: Path = args.output or Path(default_file_name(*name_parts, fmt=fmt))
        write_report(report, path, fmt)
    except (CliError, PeriodError, UnknownFormat) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{both('cli.cannot_write')}: {exc}")
    count = len(report.table.rows)
    if args.kind == "needs":
        print(both("cli.export.exported_needs", count=count, file=path))
    elif args.kind == "hours":
        print(both("cli.export.exported_hours", count=count, file=path))
    else:
        print(both("cli.export.exported_services", count=count, file=path))
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
        report = await needs_book(uow.reports, community, period, _status_labels(), now)
        book = translator(REPORT_LOCALE)("cli.export.needs_book")
        return report, (community.name, book, f"{period.first:%Y%m%d}-{period.last:%Y%m%d}")

    return _run(args, build)


def services_command(args: argparse.Namespace) -> int:
    async def build(uow: UnitOfWork, settings: Settings) -> tuple[Report, tuple[str, ...]]:
        now: datetime = utc_now()
        community = await _community(uow, args.community)
        report = await service_directory(uow.reports, community, now, settings.tz)
        directory = translator(REPORT_LOCALE)("cli.export.service_directory")
        return report, (community.name, directory, f"{now.astimezone(settings.tz):%Y%m%d}")

    return _run(args, build)


def hours_command(args: argparse.Namespace) -> int:
    """Service hours per organisation and person (core.exports.hours), as /hours gives staff in the chat."""
    from core.exports.hours import hours_report

    try:
        first: date | None = parse_day(args.first) if args.first else None
        last: date | None = parse_day(args.last) if args.last else None
    except PeriodError as exc:
        return _fail(str(exc))

    async def build(uow: UnitOfWork, settings: Settings) -> tuple[Report, tuple[str, ...]]:
        now = utc_now()
        period = make_period(first, last, now.astimezone(settings.tz).date(), settings.tz)
        community = await _community(uow, args.community)
        report = await hours_report(uow.hours, community, period, now, translator(REPORT_LOCALE))
        book = translator(REPORT_LOCALE)("cli.export.hours_book")
        return report, (community.name, book, f"{period.first:%Y%m%d}-{period.last:%Y%m%d}")

    return _run(args, build)
