"""Sustained capacity of resident intake through the sandbox, against a fair echo bot under the same conditions.

    .venv/bin/python bench/throughput.py [--latency-ms 50] [--rates 4,6,8,10,12,16,20,24,28,32] [--duration 20]
        [--residents 400] [--think-ms 1000] [--no-limits] [--chat-burst 3] [--with-announcement]
        [--database-url URL] [--skip-echo]

The bot runs as its own process (`python -m bot run`), as in production, long-polling a sandbox in this process
that adds a network round trip (`--latency-ms`) to every Bot API request and enforces Telegram's flood limits
(unless `--no-limits`; a private chat takes `--chat-burst` messages back to back, then one a second).

Each simulated resident does a full intake, eight updates: 🙋 求助, the need, the first service offered, 尽快,
the address, 📞 分享我的电话 (a contact), 跳过, ✅ 提交; then the filed request's task push must reach one of its
providers (three registered per service, as many as the bot offers a task to). Between a reply and the next step
a resident thinks `--think-ms`. Intakes start open-loop at `rate / 8` per second, evenly spaced, whatever the bot's
state, for a ramp (one intake's length, so that the full mix is running) and then `--duration` seconds, the
measured window. A rate is sustained when every update sent in the window was answered, the p99 of per-update
latency (update queued → the bot's answer stored by the sandbox) is at most 300 ms, the bot answered at least 90%
of the offered rate, and the backlog (updates sent, not yet answered) did not grow across the window. Rates are
tried in increasing order until two in a row are not sustained; the capacity is the highest handled rate among the
sustained ones.

The echo baseline (bench/echo_bot.py: concurrent, same polling, same kinds of work per update) is driven the same
way through a fresh sandbox with the same latency and limits: eight updates per "intake" (texts where the intake
sends texts, presses of its button where the intake presses one). `--with-announcement` queues, before each of the
bot's rates (once the previous one has drained), an announcement to all residents of the community, as the staff's
确认发送 does, with enough recipients to keep the bot's outbox busy for about the rate's length; the bot's CPU per
update then includes the announcement's sends (the echo bot has none). Simulated people are played inside this
process (bench/residents.py) so that the harness costs little; its own CPU share is reported per rate.

Prints progress to stderr and, last, one JSON line: intake_per_s, p50_ms, p99_ms, cpu_ms_per_update (of the bot
process, at capacity), push_p99_ms, echo_per_s (+ its p50/p99/cpu), ratio = intake_per_s / echo_per_s, and the
figures of every rate tried. Works with a bot that processes updates one at a time and with a concurrent one. Not
part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import seed_residents  # noqa: E402
from residents import Person, PushWatch  # noqa: E402

from bot.sample_city import STAFF  # noqa: E402
from core.broadcast import announce  # noqa: E402
from core.people import register_provider  # noqa: E402
from sandbox import RateLimits, SandboxServer  # noqa: E402
from sandbox.simulate import ControlError  # noqa: E402
from sandbox.state import BotState, StoredMessage  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.records import utc_now  # noqa: E402

TOKEN = "5150:throughput-bench"
P99_LIMIT_MS = 300.0
HANDLED_SHARE = 0.9  # of the offered rate
ANSWER_TIMEOUT_S = 30.0  # an update unanswered this long counts as lost
PUSH_TIMEOUT_S = 60.0
ANNOUNCE_PER_S = 30  # the bot's default send_per_second, at which its outbox drains an announcement
ANNOUNCEMENT = "本周六上午九点，社区广场义诊，请带好医保卡。"
NEEDS = ("厨房下水道堵了", "想找人陪我妈去医院", "家里老人需要送饭", "孩子放学没人接", "想咨询一下劳动合同的问题",
         "我一个人住，心里闷得慌", "轮椅坏了想借一个", "想学用智能手机", "空调不制冷了", "楼上漏水到我家")  # fmt: skip
# (what the resident does, its argument); "need" and "first" are filled in per intake.
INTAKE = (("text", "🙋 求助"), ("text", "need"), ("press", "first"), ("press", "尽快"), ("text", "阳光小区3栋2单元501"),
          ("reply", "📞 分享我的电话"), ("text", "跳过"), ("press", "✅ 提交"))  # fmt: skip
ECHO = tuple(("press", "再来一次") if kind == "press" else ("text", f"回声{n}") for n, (kind, _) in enumerate(INTAKE))
STEPS = len(INTAKE)
_REFERENCE_RE = re.compile(r"编号是\s*([^\s，,。]+)")
_PROVIDER_IDS_FROM = 710_000
_EXTRA_IDS_FROM = 720_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, threads included (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    sent: float
    answered: float | None = None


@dataclass
class RateResult:
    rate: float
    offered_per_s: float
    handled_per_s: float
    p50_ms: float
    p99_ms: float
    lost: int
    backlog_start: float
    backlog_end: float
    cpu_ms_per_update: float
    harness_cpu_share: float
    http_429: int
    intakes_failed: int
    pushes: int = 0
    push_p50_ms: float = math.nan
    push_p99_ms: float = math.nan
    sustained: bool = False
    notes: list[str] = field(default_factory=list)


class Load:
    """One rate against one bot: open-loop intake starts, each a closed loop of eight steps."""

    def __init__(
        self, people: list[Person], steps: tuple[tuple[str, str], ...], think: float, pushes: PushWatch | None
    ) -> None:
        self.free = deque(people)
        self.steps = steps
        self.think = think
        self.pushes = pushes
        self.samples: list[Sample] = []
        self.push_ms: list[float] = []
        self.failed = 0
        self.starved = 0
        self.errors: list[str] = []

    async def intake(self, number: int) -> None:
        if not self.free:
            self.starved += 1  # every resident is mid-intake: the backlog has long been growing
            return
        person = self.free.popleft()
        try:
            await self._walk(person, NEEDS[number % len(NEEDS)])
        except (ControlError, LookupError) as exc:
            self.failed += 1
            if len(self.errors) < 5:
                self.errors.append(f"{person.user.id}: {exc}")
        finally:
            self.free.append(person)

    async def _walk(self, person: Person, need: str) -> None:
        answer: StoredMessage | None = None
        for n, (kind, argument) in enumerate(self.steps):
            if n:
                await asyncio.sleep(self.think)
            if kind == "text":
                sent = person.send_text(need if argument == "need" else argument)
            elif kind == "reply":
                sent = person.press_reply(argument)
            else:
                label = argument
                if argument == "first":
                    assert answer is not None
                    keyboard = answer.data.get("reply_markup", {}).get("inline_keyboard", [])
                    if not keyboard:
                        raise LookupError(f"no service offered for {need!r}: {answer.text!r}")
                    label = keyboard[0][0]["text"]
                sent = person.press(label, answer)
            sample = Sample(sent)
            self.samples.append(sample)
            answer = await person.answer(ANSWER_TIMEOUT_S)
            if answer is None:
                raise LookupError(f"step {n + 1} ({kind} {argument}) not answered in {ANSWER_TIMEOUT_S:.0f} s")
            sample.answered = answer.stored_at
        if self.pushes is not None and answer is not None:
            match = _REFERENCE_RE.search(answer.text or "")
            if match is None:
                raise LookupError(f"no reference in the last answer: {answer.text!r}")
            if "联系服务人员" not in (answer.text or ""):
                raise LookupError(f"not dispatched to providers: {answer.text!r}")
            pushed = await self.pushes.arrival(match.group(1), PUSH_TIMEOUT_S)
            if pushed is None:
                raise LookupError(f"no task push for {match.group(1)} within {PUSH_TIMEOUT_S:.0f} s")
            self.push_ms.append((pushed - answer.stored_at) * 1000)


def ramp_seconds(args: argparse.Namespace) -> float:
    """About one intake's length (a few round trips per answer), so that the window sees the full mix of steps."""
    return STEPS * (args.think_ms / 1000 + 4 * args.latency_ms / 1000 + 0.1)


