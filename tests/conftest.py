"""Shared fixtures: the real bot (python-telegram-bot Application) running against the sandbox over HTTP,
with a real SQLite file in a temporary folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import SansheApp, load_i18n, running_bot
from bot.config import Settings
from bot.i18n import I18n
from bot.sample_city import seed
from sandbox import SandboxClient, SandboxServer
from storage.db import Database
from storage.records import utc_now

BOT_TOKEN = "4242:sanshe-test-token"


def make_settings(server: SandboxServer, db_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": BOT_TOKEN,
        "api_base_url": f"{server.base_url}/bot",
        "database_url": f"sqlite:///{db_path}",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@dataclass
class Running:
    server: SandboxServer
    client: SandboxClient
    settings: Settings
    db: Database
    i18n: I18n
    app: SansheApp


@pytest.fixture
async def city(tmp_path: Path) -> AsyncIterator[tuple[SandboxServer, SandboxClient, Path]]:
    """A sandbox and a seeded database file, without a bot yet (tests that restart the bot use this)."""
    db_path = tmp_path / "sanshe.db"
    db = await Database.open(f"sqlite:///{db_path}")
    async with db.transaction() as tx:
        await seed(tx, utc_now())
    await db.close()
    async with SandboxServer() as server, SandboxClient(server.base_url) as client:
        yield server, client, db_path


@asynccontextmanager
async def bot_running(city: tuple[SandboxServer, SandboxClient, Path], **overrides: object) -> AsyncIterator[Running]:
    """The real bot polling the sandbox, with settings changed by `overrides` (e.g. shorter time limits)."""
    server, client, db_path = city
    settings = make_settings(server, db_path, **overrides)
    db = await Database.open(settings.database_url)
    i18n = load_i18n(settings)
    try:
        async with running_bot(settings, db, i18n, BOT_TOKEN, poll_timeout=1) as app:
            yield Running(server, client, settings, db, i18n, app)
    finally:
        await db.close()


@pytest.fixture
async def running(city: tuple[SandboxServer, SandboxClient, Path]) -> AsyncIterator[Running]:
    async with bot_running(city) as bot:
        yield bot
