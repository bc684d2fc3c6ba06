"""What idle long polls cost the sandbox: the bot sends to one chat while N other simulated users' clients
long-poll their own (silent) chats and M other bots long-poll getUpdates.

    .venv/bin/python bench/wakeups.py [--waiters 400] [--bots 0] [--sends 400]

When every change woke every waiter, each send cost O(waiters) (every waiter re-checked its predicate); with
wake-ups per bot and per chat an idle waiter costs nothing. Prints, last, one JSON line: sends_per_s and CPU
ms per send with no waiters and with N (+M), and their ratio. Everything runs in this process over loopback
HTTP, so CPU is this process's. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox import SandboxClient, SandboxServer  # noqa: E402

TOKEN = "7070:wakeups-bench"


async def _idle_user_poll(session: aiohttp.ClientSession, base: str, uid: int) -> None:
    # The same request SimUser.wait_for_messages makes; nothing ever arrives in these chats.
    while True:
        url = f"{base}/sandbox/users/{uid}/messages"
        async with session.get(url, params={"after": "0", "min_count": "1", "timeout": "30"}) as response:
            await response.read()


async def _idle_bot_poll(session: aiohttp.ClientSession, base: str, bot_id: int) -> None:
    while True:
        async with session.post(f"{base}/bot{bot_id}:other/getUpdates", json={"timeout": 30}) as response:
            await response.read()


async def _sends(session: aiohttp.ClientSession, base: str, chat_id: int, count: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for `count` sendMessage calls, 8 in flight at a time as a busy bot would."""
    url = f"{base}/bot{TOKEN}/sendMessage"
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            n = queue.pop()
            async with session.post(url, json={"chat_id": chat_id, "text": f"第{n}条"}) as response:
                await response.read()

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(8)))
    return time.perf_counter() - wall, time.process_time() - cpu


async def run(waiters: int, bots: int, sends: int) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)
    async with (
        SandboxServer() as server,
        SandboxClient(server.base_url) as client,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        base = server.base_url
        async with session.post(f"{base}/bot{TOKEN}/getMe") as response:  # claims the primary bot
            await response.read()
        target = await client.user(first_name="收信人")
        await target.send_text("hi")
        idle = [await client.user(first_name=f"旁人{i}") for i in range(waiters)]
        quiet_wall, quiet_cpu = await _sends(session, base, target.id, sends)
        tasks = [asyncio.create_task(_idle_user_poll(session, base, u.id)) for u in idle]
        tasks += [asyncio.create_task(_idle_bot_poll(session, base, 9000 + i)) for i in range(bots)]
        await asyncio.sleep(1.0 + (waiters + bots) / 200)  # let every long poll connect, arrive and park
        busy_wall, busy_cpu = await _sends(session, base, target.id, sends)
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "waiters": waiters,
        "idle_bots": bots,
        "sends": sends,
        "sends_per_s_alone": round(sends / quiet_wall, 1),
        "sends_per_s_with_waiters": round(sends / busy_wall, 1),
        "cpu_ms_per_send_alone": round(quiet_cpu / sends * 1000, 3),
        "cpu_ms_per_send_with_waiters": round(busy_cpu / sends * 1000, 3),
        "slowdown": round(busy_wall / quiet_wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--waiters", type=int, default=400, help="simulated users long-polling silent chats")
    parser.add_argument("--bots", type=int, default=0, help="other bots long-polling getUpdates")
    parser.add_argument("--sends", type=int, default=2000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.waiters, args.bots, args.sends))))


if __name__ == "__main__":
    main()
