"""Kill -9 at chosen points: the real bot as a subprocess (`python -m bot run`) against the sandbox, killed by
its own failpoints (bot/failpoints.py), restarted, and checked afterwards for what a crash may not cost.

One `run` shares a sandbox and a SQLite file across many *episodes*. An episode is a resident's whole way —
/start, language, consent, community, a need, a service, when, where, phone, note, submit — then the provider's
push, 接单 with the contact, 完成 with a note and the resident's news; or, every fourth, an announcement to the
residents so far. Every bot process starts with the next failpoint of a fixed plan armed (`name:n`: killed the
n-th time it reaches that point), so processes die at every point and at different steps. A step whose reply
does not come is waited for patiently: if the bot died it is restarted (with the next failpoint) and the wait
goes on; only a reply that never comes counts as lost.

Counted at the end, from the database and the sandbox (never from the bot's own word):
    updates_lost      update ids the sandbox issued that were never processed (`processed_updates` has gaps)
    replies_lost      expected replies or edits that never arrived, plus outbox rows still pending at the end
    requests_lost     residents who pressed ✅ 提交 and have no request
    requests_doubled  residents with more than one
    messages_doubled  messages a chat received beyond the outbox rows sent to it (a send repeated after a
                      crash between Telegram's answer and the mark)
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.sample_city import STAFF, VOLUNTEER, seed, seed_providers
from sandbox import SandboxClient, SandboxServer, SimUser
from sandbox.client_models import BotMessage, SandboxError
from storage.db import Database
from storage.records import utc_now

TOKEN = "4242:crash-test"
CHEN = 900002  # the sample city's social worker: plumbing in 阳光社区
LEASE_S = 2  # how soon a dead process's claimed replies go out again
STEP_TIMEOUT_S = 25.0  # a reply not here by then (restarts included) is lost

# What a resident does, and a piece of the reply that shows the step was taken.
ResidentStep = tuple[str, str, str]  # (kind: text|press|command, what, expected substring)
INTAKE: tuple[ResidentStep, ...] = (
    ("command", "start", "请选择语言"),
    ("press", "中文", "欢迎使用"),
    ("press", "✅ 同意", "请选择您所在的社区"),
    ("press", "阳光社区", "请点下面的按钮"),
    ("text", "厨房下水道堵了，水下不去", "管道疏通 · 巧手便民维修队"),
    ("press", "管道疏通 · 巧手便民维修队", "什么时候需要"),
    ("press", "今天", "在哪里"),
    ("text", "阳光小区3栋2单元501", "怎么联系您"),
    ("text", "13812345678", "还有什么要补充"),
    ("text", "跳过", "请确认您的求助"),
    ("press", "✅ 提交", "编号是"),
)
POINTS = ("update.fetched", "turn.before_commit", "turn.committed", "reply.sent", "outbox.sent")


@dataclass
class Tally:
    kills: int = 0
    kills_at: Counter[str] = field(default_factory=Counter)  # failpoint name → kills that landed there
    restarts: int = 0
    episodes: int = 0
    replies_lost: int = 0
    lost_where: list[str] = field(default_factory=list)


class BotProcess:
    """`python -m bot run` on the sandbox. Each start arms the next failpoint of the plan, so every process
    lives until its failpoint kills it (or until the run ends)."""

    def __init__(
        self, base_url: str, db_path: Path, workdir: Path, plan: list[str], tally: Tally, lease_s: float = LEASE_S
    ) -> None:
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
        self._env.update(
            SANSHE_BOT_TOKEN=TOKEN,
            SANSHE_API_BASE_URL=f"{base_url}/bot",
            SANSHE_DATABASE_URL=f"sqlite:///{db_path}",
            SANSHE_OUTBOX_LEASE_SECONDS=str(lease_s),
        )
        self._workdir, self._plan, self._tally = workdir, list(plan), tally
        self._process: asyncio.subprocess.Process | None = None
        self.armed = ""
        self.log = workdir / "bot.log"

    async def start(self) -> None:
        env = dict(self._env)
        self.armed = self._plan.pop(0) if self._plan else ""
        if self.armed:
            env["SANSHE_FAILPOINTS"] = self.armed
        with self.log.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self._workdir, env=env, stdout=log, stderr=log
            )

    async def revive_if_dead(self) -> None:
        process = self._process
        if process is None:
            return
        try:  # the return code is known only once someone waits for it
            await asyncio.wait_for(process.wait(), 0.01)
        except TimeoutError:
            return
        self._count_kill(process)
        self._tally.restarts += 1
        await self.start()

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.returncode is None:
            process.send_signal(2)  # SIGINT: a clean stop
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        self._count_kill(process)

    def _count_kill(self, process: asyncio.subprocess.Process) -> None:
        if process.returncode == -9:
            self._tally.kills += 1
            self._tally.kills_at[self.armed.partition(":")[0]] += 1


class Patient:
    """Waits that outlive crashes: a bot found dead while we wait is restarted and the wait goes on."""

    def __init__(self, bot: BotProcess, tally: Tally) -> None:
        self.bot, self.tally = bot, tally
        self.taken: dict[int, set[int]] = {}  # chat → ids of the messages a step has already accounted for

    async def until(self, check: Callable[[], Awaitable[Any]], what: str) -> Any:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while time.monotonic() < deadline:
            found = await check()
            if found is not None:
                return found
            await self.bot.revive_if_dead()
            await asyncio.sleep(0.05)
        self.tally.replies_lost += 1
        self.tally.lost_where.append(f"{what} (armed {self.bot.armed})")
        return None

    async def message(self, user: SimUser, needle: str) -> BotMessage | None:
        """The oldest message to `user` not yet accounted for that contains `needle`. In any order: after a
        crash a reply may arrive after messages the same turn queued for others (an announcement's copy to its
        sender), since the reply waits for the dead process's claim to lapse and the copies do not."""
        taken = self.taken.setdefault(user.id, set())

        async def check() -> BotMessage | None:
            for message in await user.messages():
                if message.message_id in taken:
                    continue
                if needle in (message.text or "") or needle in message.button_texts():
                    taken.add(message.message_id)
                    return message
            return None

        return await self.until(check, f"{user.id}: {needle}")

    async def edit(self, user: SimUser, message_id: int, needle: str) -> BotMessage | None:
        async def check() -> BotMessage | None:
            message = next((m for m in await user.messages() if m.message_id == message_id), None)
            return message if message is not None and needle in (message.text or "") else None

        return await self.until(check, f"{user.id}: edit to {needle}")

    async def press(self, user: SimUser, button: str, message_id: int | None = None) -> bool:
        """Press once the button is there (its message may still be on its way after a crash)."""

        async def check() -> bool | None:
            try:
                await user.press(button, message_id=message_id, timeout=0.05)
            except SandboxError:
                return None
            return True

        return bool(await self.until(check, f"{user.id}: button {button}"))


