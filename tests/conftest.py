"""Shared fixtures: the real bot (python-telegram-bot Application) running against the sandbox over HTTP,
with a real database: a SQLite file in a temporary folder, or a PostgreSQL database (tests/pg.py).

`city` and `db_url` are parametrized by backend, so each test that takes them runs on both; a test marked
`sqlite_only` (it reads the SQLite file itself, say) runs on SQLite alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
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
from tests.pg import SessionDatabase

BOT_TOKEN = "4242:sanshe-test-token"
BACKENDS = ("sqlite", "postgresql")
# Where a test's database is: a SQLite file, or the URL of the session's PostgreSQL database.
DbLocation = Path | str


def database_url(db: DbLocation) -> str:
    return db if isinstance(db, str) else f"sqlite:///{db}"


def make_settings(server: SandboxServer, db_path: DbLocation, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": BOT_TOKEN,
        "api_base_url": f"{server.base_url}/bot",
        "database_url": database_url(db_path),
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: runs on the SQLite backend only (says why)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A sqlite_only test is not collected for PostgreSQL at all (rather than skipped there)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = "postgresql" in (params.get("city"), params.get("db_url"))
        (drop if on_postgres and item.get_closest_marker("sqlite_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def postgres() -> Iterator[SessionDatabase]:
    """The session's PostgreSQL database; created on first use, so a SQLite-only run needs no server."""
    database = SessionDatabase()
    yield database
    database.drop()


async def _seed(db: Database) -> None:
    async with db.transaction() as tx:
        await seed(tx, utc_now())


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database of each backend (a new SQLite file; PostgreSQL reset to its migrated state)."""
    if request.param == "postgresql":
        postgres: SessionDatabase = request.getfixturevalue("postgres")
        postgres.restore("migrated")
        return postgres.url
    return f"sqlite:///{tmp_path / 't.db'}"


@pytest.fixture(params=BACKENDS)
async def city(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[SandboxServer, SandboxClient, DbLocation]]:
    """A sandbox and a seeded database (a SQLite file's path, or a PostgreSQL URL), without a bot yet (tests that
    restart the bot use this)."""
    location: DbLocation
    if request.param == "postgresql":
        postgres: SessionDatabase = request.getfixturevalue("postgres")
        postgres.snapshot("city", _seed)
        postgres.restore("city")
        location = postgres.url
    else:
        location = tmp_path / "sanshe.db"
        db = await Database.open(f"sqlite:///{location}")
        await _seed(db)
        await db.close()
    async with SandboxServer() as server, SandboxClient(server.base_url) as client:
        yield server, client, location


@asynccontextmanager
async def bot_running(
    city: tuple[SandboxServer, SandboxClient, DbLocation], **overrides: object
) -> AsyncIterator[Running]:
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
async def running(city: tuple[SandboxServer, SandboxClient, DbLocation]) -> AsyncIterator[Running]:
    async with bot_running(city) as bot:
        yield bot
