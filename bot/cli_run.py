"""`sanshe run` (long polling, or webhook workers) and `sanshe migrate`."""

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
from bot.webhook import WebhookOptions
from bot.workers import supervise
from storage.db import Database, UnsupportedDatabaseUrl

log = logging.getLogger("sanshe")


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help=both("cli.run.help"))
    run.add_argument("--webhook", metavar="URL", help=both("cli.run.webhook_help"))
    run.add_argument("--listen", metavar="HOST:PORT", help=both("cli.run.listen_help"))
    run.add_argument("--workers", type=int, metavar="N", help=both("cli.run.workers_help"))
    run.add_argument("--worker-of", type=int, default=0, help=argparse.SUPPRESS)  # set by bot.workers for a child
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
    url = args.webhook or settings.webhook_url
    workers = args.workers or settings.workers
    if workers > 1 and not url:
        print(f"sanshe: {both('cli.run.workers_need_webhook')}", file=sys.stderr)
        return 2
    webhook = None
    if url:
        try:
            host, port = parse_listen(args.listen or settings.webhook_listen)
        except ValueError:
            print(f"sanshe: {both('cli.run.bad_listen')}", file=sys.stderr)
            return 2
        group = args.worker_of or workers
        if args.worker_of > 1:  # the workers share the send rate: together they stay within the setting
            settings = settings.model_copy(update={"send_per_second": settings.send_per_second / args.worker_of})
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        webhook = WebhookOptions(url, host, port, secret, reuse_port=group > 1, shared=group > 1)
        if workers > 1 and not args.worker_of:
            return supervise(workers, url, f"{host}:{port}", settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        asyncio.run(_serve(settings, token, webhook))
    except UnsupportedDatabaseUrl as exc:
        print(f"sanshe: {both(exc.key, **exc.values)}", file=sys.stderr)
        return 2
    return 0


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(value)
    return host.strip("[]"), int(port)


async def _serve(settings: Settings, token: str, webhook: WebhookOptions | None = None) -> None:
    db = await Database.open(settings.database_url)
    try:
        async with running_bot(settings, db, load_i18n(settings), token, webhook=webhook):
            where = f"webhook {webhook.url} on {webhook.host}:{webhook.port}" if webhook else "long polling"
            log.info("Sanshe is running against %s (%s); Ctrl-C stops it", settings.api_base_url, where)
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
        print(f"sanshe: {both(exc.key, **exc.values)}", file=sys.stderr)
        return 2
    print(both("cli.migrate.applied", applied=applied) if applied else both("cli.migrate.up_to_date"))
    return 0