async def walk_intake(resident: SimUser, patient: Patient) -> str | None:
    """/start to ✅ 提交, each step waiting for its reply: the request's reference, or None at the first reply
    that never came."""
    reply: BotMessage | None = None
    for kind, what, expected in INTAKE:
        if kind == "command":
            await resident.send_command(what)
        elif kind == "text":
            await resident.send_text(what)
        elif not await patient.press(resident, what):
            return None
        if (reply := await patient.message(resident, expected)) is None:
            return None
    return (reply.text or "").split("编号是 ")[-1].split("，")[0] if reply else None


async def resident_episode(client: SandboxClient, patient: Patient, chen: SimUser, number: int) -> SimUser:
    """A resident's whole way from /start to a filed need, then the provider's 接单 and the resident's news."""
    resident = await client.user(first_name=f"居民{number}")
    reference = await walk_intake(resident, patient)
    if reference is None:
        return resident
    # This request's push, by its reference: an earlier push sent twice must not stand in for it.
    push = await patient.message(chen, f"🆕 新任务 {reference}")
    if push is None or not await patient.press(chen, "✅ 接单", push.message_id):
        return resident
    if await patient.edit(chen, push.message_id, "13812345678") is None:
        return resident
    await patient.message(resident, "已有人接单")
    # Finished, so that the provider is never too busy for the next episode's push.
    if await patient.press(chen, "✅ 完成", push.message_id) and await patient.message(chen, "完成情况"):
        await chen.send_text("修好了")
        await patient.message(chen, "已完成")
        await patient.message(resident, "修好了")
    return resident


