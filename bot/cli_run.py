"""`sanshe run` (long polling) and `sanshe migrate`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from pydantic import ValidationError

from bot.app import load_i18n, running_bot
from bot.cli_text import both
from bot.config import Settings
from storage.db import Database, UnsupportedDatabaseUrl

log = logging.getLogger("sanshe")


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help=both("cli.run.help"))
    run.set_defaults(func=run_command)
    migrate = sub.add_parser("migrate", help=both("cli.migrate.help"))
    migrate.set_defaults(func=migrate_command)


def load_settings() -> Settings | None:
    """Settings, or None after one clear line per bad value (no traceback for a typo in .env)."""
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            print(f"sanshe: {both('cli.run.invalid_setting')} SANSHE_{field.upper()}: {error['msg']}", file=sys.stderr)
        return None


def run_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 2
    token = settings.token_value()
    if not token:
        print(f"sanshe: {both('cli.run.no_token')}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        asyncio.run(_serve(settings, token))
    except UnsupportedDatabaseUrl as exc:
        print(f"sanshe: {exc}", file=sys.stderr)
        return 2
    return 0


async def _serve(settings: Settings, token: str) -> None:
    db = await Database.open(settings.database_url)
    try:
        async with running_bot(settings, db, load_i18n(settings), token):
            log.info("Sanshe is running against %s; Ctrl-C stops it", settings.api_base_url)
            await wait_for_stop_signal()
            log.info("stopping")
    finally:
        await db.close()


async def wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def migrate_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 2

    async def migrate() -> list[int]:
        db = await Database.open(settings.database_url, migrate=False)
        try:
            return await db.migrate()
        finally:
            await db.close()

    try:
        applied = asyncio.run(migrate())
    except UnsupportedDatabaseUrl as exc:
        print(f"sanshe: {exc}", file=sys.stderr)
        return 2
    print(both("cli.migrate.applied", applied=applied) if applied else both("cli.migrate.up_to_date"))
    return 0