async def run_rate(
    server: SandboxServer, bot: BotState, pid: int, people: list[Person], steps: tuple[tuple[str, str], ...],
    rate: float, args: argparse.Namespace, pushes: PushWatch | None,
) -> RateResult:  # fmt: skip
    think = args.think_ms / 1000
    ramp = ramp_seconds(args)
    load = Load(people, steps, think, pushes)
    interval = STEPS / rate  # between intake starts
    starts = int((ramp + args.duration) / interval)
    loop_started = time.perf_counter()
    window = (loop_started + ramp, loop_started + ramp + args.duration)
    backlog: list[tuple[float, int]] = []
    tasks: list[asyncio.Task[None]] = []
    cpu_at_start = harness_at_start = 0.0
    counters = server.world.stats.counters
    http_429 = 0
    sampler_done = asyncio.Event()

    async def sample_backlog() -> None:
        nonlocal cpu_at_start, harness_at_start, http_429
        await asyncio.sleep(max(0.0, window[0] - time.perf_counter()))
        cpu_at_start, harness_at_start = process_cpu_seconds(pid), time.process_time()
        http_429 = counters["http_429"]
        while time.perf_counter() < window[1]:
            now = time.perf_counter()
            backlog.append((now, sum(1 for s in load.samples if s.answered is None or s.answered > now)))
            await asyncio.sleep(0.25)
        sampler_done.set()

    sampler = asyncio.create_task(sample_backlog())
    for number in range(starts):
        await asyncio.sleep(max(0.0, loop_started + number * interval - time.perf_counter()))
        tasks.append(asyncio.create_task(load.intake(number)))
    await sampler_done.wait()
    cpu = process_cpu_seconds(pid) - cpu_at_start
    harness = time.process_time() - harness_at_start
    http_429 = counters["http_429"] - http_429
    await asyncio.gather(*tasks, sampler)  # the stragglers finish (or time out) outside the window

    in_window = [s for s in load.samples if window[0] <= s.sent < window[1]]
    latencies = [(s.answered - s.sent) * 1000 for s in in_window if s.answered is not None]
    handled = sum(1 for s in load.samples if s.answered is not None and window[0] <= s.answered < window[1])
    third = max(1, len(backlog) // 3)
    start_backlog = statistics.fmean(n for _, n in backlog[:third]) if backlog else 0.0
    end_backlog = statistics.fmean(n for _, n in backlog[-third:]) if backlog else 0.0
    result = RateResult(
        rate=rate,
        offered_per_s=round(len(in_window) / args.duration, 1),
        handled_per_s=round(handled / args.duration, 1),
        p50_ms=round(percentile(latencies, 0.50), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        lost=len(in_window) - len(latencies),
        backlog_start=round(start_backlog, 1),
        backlog_end=round(end_backlog, 1),
        cpu_ms_per_update=round(cpu / handled * 1000, 2) if handled else math.nan,
        harness_cpu_share=round(harness / args.duration, 2),
        http_429=http_429,
        intakes_failed=load.failed,
        pushes=len(load.push_ms),
        push_p50_ms=round(percentile(load.push_ms, 0.50), 1),
        push_p99_ms=round(percentile(load.push_ms, 0.99), 1),
        notes=load.errors + ([f"{load.starved} intakes found no free resident"] if load.starved else []),
    )
    # The backlog "grows" when it ends well above where it started: more than a second's worth of the rate's
    # in-flight updates (the steady state holds about rate × answer time, a fraction of the rate).
    grew = end_backlog > start_backlog + max(2.0, rate * 0.5)
    result.sustained = (
        result.lost == 0
        and load.failed == 0
        and load.starved == 0
        and bool(latencies)
        and result.p99_ms <= P99_LIMIT_MS
        and handled >= HANDLED_SHARE * rate * args.duration
        and not grew
    )
    return result


async def scan(
    server: SandboxServer, pid: int, people: list[Person], steps: tuple[tuple[str, str], ...],
    args: argparse.Namespace, pushes: PushWatch | None, before_rate: Any = None,
) -> list[RateResult]:  # fmt: skip
    results: list[RateResult] = []
    for rate in args.rates:
        if before_rate is not None:
            await before_rate()
        result = await run_rate(server, server.world.primary, pid, people, steps, rate, args, pushes)
        log(f"  rate {rate:g}/s: {json.dumps(_clean(asdict(result)), ensure_ascii=False)}")
        results.append(result)
        # Two misses in a row end the scan: one can be a noisy neighbour on a shared machine, two are the bot.
        if len(results) >= 2 and not results[-1].sustained and not results[-2].sustained:
            break
        await asyncio.sleep(1.0)  # let the outbox settle between rates
    return results


def capacity(results: list[RateResult]) -> RateResult | None:
    sustained = [r for r in results if r.sustained]
    return max(sustained, key=lambda r: r.handled_per_s) if sustained else None


async def start_process(argv: list[str], env: dict[str, str], log_path: Path) -> asyncio.subprocess.Process:
    with log_path.open("ab") as out:
        return await asyncio.create_subprocess_exec(*argv, env=env, cwd=ROOT, stdout=out, stderr=out)


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), timeout=20)
    except TimeoutError:
        process.kill()
        await process.wait()


