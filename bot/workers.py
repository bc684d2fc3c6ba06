"""`sanshe run --webhook URL --workers N`: a small supervisor for N webhook worker processes.

Each worker is a whole bot (`sanshe run --webhook … --worker-of N`): it listens on the same host:port with
SO_REUSEPORT, so the kernel spreads Telegram's connections over the workers, stores every update before it
answers, and runs turns from the shared database. Per-chat order holds across workers (bot.updates), the outbox
is drained by all of them with claims, and each sends at most 1/N of SANSHE_SEND_PER_SECOND, so together they
stay within the setting. A worker that dies is started again; until then the others adopt its stored updates
and outbox rows when its leases run out. A systemd template unit (deploy/) can replace this supervisor.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from bot.config import Settings
from storage.db import Database

log = logging.getLogger("sanshe.workers")
RESTART_PAUSE_S = 1.0


def supervise(count: int, url: str, listen: str, settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_migrate(settings.database_url))  # once, before N processes would race to it
    argv = [sys.executable, "-m", "bot", "run", "--webhook", url, "--listen", listen, "--worker-of", str(count)]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children = [_start(argv, index) for index in range(count)]
    log.info("%d webhook workers started on %s: %s", count, listen, " ".join(str(c.pid) for c in children))
    while not stopping:
        time.sleep(0.2)
        for index, child in enumerate(children):
            if child.poll() is not None and not stopping:
                log.warning("worker %d (pid %d) ended with %s; starting it again", index, child.pid, child.returncode)
                time.sleep(RESTART_PAUSE_S)
                children[index] = _start(argv, index)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


def _start(argv: list[str], index: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env={**os.environ, "SANSHE_WORKER_INDEX": str(index)})


async def _migrate(url: str) -> None:
    db = await Database.open(url)
    await db.close()
