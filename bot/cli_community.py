"""`sanshe community add NAME [--district NAME]` and `sanshe community list`: the first step of setting up.

A community exists before its staff (`sanshe staff add … --community NAME`), its catalogue and its providers.
Exit 0 on success; one clear bilingual line and exit 2 for a bad or duplicate name (core.community_setup).
"""

from __future__ import annotations

import argparse
import sys

from bot.cli_db import CliError, in_transaction
from bot.cli_text import both
from bot.config import Settings
from core.community_setup import SetupError, add_community, list_communities
from storage.protocols import UnitOfWork
from storage.records import Community, utc_now

EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:
    community = sub.add_parser("community", help=both("cli.community.help"))
    actions = community.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help=both("cli.community.add_help"))
    add.add_argument("name")
    add.add_argument("--district", help=both("cli.community.district_help"))
    add.set_defaults(func=add_command)
    listing = actions.add_parser("list", help=both("cli.community.list_help"))
    listing.set_defaults(func=list_command)


def _fail(message: str) -> int:
    print(f"sanshe community: {message}", file=sys.stderr)
    return EXIT_ERROR


def add_command(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, _settings: Settings) -> Community:
        return await add_community(uow, args.name, args.district, utc_now())

    try:
        community = in_transaction(work)
    except SetupError as exc:
        return _fail(both(exc.key, **exc.values))
    except CliError as exc:
        return _fail(str(exc))
    print(both("cli.community.added", name=community.name, district=community.district or "—"))
    return 0


def list_command(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, _settings: Settings) -> list[Community]:
        return list(await list_communities(uow))

    try:
        communities = in_transaction(work)
    except CliError as exc:
        return _fail(str(exc))
    if not communities:
        print(both("cli.community.none"))
    for community in communities:
        print(f"{community.name}\t{community.district or '—'}")
    return 0