async def wait_until_polling(server: SandboxServer, process: asyncio.subprocess.Process, log_path: Path) -> None:
    for _ in range(1200):
        if server.world.stats.requests.get("getUpdates", 0) > 0:
            return
        if process.returncode is not None:
            break
        await asyncio.sleep(0.05)
    tail = (await asyncio.to_thread(log_path.read_text, errors="replace"))[-3000:]
    raise RuntimeError(f"the bot never started polling; its log ends:\n{tail}")


def make_server(args: argparse.Namespace) -> SandboxServer:
    return SandboxServer(
        latency_ms=args.latency_ms,
        enforce_rate_limits=not args.no_limits,
        limits=RateLimits(per_chat_burst=args.chat_burst),
    )


def _not_an_answer(message: StoredMessage) -> bool:
    return message.text == ANNOUNCEMENT


async def seed_city(db_url: str, residents: list[int], providers_per_service: int, extra: list[int]) -> list[int]:
    """Residents at the main menu, `providers_per_service` social workers per service; returns the providers."""
    db = await Database.open(db_url)
    providers: list[int] = []
    try:
        async with db.transaction() as tx:
            now = utc_now()
            await seed_residents(tx, [*residents, *extra], now)
            for service_id in sorted(await tx.catalog.service_ids()):
                for _ in range(providers_per_service):
                    pid = _PROVIDER_IDS_FROM + len(providers)
                    await register_provider(
                        tx, pid, "social_worker", name=f"社工{len(providers)}", organization="阳光社工服务中心",
                        service_ids=[service_id], communities=["阳光社区"], supervisor_id=None, locale="zh_CN", now=now,
                    )  # fmt: skip
                    providers.append(pid)
            await tx.dialogs.save(STAFF.telegram_id, "menu", {}, now)
    finally:
        await db.close()
    return providers