async def announcement_episode(staff: SimUser, residents: list[SimUser], patient: Patient, number: int) -> None:
    """Staff announce to the community's residents; each of them must get the copy (once)."""
    text = f"第{number}号通知：周六上午停水"
    await staff.send_command("announce")
    if await patient.message(staff, "请输入公告内容") is None:
        return
    await staff.send_text(text)
    audience = await patient.message(staff, "发给谁")
    if audience is None:
        return
    button = next((b for b in audience.button_texts() if b.startswith("社区居民")), None)
    if button is None or not await patient.press(staff, button, audience.message_id):
        return
    if await patient.edit(staff, audience.message_id, "将发送给") is None:
        return
    if not await patient.press(staff, "📣 确认发送", audience.message_id):
        return
    if await patient.message(staff, "公告已开始发送") is None:
        return
    for resident in residents:
        await patient.message(resident, text)


async def run(workdir: Path, *, kills: int, max_episodes: int, seed: int = 0) -> dict[str, Any]:
    """Episodes until `kills` kills have landed (or `max_episodes`); the figures as one dict."""
    db_path = workdir / "crash.db"
    await seeded_city(db_path)
    tally = Tally()
    started = time.monotonic()
    async with SandboxServer() as server, SandboxClient(server.base_url) as client:
        bot = BotProcess(server.base_url, db_path, workdir, schedule(kills * 3, seed), tally)
        patient = Patient(bot, tally)
        await bot.start()
        chen = await client.user(CHEN, first_name="陈社工")
        volunteer = await client.user(VOLUNTEER.telegram_id, first_name="小李")
        staff = await client.user(STAFF.telegram_id, first_name="刘主任")
        for person in (chen, volunteer, staff):  # seeded with a language: /start asks for consent
            await person.send_command("start")
            await patient.message(person, "欢迎使用")
        for button, expected in (("✅ 同意", "请选择您所在的社区"), ("阳光社区", "请点下面的按钮")):
            await patient.press(staff, button)  # staff are residents of 阳光社区 too
            await patient.message(staff, expected)
        residents: list[SimUser] = [staff]
        while tally.kills < kills and tally.episodes < max_episodes:
            tally.episodes += 1
            if tally.episodes % 4 == 0:
                await announcement_episode(staff, residents, patient, tally.episodes)
            else:
                residents.append(await resident_episode(client, patient, chen, tally.episodes))
        await drained(db_path, bot)  # a dead process's claims lapse after the lease; then they go out
        await bot.stop()
        doubled = await messages_doubled(db_path, [chen, volunteer, *residents])
    figures = audit(db_path)
    filed = figures.pop("residents_filed")
    submitted = sum(1 for r in residents[1:] if r.id in filed)
    return {
        "kills": tally.kills,
        "episodes": tally.episodes,
        "updates_lost": figures["updates_lost"],
        "replies_lost": tally.replies_lost + figures["outbox_pending_at_end"],
        "requests_lost": figures["submitted_without_request"],
        "requests_doubled": figures["requests_doubled"],
        "messages_doubled": doubled,
        # Only these kills fall between Telegram's answer and the mark: the one case a message may go twice.
        "kills_between_send_and_mark": tally.kills_at["reply.sent"] + tally.kills_at["outbox.sent"],
        "kills_at": dict(tally.kills_at),
        "requests_filed": submitted,
        "updates_processed": figures["updates_processed"],
        "kill_tracebacks": bot.log.read_text(errors="replace").count("Traceback (most recent call last)"),
        "seconds": round(time.monotonic() - started, 1),
        "lost_where": tally.lost_where[:10],
    }


