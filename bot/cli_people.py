"""`sanshe provider add …` and `sanshe staff add …`: register people from the command line (bootstrapping).

Exit 0 on success; one clear line and exit 2 for an unknown service, community, role or supervisor.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from bot.cli_db import CliError, in_transaction
from bot.cli_text import both, translator
from bot.config import Settings
from core.catalog import split_list
from core.people import (
    PROVIDER_KINDS,
    RegistrationError,
    register_grid_worker,
    register_provider,
    register_staff,
    register_street_office,
)
from storage.protocols import UnitOfWork
from storage.records import utc_now

EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:
    provider = sub.add_parser("provider", help=both("cli.provider.help"))
    provider_actions = provider.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = provider_actions.add_parser("add", help=both("cli.provider.add_help"))
    add.add_argument("telegram_id", type=int)
    add.add_argument("--role", required=True, choices=PROVIDER_KINDS)
    add.add_argument("--name", help=both("cli.provider.name_help"))
    add.add_argument("--organization", help=both("cli.provider.organization_help"))
    add.add_argument("--services", required=True, help=both("cli.provider.services_help"))
    add.add_argument("--communities", required=True, help=both("cli.provider.communities_help"))
    add.add_argument("--supervisor", type=int, help=both("cli.provider.supervisor_help"))
    add.set_defaults(func=provider_add)
    staff = sub.add_parser("staff", help=both("cli.staff.help"))
    staff_actions = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    staff_add = staff_actions.add_parser("add", help=both("cli.staff.help"))
    staff_add.add_argument("telegram_id", type=int)
    staff_add.add_argument("--community", required=True)
    staff_add.set_defaults(func=staff_add_command)
    street = sub.add_parser("street", help=both("cli.street.help"))
    street_actions = street.add_subparsers(dest="action", required=True, metavar="ACTION")
    street_add = street_actions.add_parser("add", help=both("cli.street.help"))
    street_add.add_argument("telegram_id", type=int)
    street_add.add_argument("--communities", required=True, help=both("cli.provider.communities_help"))
    street_add.set_defaults(func=street_add_command)
    grid = sub.add_parser("grid", help=both("cli.grid.help"))
    grid_actions = grid.add_subparsers(dest="action", required=True, metavar="ACTION")
    grid_add = grid_actions.add_parser("add", help=both("cli.grid.help"))
    grid_add.add_argument("telegram_id", type=int)
    grid_add.add_argument("--community", required=True)
    grid_add.set_defaults(func=grid_add_command)


def _ids(value: str) -> list[str]:
    return list(split_list(value.replace(",", ";").replace("，", ";")))


def _report(work: Callable[[UnitOfWork, Settings], Awaitable[str]]) -> int:
    try:
        print(in_transaction(work))
    except (RegistrationError, CliError) as exc:
        print(f"sanshe: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def _name(args: argparse.Namespace, settings: Settings) -> str:
    """The name residents see. Without --name: the kind in the city's language (社工, 志愿者), which the chat then
    shows in each reader's language (handlers.home.provider_name) — never the code `volunteer`."""
    given = (args.name or "").strip()
    return given or translator(settings.default_locale)(f"role.{args.role}")


def provider_add(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> str:
        provider = await register_provider(
            uow, args.telegram_id, args.role, name=_name(args, settings), organization=args.organization,
            service_ids=_ids(args.services), communities=_ids(args.communities), supervisor_id=args.supervisor,
            locale=settings.default_locale, now=utc_now(),
        )  # fmt: skip
        return f"{both('cli.provider.registered')}: {provider.display_name} ({provider.kind}) {provider.telegram_id}"

    return _report(work)


def staff_add_command(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> str:
        await register_staff(uow, args.telegram_id, args.community, settings.default_locale, utc_now())
        return f"{both('cli.staff.registered')}: {args.telegram_id} @ {args.community}"

    return _report(work)


def street_add_command(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> str:
        ids = await register_street_office(
            uow, args.telegram_id, _ids(args.communities), settings.default_locale, utc_now()
        )
        return f"{both('cli.street.registered')}: {args.telegram_id} ({len(ids)})"

    return _report(work)


def grid_add_command(args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork, settings: Settings) -> str:
        await register_grid_worker(uow, args.telegram_id, args.community, settings.default_locale, utc_now())
        return f"{both('cli.grid.registered')}: {args.telegram_id} @ {args.community}"

    return _report(work)
