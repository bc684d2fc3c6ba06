"""Webhook workers on PostgreSQL: capacity with 1, 2 and 4 workers, and what a kill -9 of one worker costs.

    .venv/bin/python bench/workers.py [--workers 1,2,4] [--rates 16,24,32,48,64] [--duration 15]
        [--latency-ms 50] [--kill-rate 16] [--kill-send-per-second 40] [--postgres-url URL]

For each worker count, a fresh PostgreSQL database (created on the server at `--postgres-url`, dropped after) is
seeded with the sample city, 400 residents at the main menu and three social workers per service; the bot runs as
`sanshe run --webhook … --workers N` (the supervisor and N worker processes sharing one port), and the sandbox in
this process posts updates to it over up to 40 connections with a `--latency-ms` round trip on every Bot API call,
Telegram's flood limits off and SANSHE_SEND_PER_SECOND=1000 (paid broadcasts), so that the limit measured is the
bot's. Simulated residents do full intakes (bench/throughput.py: eight updates, then the provider's task push) at
increasing offered rates; the capacity is the highest rate sustained (every update answered, p99 <= 300 ms, no
growing backlog). CPU-seconds per update are those of all worker processes together.

Then the kill run: two workers at `--kill-rate` with SANSHE_SEND_PER_SECOND=`--kill-send-per-second`; half-way
through, one worker is killed with SIGKILL (the supervisor starts it again; meanwhile the other adopts its stored
updates and outbox rows once their leases, shortened to 5 s here, run out). Counted afterwards: updates never
answered, intakes that failed, requests filed twice for one intake, bot messages sent twice (the same text twice in
a row in a chat, a task push of one reference twice to one provider), and the highest number of messages the bot
sent in any one-second window against its setting.

Prints progress to stderr and one JSON line. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from residents import Person, PushWatch  # noqa: E402
from throughput import (  # noqa: E402
    INTAKE,
    TOKEN,
    Load,
    _clean,
    _not_an_answer,
    log,
    make_server,
    process_cpu_seconds,
    ramp_seconds,
    run_rate,
    seed_city,
    start_process,
)

from sandbox import SandboxServer  # noqa: E402
from sandbox.state import BotState  # noqa: E402

DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
_REFERENCE_PUSH = re.compile(r"新任务\s*(\S+)")


class PgDatabase:
    """A fresh database with C collation (text sorts as in SQLite), dropped on exit."""

    def __init__(self, admin: str) -> None:
        self.admin = admin
        self.name = f"sanshe_bench_{os.getpid()}_{secrets.token_hex(3)}"
        info = psycopg.conninfo.conninfo_to_dict(admin)
        info["dbname"] = self.name
        self.url = "postgresql://{user}@{host}:{port}/{dbname}".format(
            user=info.get("user", "postgres"), host=info.get("host", "127.0.0.1"), port=info.get("port", 5432),
            dbname=self.name,
        )  # fmt: skip

    def __enter__(self) -> PgDatabase:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'").format(
                sql.Identifier(self.name)))  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))

    def scalar(self, query: str) -> Any:
        with psycopg.connect(self.url) as conn:
            row = conn.execute(query).fetchone()
            return None if row is None else row[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_pids(supervisor: int) -> list[int]:
    path = Path(f"/proc/{supervisor}/task/{supervisor}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


class Fleet:
    """The supervisor and its workers for one database, with people for the sandbox to play."""

    def __init__(self, server: SandboxServer, db_url: str, workers: int, folder: Path,
                 send_per_second: float, lease_seconds: float = 30.0) -> None:  # fmt: skip
        self.server, self.db_url, self.workers = server, db_url, workers
        self.folder, self.send_per_second, self.lease = folder, send_per_second, lease_seconds
        self.process: asyncio.subprocess.Process | None = None
        self.cpu_seen: dict[int, float] = {}

    async def start(self) -> None:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
        env.update(SANSHE_BOT_TOKEN=TOKEN, SANSHE_API_BASE_URL=f"{self.server.base_url}/bot",
                   SANSHE_DATABASE_URL=self.db_url, SANSHE_SEND_PER_SECOND=str(self.send_per_second),
                   SANSHE_OUTBOX_LEASE_SECONDS=str(self.lease))  # fmt: skip
        argv = [sys.executable, "-m", "bot", "run", "--webhook", f"http://127.0.0.1:{port}/telegram",
                "--listen", f"127.0.0.1:{port}", "--workers", str(self.workers)]  # fmt: skip
        self.process = await start_process(argv, env, self.folder / f"bot-{self.workers}.log")
        bot = self.server.world.primary
        for _ in range(600):
            if bot.webhook is not None and len(self.pids()) == self.workers:
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the workers never set the webhook; see {self.folder}")

    async def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=60)
        except TimeoutError:
            self.process.kill()

    def pids(self) -> list[int]:
        """The worker processes (one worker is `sanshe run` itself, with no supervisor)."""
        assert self.process is not None
        return [self.process.pid] if self.workers == 1 else worker_pids(self.process.pid)

    def cpu(self) -> float:
        for pid in self.pids():
            try:
                self.cpu_seen[pid] = process_cpu_seconds(pid)
            except (FileNotFoundError, ProcessLookupError):  # a worker that ended keeps its last figure
                pass
        return sum(self.cpu_seen.values())


async def warm_up(people: list[Person], pushes: PushWatch, workers: int) -> None:
    """Every worker loads the sentence encoder and builds its matcher on its first need: not in the measurement."""
    warm = Load(people[: 4 * workers], INTAKE, 0.0, pushes)
    await asyncio.gather(*(warm.intake(n) for n in range(4 * workers)))
    if warm.failed:
        raise RuntimeError(f"the warm-up intakes failed: {warm.errors}")
    await asyncio.sleep(2.0)


def people_for(
    server: SandboxServer, resident_ids: list[int], provider_ids: list[int]
) -> tuple[list[Person], list[Person]]:
    world, bot = server.world, server.world.primary
    people = [Person.create(world, bot, uid, f"居民{uid}", _not_an_answer) for uid in resident_ids]
    providers = [Person.create(world, bot, uid, f"社工{uid}", _not_an_answer) for uid in provider_ids]
    return people, providers


async def capacity_with(args: argparse.Namespace, workers: int, folder: Path) -> dict[str, Any]:
    resident_ids = list(range(700_000, 700_000 + args.residents))
    with PgDatabase(args.postgres_url) as database:
        provider_ids = await seed_city(database.url, resident_ids, 3, [])
        async with make_server(args) as server:
            people, providers = people_for(server, resident_ids, provider_ids)
            fleet = Fleet(server, database.url, workers, folder, 1000.0)
            await fleet.start()
            pushes = PushWatch(providers)
            try:
                await warm_up(people, pushes, workers)
                best: dict[str, Any] | None = None
                misses = 0
                for rate in args.rates:
                    cpu_before = fleet.cpu()
                    started = time.perf_counter()
                    result = await run_rate(server, server.world.primary, fleet.process.pid if fleet.process else 0,
                                            people, INTAKE, rate, args, pushes)  # fmt: skip
                    spent = fleet.cpu() - cpu_before
                    figures = _clean(result.__dict__)
                    # run_rate measured the supervisor's CPU (it idles); the workers' CPU over the whole rate:
                    updates = max(1.0, result.handled_per_s * (time.perf_counter() - started))
                    figures["cpu_ms_per_update"] = round(spent / updates * 1000, 2)
                    log(f"  {workers} worker(s), rate {rate:g}/s: {json.dumps(figures, ensure_ascii=False)}")
                    if result.sustained:
                        best, misses = figures, 0
                    else:
                        misses += 1
                        if misses == 2:
                            break
                    await asyncio.sleep(1.0)
            finally:
                await pushes.close()
                await fleet.stop()
    return {"workers": workers, "capacity_per_s": best["handled_per_s"] if best else 0.0,
            "p99_ms": best["p99_ms"] if best else None,
            "cpu_ms_per_update": best["cpu_ms_per_update"] if best else None}  # fmt: skip


def doubled_messages(bot: BotState, provider_ids: set[int]) -> int:
    """Bot messages that repeat the previous bot message of their chat word for word (an outbox row or reply sent
    twice), and task pushes of one reference that reached one provider twice."""
    doubled = 0
    for chat in bot.chats.values():
        previous: str | None = None
        pushes: Counter[str] = Counter()
        for message_id in sorted(chat.messages):
            message = chat.messages[message_id]
            if not message.from_bot:
                previous = None
                continue
            text = message.text or ""
            if text and text == previous:
                doubled += 1
            previous = text
            if chat.id in provider_ids:
                match = _REFERENCE_PUSH.search(text)
                if match:
                    pushes[match.group(1)] += 1
        doubled += sum(n - 1 for n in pushes.values() if n > 1)
    return doubled


def busiest_second(bot: BotState) -> int:
    """The most bot messages stored by the sandbox in any one-second window (sends, as Telegram counts them)."""
    times = sorted(m.stored_at for chat in bot.chats.values() for m in chat.messages.values() if m.from_bot)
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def kill_run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    resident_ids = list(range(700_000, 700_000 + args.residents))
    with PgDatabase(args.postgres_url) as database:
        provider_ids = await seed_city(database.url, resident_ids, 3, [])
        async with make_server(args) as server:
            people, providers = people_for(server, resident_ids, provider_ids)
            fleet = Fleet(server, database.url, 2, folder, args.kill_send_per_second, lease_seconds=5.0)
            await fleet.start()
            pushes = PushWatch(providers)
            try:
                await warm_up(people, pushes, 2)
                assert fleet.process is not None
                victim = fleet.pids()[0]

                async def kill_half_way() -> None:
                    await asyncio.sleep(ramp_seconds(args) + args.duration / 2)
                    os.kill(victim, signal.SIGKILL)
                    log(f"  killed worker {victim} with SIGKILL")

                killer = asyncio.create_task(kill_half_way())
                result = await run_rate(server, server.world.primary, fleet.process.pid, people, INTAKE,
                                        args.kill_rate, args, pushes)  # fmt: skip
                await killer
                await asyncio.sleep(12)  # leases (5 s) run out; adopted updates and rows go out
                bot = server.world.primary
                intakes = database.scalar("SELECT COUNT(*) FROM requests")
                references = database.scalar("SELECT COUNT(DISTINCT reference) FROM requests")
                doubled_requests = database.scalar(
                    "SELECT COUNT(*) FROM (SELECT resident_id, need_text, created_at FROM requests "
                    "GROUP BY resident_id, need_text, created_at HAVING COUNT(*) > 1) d"
                )
                unsent = database.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                stored = database.scalar("SELECT COUNT(*) FROM update_queue")
                figures = _clean(result.__dict__)
                return {
                    "kill_rate": args.kill_rate, "requests_filed": intakes, "distinct_references": references,
                    "updates_unanswered": result.lost, "intakes_failed": result.intakes_failed,
                    "requests_doubled": doubled_requests, "messages_doubled": doubled_messages(bot, set(provider_ids)),
                    "outbox_left_pending": unsent, "updates_left_stored": stored,
                    "busiest_second_msgs": busiest_second(bot), "send_per_second_setting": args.kill_send_per_second,
                    "p99_ms_across_kill": figures["p99_ms"], "notes": figures["notes"],
                }  # fmt: skip
            finally:
                await pushes.close()
                await fleet.stop()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sanshe-workers-") as scratch:
        folder = Path(scratch)
        per_count = []
        for workers in args.workers:
            log(f"{workers} worker(s): capacity scan")
            per_count.append(await capacity_with(args, workers, folder))
        log("kill run: 2 workers, one killed half-way")
        kill = await kill_run(args, folder)
    one = next((c for c in per_count if c["workers"] == 1), None)
    two = next((c for c in per_count if c["workers"] == 2), None)
    scaling = round(two["capacity_per_s"] / one["capacity_per_s"], 2) if one and two and one["capacity_per_s"] else None
    return {"capacity": per_count, "two_over_one": scaling, "kill": kill, "latency_ms": args.latency_ms,
            "duration_s": args.duration, "database": "postgresql", "cores": os.cpu_count()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--rates", default="16,24,32,48,64")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--think-ms", type=float, default=1000.0)
    parser.add_argument("--residents", type=int, default=400)
    parser.add_argument("--kill-rate", type=float, default=16.0)
    parser.add_argument("--kill-send-per-second", type=float, default=40.0)
    parser.add_argument("--postgres-url", default=os.environ.get("SANSHE_TEST_POSTGRES_URL") or DEFAULT_ADMIN)
    args = parser.parse_args()
    args.workers = [int(n) for n in args.workers.split(",")]
    args.rates = [float(r) for r in args.rates.split(",")]
    args.no_limits, args.chat_burst = True, 3
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False))


if __name__ == "__main__":
    main()
