"""The `sanshe` command line: one sub-command per module, each registering itself.

Every sub-command module exposes `register(subparsers)`, which adds its parser and sets
`func` to a callable `(args: argparse.Namespace) -> int` returning the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli_text import both
from bot.i18n import CatalogueError


def build_parser() -> argparse.ArgumentParser:
    # Imported here so that `sanshe --help` stays fast and a broken optional module names itself.
    from bot import (
        cli_catalog,
        cli_community,
        cli_demo,
        cli_export,
        cli_hours,
        cli_match,
        cli_people,
        cli_projects,
        cli_run,
        cli_wechat,
    )

    parser = argparse.ArgumentParser(prog="sanshe", description=both("cli.description", sep=" "))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (cli_run, cli_demo, cli_community, cli_catalog, cli_match, cli_people, cli_export, cli_wechat):
        module.register(sub)
    cli_hours.register(sub)
    cli_projects.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except CatalogueError as exc:  # the words themselves are missing: say which file, plainly
        print(f"sanshe: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
