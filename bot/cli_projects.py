"""`sanshe fund …` and `sanshe project …`: a street office's bulk work from the command line.

Every command acts as one street office (`--office ID`, registered with `sanshe street add`), so the rules of the
chat hold: only funds and projects all of whose communities it steers. `sanshe fund allocate FILE.csv` books a
whole sheet of allocations at once, all or nothing, with errors by line number.

    sanshe fund add --office 1 --name 2027年福彩公益金 --funder lottery --amount 50万
    sanshe fund list --office 1
    sanshe fund allocate --office 1 --fund 1 allocations.csv   # 目标,金额,事由: 阳光社区 / 项目:3 / 资金池
    sanshe project list --office 1
    sanshe project export --office 1 --out .                   # three .xlsx: projects, communities, ledger
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.cli_db import CliError, in_transaction
from bot.cli_text import both
from bot.config import Settings
from core import funds, projects
from core.broadcast import NotAllowed
from core.exports.projects import communities_report, ledger_report, projects_report
from core.exports.writers import default_file_name, write_report
from core.funds import FundError
from core.money import MoneyError, format_fen, parse_fen
from handlers.callback_data import ident
from storage.protocols import UnitOfWork
from storage.records import utc_now

EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:
    fund = sub.add_parser("fund", help=both("fund.cli_help"))
    fund_actions = fund.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = fund_actions.add_parser("add", help=both("fund.cli_add_help"))
    add.add_argument("--office", type=int, required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--funder", required=True, choices=funds.FUNDERS)
    add.add_argument("--amount", required=True)
    add.set_defaults(func=fund_add)
    listing = fund_actions.add_parser("list", help=both("fund.cli_list_help"))
    listing.add_argument("--office", type=int, required=True)
    listing.set_defaults(func=fund_list)
    allocate = fund_actions.add_parser("allocate", help=both("fund.cli_allocate_help"))
    allocate.add_argument("--office", type=int, required=True)
    allocate.add_argument("--fund", type=int, required=True)
    allocate.add_argument("file", type=Path)
    allocate.set_defaults(func=fund_allocate)
    project = sub.add_parser("project", help=both("project.cli_help"))
    project_actions = project.add_subparsers(dest="action", required=True, metavar="ACTION")
    plist = project_actions.add_parser("list", help=both("project.cli_list_help"))
    plist.add_argument("--office", type=int, required=True)
    plist.set_defaults(func=project_list)
    export = project_actions.add_parser("export", help=both("project.cli_export_help"))
    export.add_argument("--office", type=int, required=True)
    export.add_argument("--out", type=Path, default=Path("."))
    export.set_defaults(func=project_export)


def _run(work: Callable[[UnitOfWork, Settings], Awaitable[str]]) -> int:
    try:
        print(in_transaction(work))
    except NotAllowed:
        print(f"sanshe: {both('project.street_only')}", file=sys.stderr)
        return EXIT_ERROR
    except (FundError, MoneyError) as exc:
        values = {k: format_fen(v) if isinstance(v, int) else v for k, v in getattr(exc, "values", {}).items()}
        print(f"sanshe: {both(exc.key, **values)}", file=sys.stderr)
        return EXIT_ERROR
    except CliError as exc:
        print(f"sanshe: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def fund_add(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> str:
        fund_id = await projects.create_fund(
            uow, args.office, args.name, args.funder, parse_fen(args.amount), utc_now()
        )
        return f"{both('fund.cli_added')}: {fund_id} {args.name}"

    return _run(work)


def fund_list(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> str:
        lines = []
        for fund in await projects.visible_funds(uow, args.office):
            t = funds.totals(await uow.funds.balances(fund.id))
            lines.append(
                "\t".join(
                    [
                        str(fund.id),
                        fund.name,
                        fund.funder,
                        format_fen(t.funded),
                        format_fen(t.unallocated),
                        format_fen(t.in_communities),
                        format_fen(t.in_projects),
                        format_fen(t.spent),
                        "ok" if t.reconciles else "NOT RECONCILED",
                    ]
                )
            )
        return "\n".join(lines) or both("project.nothing_yet")

    return _run(work)


async def _account(uow: UnitOfWork, target: str) -> str:
    """资金池 / pool, 项目:3 / project:3, or a community's name."""
    target = target.strip()
    if target in ("资金池", "pool"):
        return funds.POOL
    for prefix in ("项目:", "项目：", "project:"):
        if target.startswith(prefix):
            number = ident(target[len(prefix) :].strip())  # "²" and 20-digit numbers: no such project, no traceback
            if number is None:
                raise CliError(both("fund.cli_unknown_target", target=target))
            return funds.project_account(number)
    community = await uow.communities.by_name(target)
    if community is None:
        raise CliError(both("fund.cli_unknown_target", target=target))
    return funds.community_account(community.id)