def announcement_copies(bot: BotState) -> int:
    return sum(1 for chat in bot.chats.values() for m in chat.messages.values() if m.text == ANNOUNCEMENT)


async def queue_announcement(db_url: str) -> int:
    """The call the staff's 确认发送 button makes; the running bot's outbox sender picks it up within its idle poll."""
    db = await Database.open(db_url)
    try:
        async with db.transaction() as tx:
            text = ANNOUNCEMENT
            queued = await announce(tx, STAFF.telegram_id, text, "residents", lambda _locale: text, utc_now())
    finally:
        await db.close()
    return queued.total


async def measure_intake(args: argparse.Namespace, folder: Path) -> list[RateResult]:
    db_url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    resident_ids = list(range(700_000, 700_000 + args.residents))
    ramp = ramp_seconds(args)
    # Recipients enough that an announcement, sent at the bot's 30/s, drains for about one rate's length.
    extra_count = max(0, int(ANNOUNCE_PER_S * (ramp + args.duration)) - args.residents) if args.with_announcement else 0
    extra_ids = list(range(_EXTRA_IDS_FROM, _EXTRA_IDS_FROM + extra_count))
    log(f"seeding {args.residents} residents, {extra_count} more recipients, providers ({db_url.split(':', 1)[0]})")
    provider_ids = await seed_city(db_url, resident_ids, args.providers_per_service, extra_ids)
    async with make_server(args) as server:
        world, bot = server.world, server.world.primary
        people = [Person.create(world, bot, uid, f"居民{uid}", _not_an_answer) for uid in resident_ids]
        providers = [Person.create(world, bot, uid, f"社工{uid}", _not_an_answer) for uid in provider_ids]
        for uid in [*extra_ids, STAFF.telegram_id]:  # open their chats: a bot may only write to who wrote first
            Person.create(world, bot, uid, f"居民{uid}", _not_an_answer)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
        env.update(SANSHE_BOT_TOKEN=TOKEN, SANSHE_API_BASE_URL=f"{server.base_url}/bot", SANSHE_DATABASE_URL=db_url,
                   SANSHE_SEND_PER_SECOND=str(args.send_per_second))  # fmt: skip
        log_path = folder / "bot.log"
        process = await start_process([sys.executable, "-m", "bot", "run"], env, log_path)
        pushes = PushWatch(providers)
        try:
            await wait_until_polling(server, process, log_path)
            log(f"warming up (the matcher's encoder loads on first use); bot log: {log_path}")
            warm = Load(people[:2], INTAKE, 0.0, pushes)
            for number in range(2):
                await warm.intake(number)
            if warm.failed:
                raise RuntimeError(f"the warm-up intake failed: {warm.errors}")
            await asyncio.sleep(2.0)  # command menus synced at start-up, outbox idle

            queued = 0

            async def announce_now() -> None:
                nonlocal queued
                if not args.with_announcement:
                    return
                # One announcement at a time: the previous rate's must have drained, or they would pile up.
                for _ in range(int(2 * (3 * queued / ANNOUNCE_PER_S + 30))):  # checked twice a second
                    if announcement_copies(bot) >= queued:
                        break
                    await asyncio.sleep(0.5)
                queued += await queue_announcement(db_url)
                log(f"  announcement queued ({queued} copies so far, {announcement_copies(bot)} delivered)")

            log(f"intake: rates {args.rates} updates/s, {args.duration:g} s each after a {ramp:.0f} s ramp")
            return await scan(server, process.pid, people, INTAKE, args, pushes, announce_now)
        finally:
            await pushes.close()
            await stop_process(process)


