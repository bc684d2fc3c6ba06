"""Benchmark of the outbox sender: one message to each of N simulated users, through the sandbox over HTTP
with Telegram's flood limits enforced (30 sends/s overall, 1/s per chat), from a real SQLite file.

    .venv/bin/python bench/outbox.py [--recipients 300]

The rate is measured from the first delivery to the last, as the sandbox counts them. Progress goes to
stderr; the LAST stdout line is one JSON object. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import delivery_figures  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.outbox import OutboxSender  # noqa: E402
from sandbox import SandboxClient, SandboxServer  # noqa: E402
from sandbox.client import SimUser  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.records import utc_now  # noqa: E402

TOKEN = "4242:bench-token"
LIMIT_PER_S = 30  # the sandbox's global limit, Telegram's documented one
CHUNK = 100  # control-API calls in flight at once while setting up and checking


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def in_chunks(calls: list[Any]) -> list[Any]:
    results: list[Any] = []
    for start in range(0, len(calls), CHUNK):
        results.extend(await asyncio.gather(*calls[start : start + CHUNK]))
    return results


async def make_users(client: SandboxClient, count: int) -> list[SimUser]:
    users: list[SimUser] = await in_chunks([client.user(first_name=f"居民{i}") for i in range(count)])
    await in_chunks([user.send_text("hi") for user in users])  # a bot may only write to who wrote first
    return users


async def watch_deliveries(server: SandboxServer, expected: int, timeout: float) -> tuple[float, float]:  # noqa: ASYNC109
    """(first, last) delivery time, read from the in-process sandbox's counter every millisecond or so."""
    counters = server.world.stats.counters
    first = last = 0.0
    seen = 0
    async with asyncio.timeout(timeout):
        while seen < expected:
            await asyncio.sleep(0.001)
            count = counters["messages_delivered"]
            if count > seen:
                now = time.perf_counter()
                first = first or now
                last, seen = now, count
                if seen % 300 == 0:
                    log(f"  {seen}/{expected} delivered")
    return first, last


async def run(recipients: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            async with SandboxServer(enforce_rate_limits=True) as server, SandboxClient(server.base_url) as client:
                log(f"creating {recipients} users")
                users = await make_users(client, recipients)
                async with db.transaction() as tx:
                    for user in users:
                        await tx.outbox.enqueue(user.id, f"社区通知：{user.id}", None, utc_now())
                # The Application's bot has a pool of 256 connections; a bare Bot has 1.
                bot = Bot(TOKEN, base_url=f"{server.base_url}/bot", request=HTTPXRequest(connection_pool_size=64))
                async with bot:
                    sender = OutboxSender(db, bot)
                    log("sending")
                    await sender.start()
                    try:
                        first, last = await watch_deliveries(server, recipients, timeout=recipients / 10 + 60)
                    finally:
                        await sender.stop()
                log("checking what each user received")
                received = await in_chunks([user.messages() for user in users])
                stats = await client.stats()
        finally:
            await db.close()
    delivered = sum(
        any(m.text == f"社区通知：{user.id}" for m in got) for user, got in zip(users, received, strict=True)
    )
    duplicates = sum(max(0, len(got) - 1) for got in received)
    rate = (recipients - 1) / (last - first) if recipients > 1 and last > first else 0.0
    return delivery_figures(recipients, delivered, duplicates, stats["http_429"], rate, LIMIT_PER_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=300, help="simulated users, one message each")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    print(json.dumps(asyncio.run(run(args.recipients))))


if __name__ == "__main__":
    main()