def fund_allocate(args: argparse.Namespace) -> int:
    """Rows `目标,金额,事由[,来源]` (来源 blank: the pool), booked in one transaction: one bad row books nothing."""
    try:
        rows = list(csv.reader(args.file.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"sanshe: {exc}", file=sys.stderr)
        return EXIT_ERROR

    async def work(uow: UnitOfWork, settings: Settings) -> str:
        fund = await projects.fund_for(uow, args.office, args.fund)
        booked = 0
        for number, row in enumerate(rows, start=1):
            if not row or not "".join(row).strip() or row[0].strip() in ("目标", "target"):
                continue
            try:
                if len(row) < 2:
                    raise CliError(both("fund.cli_bad_row"))
                target = await _account(uow, row[0])
                source = await _account(uow, row[3]) if len(row) > 3 and row[3].strip() else funds.POOL
                for account in (source, target):
                    if account.startswith("project:"):
                        await projects.project_for(uow, args.office, ident(account.partition(":")[2]))
                await funds.move(
                    uow,
                    fund.id,
                    source,
                    target,
                    parse_fen(row[1]),
                    args.office,
                    row[2] if len(row) > 2 else "",
                    utc_now(),
                )
            except (FundError, MoneyError) as exc:
                values = {k: format_fen(v) if isinstance(v, int) else v for k, v in getattr(exc, "values", {}).items()}
                raise CliError(f"{args.file.name}:{number}: {both(exc.key, **values)}") from exc
            except (CliError, NotAllowed) as exc:
                raise CliError(f"{args.file.name}:{number}: {exc or both('project.street_only')}") from exc
            booked += 1
        return f"{both('fund.cli_allocated')}: {booked}"

    return _run(work)


def project_list(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> str:
        lines = []
        for project in await projects.visible_projects(uow, args.office):
            f = await projects.figures(uow, project)
            lines.append(
                "\t".join(
                    [
                        str(project.id),
                        project.title,
                        project.kind,
                        project.organization or "—",
                        format_fen(project.budget_fen),
                        format_fen(f.money.allocated),
                        format_fen(f.money.spent),
                        str(f.delivered.done),
                    ]
                )
            )
        return "\n".join(lines) or both("project.nothing_yet")

    return _run(work)


def project_export(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> str:
        now, tz = utc_now(), settings.tz
        figures = [await projects.figures(uow, p) for p in await projects.visible_projects(uow, args.office)]
        names = {c.id: c.name for c in await uow.communities.list_all()}
        visible = await projects.visible_funds(uow, args.office)
        entries = [e for fund in visible for e in await uow.funds.entries(fund.id)]
        rows = await projects.community_figures(uow, args.office, figures)
        stamp = f"{now.astimezone(tz):%Y%m%d}"
        args.out.mkdir(parents=True, exist_ok=True)
        written = []
        for report, name in (
            (projects_report(figures, names, now, tz), "项目台账"),
            (communities_report(rows, names, now, tz), "社区资金与成效"),
            (ledger_report(entries, {f.id: f.name for f in visible}, names, now, tz), "资金流水"),
        ):
            path = args.out / default_file_name(name, stamp, fmt="xlsx")
            write_report(report, path, "xlsx")
            written.append(str(path))
        return "\n".join(written)

    return _run(work)
