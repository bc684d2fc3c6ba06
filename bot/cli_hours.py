"""`sanshe hours verify CODE`: whether a certificate of service hours is genuine, what it certifies, and whether the
ledger for its person and period still agrees (a correction made since is reported, never hidden).

Exit 0: genuine (whether or not the ledger changed since); 2: no certificate has this code (or a bad setting).
"""

from __future__ import annotations

import argparse
import sys

from bot.cli_db import CliError, in_transaction
from bot.cli_text import both
from bot.config import Settings
from core.hours_certificate import Verification, hours_text, normalized, verify
from storage.protocols import UnitOfWork

EXIT_UNKNOWN = 2


def register(sub: argparse._SubParsersAction) -> None:
    hours = sub.add_parser("hours", help=both("cli.hours.help"))
    actions = hours.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("verify", help=both("cli.hours.help"))
    check.add_argument("code", help=both("cli.hours.verify_help"))
    check.set_defaults(func=verify_command)


def describe(result: Verification, tz_name: str = "") -> list[str]:
    """The lines `verify` prints for a genuine certificate."""
    c = result.certificate
    assert c is not None
    lines = [
        both("cli.hours.genuine", code=c.code),
        both("cli.hours.certifies", name=c.person_name, organization=c.organization or "—", first=c.first_day,
             last=c.last_day, hours=hours_text(c.minutes), minutes=c.minutes, tasks=c.tasks,
             confirmed=c.confirmed_by or "—", issued=f"{c.issued_at:%Y-%m-%d %H:%M} UTC"),
    ]  # fmt: skip
    if result.still_agrees:
        lines.append(both("cli.hours.agrees"))
    else:
        lines.append(both("cli.hours.changed", hours=hours_text(result.minutes_now), minutes=result.minutes_now,
                          tasks=result.tasks_now))  # fmt: skip
    return lines


def verify_command(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> Verification:
        return await verify(uow, args.code, settings.tz)

    try:
        result = in_transaction(work)
    except CliError as exc:
        print(f"sanshe: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    if not result.genuine:
        print(f"{both('cli.hours.unknown')}: {normalized(args.code)}", file=sys.stderr)
        return EXIT_UNKNOWN
    print("\n".join(describe(result)))
    return 0