async def drained(db_path: Path, bot: BotProcess, limit_s: float = 60.0) -> None:
    """Wait until the outbox has nothing pending (restarting a bot that died meanwhile), at most `limit_s`."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        await bot.revive_if_dead()
        with sqlite3.connect(db_path) as conn:
            if conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0] == 0:
                return
        await asyncio.sleep(0.25)


def audit(db_path: Path) -> dict[str, Any]:
    """What the database says once the bot has stopped."""
    with sqlite3.connect(db_path) as conn:
        ids = [row[0] for row in conn.execute("SELECT update_id FROM processed_updates ORDER BY update_id")]
        per_resident = Counter(row[0] for row in conn.execute("SELECT resident_id FROM requests"))
        pending = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
        # A resident whose summary said 编号是 … (the reply after ✅ 提交) but who has no request.
        told = {row[0] for row in conn.execute("SELECT DISTINCT chat_id FROM outbox WHERE text LIKE '%编号是%'")}
    return {
        "updates_processed": len(ids),
        "updates_lost": (ids[-1] - ids[0] + 1 - len(ids)) if ids else 0,
        "outbox_pending_at_end": pending,
        "requests_doubled": sum(n - 1 for n in per_resident.values() if n > 1),
        "submitted_without_request": len(told - set(per_resident)),
        "residents_filed": set(per_resident),
    }


async def messages_doubled(db_path: Path, people: list[SimUser]) -> int:
    """Messages a chat received beyond the outbox rows marked sent to it (edits aside)."""
    with sqlite3.connect(db_path) as conn:
        rows = Counter(
            row[0]
            for row in conn.execute("SELECT chat_id FROM outbox WHERE status = 'sent' AND edit_message_id IS NULL")
        )
    extra = 0
    for person in people:
        received = len([m for m in await person.messages() if not m.deleted])
        extra += max(0, received - rows[person.id])
    return extra


async def seeded_city(db_path: Path) -> None:
    db = await Database.open(f"sqlite:///{db_path}")
    async with db.transaction() as tx:
        await seed(tx, utc_now())
        await seed_providers(tx, utc_now())
    await db.close()


def schedule(length: int, seed: int = 0) -> list[str]:
    """Failpoints for successive processes, every point in turn, the n-th hit varying so that kills land at
    different steps (deterministic: the same list every run)."""
    plan: list[str] = []
    n = seed
    while len(plan) < length:
        plan.extend(f"{point}:{1 + (n * 5 + i * 3) % 13}" for i, point in enumerate(POINTS))
        n += 1
    return plan[:length]


async def two_processes(workdir: Path, *, residents: int) -> dict[str, Any]:
    """Two `sanshe run` on one SQLite file (no kills): residents file needs at the same time, pushes and notices
    flow through both processes' outbox senders; the leases must keep every message single."""
    db_path = workdir / "two.db"
    await seeded_city(db_path)
    tally = Tally()
    started = time.monotonic()
    async with SandboxServer() as server, SandboxClient(server.base_url) as client:
        # The production lease: nobody dies here, and a live process may hold SQLite's write lock for seconds
        # (the first need of a process builds the matcher inside its turn), which a 2 s lease would not outlast.
        first = BotProcess(server.base_url, db_path, workdir, [], tally, lease_s=30)
        second = BotProcess(server.base_url, db_path, workdir, [], tally, lease_s=30)
        await first.start()
        await second.start()
        patient = Patient(first, tally)
        chen = await client.user(CHEN, first_name="陈社工")
        volunteer = await client.user(VOLUNTEER.telegram_id, first_name="小李")
        for person in (chen, volunteer):
            await person.send_command("start")
            await patient.message(person, "欢迎使用")
        people = [await client.user(first_name=f"居民{n}") for n in range(residents)]

        await asyncio.gather(*(walk_intake(r, patient) for r in people))
        await drained(db_path, first)  # the pushes go out, one a second to each provider
        await first.stop()
        await second.stop()
        doubled = await messages_doubled(db_path, [chen, volunteer, *people])
    figures = audit(db_path)
    return {
        "two_process_residents": residents,
        "two_process_requests_filed": len(figures["residents_filed"]),
        "two_process_requests_doubled": figures["requests_doubled"],
        "two_process_updates_lost": figures["updates_lost"],
        "two_process_replies_lost": tally.replies_lost + figures["outbox_pending_at_end"],
        "two_process_messages_doubled": doubled,
        "two_process_seconds": round(time.monotonic() - started, 1),
    }
