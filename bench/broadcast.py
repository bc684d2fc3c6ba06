"""Benchmark of an announcement through the real bot: an announcement of community staff to N residents is
queued exactly as the staff's 确认发送 button queues it (core.broadcast.announce), and the running bot's outbox
sender delivers it through the sandbox with Telegram's flood limits enforced (429 when exceeded). The bot,
its sender and the sandbox run in this process over loopback HTTP with a real SQLite file.

    .venv/bin/python bench/broadcast.py [--recipients 300]

Prints progress to stderr and, last, one JSON line: recipients, delivered, duplicates, http_429, msgs_per_s
(first to last delivery), limit_per_s, rate_ratio. Not part of the test suite.
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

from common import delivery_figures, seed_residents  # noqa: E402
from outbox import in_chunks, log, watch_deliveries  # noqa: E402
from telegram import Bot  # noqa: E402

from bot.app import load_i18n, running_bot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.sample_city import STAFF  # noqa: E402
from core.broadcast import announce  # noqa: E402
from sandbox import SandboxClient, SandboxServer  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.records import utc_now  # noqa: E402

TOKEN = "6060:broadcast-bench"
LIMIT_PER_S = 30
TEXT = "本周六上午九点，社区广场义诊，请带好医保卡。"


async def run(recipients: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, bot_token=TOKEN, database_url=f"sqlite:///{Path(folder) / 'b.db'}")  # type: ignore[call-arg, arg-type]
        ids = list(range(800_000, 800_000 + recipients))
        db = await Database.open(settings.database_url)
        async with db.transaction() as tx:
            await seed_residents(tx, ids, utc_now())
            await tx.dialogs.save(STAFF.telegram_id, "menu", {}, utc_now())
        async with (
            SandboxServer(enforce_rate_limits=True) as server,
            SandboxClient(server.base_url, bot_id=int(TOKEN.split(":")[0])) as client,
        ):
            settings = settings.model_copy(update={"api_base_url": f"{server.base_url}/bot"})
            async with Bot(TOKEN, base_url=f"{server.base_url}/bot") as raw:  # getMe: the sandbox knows the bot
                log(f"creating {recipients} residents")
                users = await in_chunks([client.user(uid, first_name=f"居民{uid}") for uid in ids])
                staff = await client.user(STAFF.telegram_id, first_name=STAFF.name)
                # A bot may only write to people who wrote first; confirm those updates so the bot skips them.
                await in_chunks([u.send_text("hi") for u in [*users, staff]])
                pending = await raw.get_updates(timeout=1, limit=100)
                while pending:
                    pending = await raw.get_updates(offset=pending[-1].update_id + 1, timeout=0, limit=100)
            async with running_bot(settings, db, load_i18n(settings), TOKEN, poll_timeout=1) as app:
                services = app.bot_data.services
                assert services is not None
                base = server.world.stats.counters["messages_delivered"]
                log("sending")
                started = time.perf_counter()
                # The same call the staff's 确认发送 button makes (handlers/announce.py), then the running
                # bot's own outbox sender delivers under its limits.
                async with db.transaction() as tx:
                    queued = await announce(tx, STAFF.telegram_id, TEXT, "residents", lambda _l: TEXT, utc_now())
                services.wake_outbox()
                assert queued.total == recipients, queued
                first, last = await watch_deliveries(server, base + recipients, timeout=recipients / 10 + 60)
                log(f"done in {time.perf_counter() - started:.1f}s; checking what each resident received")
                received = await in_chunks([u.messages() for u in users])
                stats = await client.stats()
        await db.close()
    got = [[m for m in messages if m.text and TEXT in m.text] for messages in received]
    delivered = sum(1 for copies in got if copies)
    duplicates = sum(max(0, len(copies) - 1) for copies in got)
    rate = recipients / (last - first) if last > first else 0.0
    return delivery_figures(recipients, delivered, duplicates, stats["http_429"], rate, LIMIT_PER_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=300, help="simulated residents")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("sanshe").setLevel(logging.WARNING)
    print(json.dumps(asyncio.run(run(args.recipients))))


if __name__ == "__main__":
    main()
