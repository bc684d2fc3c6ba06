"""One transaction on the configured database, for command-line tools that do one thing and exit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.cli_run import load_settings
from bot.cli_text import both
from bot.config import Settings
from storage.db import Database, UnsupportedDatabaseUrl
from storage.protocols import UnitOfWork

T = TypeVar("T")


class CliError(Exception):
    """A problem to report in one line (the caller prints it and exits 2)."""


def in_transaction(work: Callable[[UnitOfWork, Settings], Awaitable[T]]) -> T:
    """Open the database named by the settings, run `work` in one transaction (all or nothing), close."""
    settings = load_settings()
    if settings is None:  # load_settings has already named each bad value
        raise CliError(both("cli.invalid_settings"))

    async def run() -> T:
        db = await Database.open(settings.database_url)
        try:
            async with db.transaction() as tx:
                return await work(tx, settings)
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except UnsupportedDatabaseUrl as exc:
        raise CliError(both(exc.key, **exc.values)) from exc
