"""End-to-end throughput of resident intake over the sandbox, against a bare echo bot on the same sandbox.

    .venv/bin/python bench/throughput.py [--residents 400] [--rate 50] [--paced 250]

The bot runs as its own process (`python -m bot run`), exactly as in production, polling the sandbox over
HTTP with a real SQLite file; this process plays the residents. Each resident is already onboarded and
in the main menu and sends one need; "handled" means the bot matched it, persisted the dialog state and
its reply with the service buttons arrived at the resident. The echo bot (bench/echo_bot.py) answers the
same number of messages through the same sandbox.

Prints progress to stderr and, last, one JSON line: intake_per_s, p50_ms_at_50, p99_ms_at_50, echo_per_s,
ratio (= intake_per_s / echo_per_s). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import seed_residents  # noqa: E402

from sandbox import SandboxClient, SandboxServer, SimUser  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.records import utc_now  # noqa: E402

TOKEN = "5150:throughput-bench"
NEEDS = ("厨房下水道堵了", "想找人陪我妈去医院", "家里老人需要送饭", "孩子放学没人接", "想咨询一下劳动合同的问题",
         "我一个人住，心里闷得慌", "轮椅坏了想借一个", "想学用智能手机", "空调不制冷了", "楼上漏水到我家")  # fmt: skip


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def seed_city(db_url: str, ids: list[int]) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed_residents(tx, ids, utc_now())
    await db.close()


async def start_process(args: list[str], env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*args, env=env, cwd=cwd, stderr=asyncio.subprocess.DEVNULL)


async def stop_process(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), timeout=20)
    except TimeoutError:
        process.kill()


async def wait_until_polling(client: SandboxClient, before: int) -> None:
    for _ in range(400):
        stats = await client.stats()
        if stats["requests"].get("getUpdates", 0) > before:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the bot never started polling")


async def burst(users: list[SimUser], text_of: callable) -> float:  # type: ignore[valid-type]
    """Everyone sends at once; returns messages handled per second (first send to last reply)."""
    start = time.perf_counter()
    await asyncio.gather(*(u.send_text(text_of(i)) for i, u in enumerate(users)))
    await asyncio.gather(*(u.wait_for_messages(1, timeout=120) for u in users))
    return len(users) / (time.perf_counter() - start)


async def paced(users: list[SimUser], rate: float) -> list[float]:
    """One message every 1/rate seconds from a different resident; returns each one's latency in ms."""
    latencies: list[float] = []

    async def one(index: int, user: SimUser) -> None:
        await asyncio.sleep(index / rate)
        sent = time.perf_counter()
        await user.send_text(NEEDS[index % len(NEEDS)])
        await user.wait_for_messages(1, timeout=60)
        latencies.append((time.perf_counter() - sent) * 1000)

    await asyncio.gather(*(one(i, u) for i, u in enumerate(users)))
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(residents: int, rate: float, paced_count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sanshe-bench-") as scratch:
        folder = Path(scratch)
        db_url = f"sqlite:///{folder / 'bench.db'}"
        ids = list(range(700_000, 700_000 + residents + paced_count + 1))
        await seed_city(db_url, ids)
        async with SandboxServer() as server, SandboxClient(server.base_url) as client:
            env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
            env.update(SANSHE_BOT_TOKEN=TOKEN, SANSHE_API_BASE_URL=f"{server.base_url}/bot", SANSHE_DATABASE_URL=db_url)
            users = [await client.user(uid, first_name=f"居民{uid}") for uid in ids]
            warm, burst_users, paced_users = users[0], users[1 : residents + 1], users[residents + 1 :]

            bot = await start_process([sys.executable, "-m", "bot", "run"], env, ROOT)
            await wait_until_polling(client, 0)
            await warm.send_text(NEEDS[0])  # builds the matcher once, outside the measurement
            await warm.wait_for_messages(1, timeout=60)
            log(f"intake burst: {len(burst_users)} residents")
            intake_per_s = await burst(burst_users, lambda i: NEEDS[i % len(NEEDS)])
            log(f"paced load: {len(paced_users)} messages at {rate}/s")
            latencies = await paced(paced_users, rate)
            await stop_process(bot)

            before = (await client.stats())["requests"].get("getUpdates", 0)
            echo = await start_process([sys.executable, str(ROOT / "bench" / "echo_bot.py"), TOKEN,
                                        f"{server.base_url}/bot"], env, ROOT)  # fmt: skip
            await wait_until_polling(client, before)
            log(f"echo burst: {len(burst_users)} messages")
            echo_per_s = await burst(burst_users, lambda i: f"echo {i}")
            await stop_process(echo)
    return {
        "intake_per_s": round(intake_per_s, 1),
        "p50_ms_at_50": round(percentile(latencies, 0.50), 1),
        "p99_ms_at_50": round(percentile(latencies, 0.99), 1),
        "mean_ms_at_50": round(statistics.fmean(latencies), 1),
        "echo_per_s": round(echo_per_s, 1),
        "ratio": round(intake_per_s / echo_per_s, 3),
        "residents": residents,
        "paced_messages": paced_count,
        "offered_rate": rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=400)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--paced", type=int, default=250)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.residents, args.rate, args.paced))))


if __name__ == "__main__":
    main()