async def measure_echo(args: argparse.Namespace, folder: Path) -> list[RateResult]:
    async with make_server(args) as server:
        world, bot = server.world, server.world.primary
        people = [Person.create(world, bot, 600_000 + n, f"回声{n}", _not_an_answer) for n in range(args.residents)]
        log_path = folder / "echo.log"
        process = await start_process(
            [sys.executable, str(ROOT / "bench" / "echo_bot.py"), TOKEN, f"{server.base_url}/bot"],
            dict(os.environ),
            log_path,
        )
        try:
            await wait_until_polling(server, process, log_path)
            warm = Load(people[:2], ECHO, 0.0, None)
            await asyncio.gather(warm.intake(0), warm.intake(1))
            log(f"echo: rates {args.rates} updates/s")
            return await scan(server, process.pid, people, ECHO, args, None)
        finally:
            await stop_process(process)


def _figures(prefix: str, best: RateResult | None) -> dict[str, Any]:
    if best is None:
        return {f"{prefix}_per_s": 0.0, f"{prefix}_p50_ms": None, f"{prefix}_p99_ms": None}
    return {
        f"{prefix}_per_s": best.handled_per_s,
        f"{prefix}_p50_ms": best.p50_ms,
        f"{prefix}_p99_ms": best.p99_ms,
        f"{prefix}_cpu_ms_per_update": best.cpu_ms_per_update,
    }


def _clean(value: Any) -> Any:
    """NaN is not JSON: absent figures are null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sanshe-bench-") as scratch:
        folder = Path(scratch)
        intake = await measure_intake(args, folder)
        echo = [] if args.skip_echo else await measure_echo(args, folder)
    best, echo_best = capacity(intake), capacity(echo)
    figures: dict[str, Any] = {
        "intake_per_s": best.handled_per_s if best else 0.0,
        "p50_ms": best.p50_ms if best else None,
        "p99_ms": best.p99_ms if best else None,
        "cpu_ms_per_update": best.cpu_ms_per_update if best else None,
        "push_p50_ms": best.push_p50_ms if best else None,
        "push_p99_ms": best.push_p99_ms if best else None,
        **_figures("echo", echo_best),
        "ratio": round(best.handled_per_s / echo_best.handled_per_s, 3) if best and echo_best else None,
        "latency_ms": args.latency_ms,
        "limits": "off" if args.no_limits else f"telegram, chat burst {args.chat_burst}",
        "send_per_second": args.send_per_second,
        "think_ms": args.think_ms,
        "duration_s": args.duration,
        "residents": args.residents,
        "with_announcement": args.with_announcement,
        "database": (args.database_url or "sqlite").split(":", 1)[0],
        "intake_rates": [asdict(r) for r in intake],
        "echo_rates": [asdict(r) for r in echo],
    }
    return _clean(figures)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="Bot API round trip (default 50)")
    parser.add_argument("--rates", default="4,6,8,10,12,16,20,24,28,32", help="offered updates/s, in this order")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per rate (after the ramp)")
    parser.add_argument("--residents", type=int, default=400, help="simulated residents (each intake takes a free one)")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="a resident's pause between steps")
    parser.add_argument("--providers-per-service", type=int, default=3)
    parser.add_argument("--no-limits", action="store_true", help="do not enforce Telegram's flood limits")
    parser.add_argument("--chat-burst", type=int, default=3, help="sends a private chat takes back to back")
    parser.add_argument("--with-announcement", action="store_true", help="an announcement drains during each rate")
    parser.add_argument("--database-url", default=None, help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--skip-echo", action="store_true", help="measure the bot only")
    parser.add_argument("--send-per-second", type=float, default=30.0,
                        help="the bot's SANSHE_SEND_PER_SECOND, replies included (1000: paid broadcasts)")  # fmt: skip
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False))


if __name__ == "__main__":
    main()
