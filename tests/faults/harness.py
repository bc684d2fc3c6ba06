"""Shared by tests/faults/ and bench/faults.py: the real bot against the sandbox with a seeded database, a log
capture that counts tracebacks, fresh people of every role, and one probe = one hostile input at one step.

* `Stand` is what tests/conftest.py's `city` + `bot_running` fixtures build (a seeded SQLite file, the sandbox, the
  real python-telegram-bot Application polling it), as one object with an explicit open/close.
* `ThreadedStand` runs a Stand in a background thread with its own event loop, so that synchronous code (a
  hypothesis test body, a table-driven test, the bench) can drive the async bot: `stand.run(coro)`.
* `TracebackLog` is a logging handler on the root logger: every record with exc_info, or at ERROR or above, from
  any logger while the bot runs, is a `Crash`, tagged with the input being processed at the time
  (`TracebackLog.current`). The bot's own error handler (handlers/inbox.py on_error) logs "update %s failed" with
  the exception, so an exception escaping a handler always lands here.
* `Stand.probe` puts a fresh person of a role into a dialog step, sends one input, waits until the bot has
  processed it, then checks that the bot still answers a plain /help in that chat.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import shutil
import tempfile
import threading
import traceback
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import TypeHandler

from bot.app import load_i18n, running_bot
from bot.sample_city import seed
from core import onboarding, people
from core.dialog import State
from sandbox import SandboxClient, SandboxServer, SimUser
from sandbox.client_models import BotMessage, SandboxError
from storage.db import Database
from storage.records import utc_now
from tests.conftest import BOT_TOKEN, Running, make_settings

T = TypeVar("T")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
YANGGUANG, GUIHUA = "阳光社区", "桂花社区"
LOCALE = "zh_CN"
IDLE_TIMEOUT_S = 10.0  # an input the bot has not finished within this is a hang

# --- tracebacks ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Crash:
    """One logged traceback (or ERROR record): what was being processed, and where it broke."""

    input: str  # the probe's label: step, role and input (TracebackLog.current)
    kind: str  # exception type, or "ERROR" for an error record without an exception
    where: str  # innermost frame in the project's own code: "handlers/intake.py:30 in describe"
    message: str
    logger: str
    text: str = field(default="", compare=False, repr=False)  # the whole formatted traceback

    @property
    def key(self) -> tuple[str, str]:
        """Crashes with the same key are the same bug met again."""
        return (self.kind, self.where)

    def line(self) -> str:
        return f"{self.kind} at {self.where}: {self.message[:160]}  ← {self.input[:300]}"


def _project_frame(tb: TracebackType | None) -> str:
    """The innermost frame of the project's code (not the venv's libraries, not this harness)."""
    found = "?"
    for frame, lineno in traceback.walk_tb(tb):
        path = Path(frame.f_code.co_filename)
        try:
            rel = path.resolve().relative_to(PROJECT_ROOT)
        except ValueError:
            continue
        if rel.parts and rel.parts[0] in (".venv", "tests"):
            continue
        found = f"{rel.as_posix()}:{lineno} in {frame.f_code.co_name}"
    return found


class TracebackLog(logging.Handler):
    """Counts tracebacks from any logger. `current` names the input being processed; `enabled` is switched on
    only while the bot runs (start-up and shutdown noise is not the bot's answer to an input)."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.crashes: list[Crash] = []
        self.current = "(no input)"
        self.enabled = False
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if not self.enabled or (record.exc_info is None and record.levelno < logging.ERROR):
            return
        try:
            if record.exc_info and record.exc_info[1] is not None:
                exc_type, exc, tb = record.exc_info
                kind = exc_type.__name__ if exc_type else type(exc).__name__
                crash = Crash(self.current, kind, _project_frame(tb), f"{record.getMessage()}: {exc!r}",
                              record.name, "".join(traceback.format_exception(exc_type, exc, tb)))  # fmt: skip
            else:
                crash = Crash(self.current, "ERROR", f"logger {record.name}", record.getMessage(), record.name)
        except Exception as exc:  # the capture itself must never break the bot
            crash = Crash(self.current, "CaptureError", "tests/faults/harness.py", repr(exc), record.name)
        with self._lock:
            self.crashes.append(crash)

    def pairs(self) -> list[tuple[str, str]]:
        """(the input being handled, the exception in one line) for every traceback so far."""
        with self._lock:
            return [(c.input, f"{c.kind} at {c.where}: {c.message}") for c in self.crashes]

    def mark(self) -> int:
        with self._lock:
            return len(self.crashes)

    def since(self, mark: int) -> list[Crash]:
        with self._lock:
            return list(self.crashes[mark:])

    def __enter__(self) -> TracebackLog:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


def distinct(crashes: Iterable[Crash]) -> list[Crash]:
    """The first crash of each (type, place)."""
    seen: dict[tuple[str, str], Crash] = {}
    for crash in crashes:
        seen.setdefault(crash.key, crash)
    return list(seen.values())


def crash_report(crashes: Iterable[Crash]) -> str:
    found = distinct(crashes)
    lines = [f"{len(found)} distinct crash(es):"]
    for crash in found:
        lines.append("  " + crash.line())
    return "\n".join(lines)


# --- inputs -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One thing a person (or a modified client) can send: kind is text, command, callback, sticker, photo, voice,
    location or contact."""

    kind: str
    text: str = ""  # text, command line ("/stats ²"), callback data, photo caption, sticker emoji, contact phone
    number: float = 0.0  # latitude, voice duration
    other: float = 0.0  # longitude
    own: bool = True  # a contact card of the sender's own number

    def label(self) -> str:
        if self.kind in ("text", "command", "callback"):
            shown = self.text if len(self.text) <= 80 else f"{self.text[:60]!r}…(+{len(self.text) - 60} chars)"
            return f"{self.kind} {shown!r}" if len(self.text) <= 80 else f"{self.kind} {shown}"
        if self.kind == "location":
            return f"location ({self.number}, {self.other})"
        if self.kind == "contact":
            return f"contact {self.text!r} own={self.own}"
        if self.kind == "voice":
            return f"voice {self.number:g}s"
        return f"{self.kind} {self.text!r}" if self.text else self.kind


async def send_input(user: SimUser, inp: Input) -> int | None:
    """Send it; the message id of what the person sent (None for a button press)."""
    match inp.kind:
        case "text" | "command":
            return await user.send_text(inp.text)
        case "callback":
            await user.press_forged(inp.text, timeout=0)
            return None
        case "sticker":
            return await user.send_sticker(inp.text or "👍")
        case "photo":
            return await user.send_photo(inp.text or None)
        case "voice":
            return await user.send_voice(int(inp.number))
        case "location":
            return await user.send_location(inp.number, inp.other)
        case "contact":
            return await user.send_contact(inp.text, own=inp.own)
    raise ValueError(f"unknown input kind {inp.kind}")


# --- the stand ----------------------------------------------------------------------------------------------------

ROLES = (
    "stranger",  # never sent /start: no user row, no dialog
    "newcomer",  # sent /start and chose a language, has not consented (mid-onboarding)
    "consented",  # consented, community not chosen yet (mid-onboarding, one step later)
    "resident_yg",  # resident of 阳光社区
    "resident_gh",  # resident of 桂花社区
    "volunteer",  # registered provider of 阳光社区 (supervised by the stand's social worker), not a resident
    "social_worker",
    "org_member",
    "staff_yg",  # staff of 阳光社区, also onboarded as its resident (as tests/flows/test_staff_loop.staff_member)
    "staff_gh",  # staff of 桂花社区, also its resident
    "street",  # a street office over 阳光社区 and 桂花社区, living in neither (its home is the work menu)
    "grid_yg",  # a 网格员 of 阳光社区, also its resident
)
OBSERVER_GROUP = 2**31  # after every group handlers.register uses: sees each update once it was fully handled
SUPERVISOR_ID = 910001  # the social worker the stand registers to supervise fresh volunteers (CHEN of the flows)
FIRST_FRESH_ID = 700_000_000


@dataclass
class Probe:
    """What one input did: the crashes logged while it (and the /help after it) was processed, and whether the
    chat still answered /help."""

    label: str
    crashes: list[Crash]
    answered_help: bool
    hung: bool = False
    not_sent: str | None = None  # the sandbox refused the input (as Telegram would): nothing reached the bot

    @property
    def ok(self) -> bool:
        return not self.crashes and self.answered_help and not self.hung


class Stand:
    """The real bot polling the sandbox, with a freshly seeded database in a temporary folder."""

    def __init__(self, **overrides: Any) -> None:
        self.overrides = overrides
        self.capture = TracebackLog()
        self.running: Running | None = None
        self._stack = AsyncExitStack()
        self._folder: Path | None = None
        self._ids = itertools.count(FIRST_FRESH_ID)
        self.community_ids: dict[str, int] = {}
        self._handled = 0  # updates the bot has finished (see `idle`)
        self._created_before = 0

    @property
    def r(self) -> Running:
        assert self.running is not None, "stand not open"
        return self.running

    async def open(self) -> Stand:
        self._folder = Path(tempfile.mkdtemp(prefix="sanshe-faults-"))
        db_path = self._folder / "sanshe.db"
        db = await Database.open(f"sqlite:///{db_path}")
        async with db.transaction() as tx:
            await seed(tx, utc_now())
        await db.close()
        stack = self._stack
        server = await stack.enter_async_context(SandboxServer())
        client = await stack.enter_async_context(SandboxClient(server.base_url))
        settings = make_settings(server, db_path, **self.overrides)
        db = await Database.open(settings.database_url)
        stack.push_async_callback(db.close)
        i18n = load_i18n(settings)
        stack.enter_context(self.capture)
        app = await stack.enter_async_context(running_bot(settings, db, i18n, BOT_TOKEN, poll_timeout=1))
        self.running = Running(server, client, settings, db, i18n, app)
        self._created_before = server.world.stats.counters["updates_created"]
        app.add_handler(TypeHandler(Update, self._handled_one), group=OBSERVER_GROUP)
        self.capture.enabled = True
        async with db.transaction() as tx:
            for community in await tx.communities.list_all():
                self.community_ids[community.name] = community.id
            if await tx.providers.get(SUPERVISOR_ID) is None:
                await people.register_provider(
                    tx, SUPERVISOR_ID, "social_worker", name="陈社工", organization="阳光社工服务中心",
                    service_ids=["S020", "S021"], communities=[YANGGUANG], supervisor_id=None, locale=LOCALE,
                    now=utc_now(),
                )  # fmt: skip
        return self

    async def close(self) -> None:
        self.capture.enabled = False
        try:
            await self._stack.aclose()
        finally:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)

    # -- people ------------------------------------------------------------------------------------------------

    def new_id(self) -> int:
        return next(self._ids)

    async def person(self, role: str, user_id: int | None = None, first_name: str = "测试") -> SimUser:
        """A fresh person of `role`, set up through the same rules the bot and the CLI use."""
        uid = user_id if user_id is not None else self.new_id()
        sim = await self.r.client.user(uid, first_name=first_name)
        now = utc_now()
        async with self.r.db.transaction() as tx:
            if role == "stranger":
                return sim
            if role in ("volunteer", "social_worker", "org_member"):
                await people.register_provider(
                    tx, uid, role, name=f"{first_name}{uid % 1000}", organization="阳光社工服务中心",
                    service_ids=["S020", "S021"], communities=[YANGGUANG],
                    supervisor_id=SUPERVISOR_ID if role == "volunteer" else None, locale=LOCALE, now=now,
                )  # fmt: skip
                return sim
            if role in ("staff_yg", "staff_gh"):
                await people.register_staff(tx, uid, YANGGUANG if role == "staff_yg" else GUIHUA, LOCALE, now)
            if role == "grid_yg":
                await people.register_grid_worker(tx, uid, YANGGUANG, LOCALE, now)
            if role == "street":
                await people.register_street_office(tx, uid, [YANGGUANG, GUIHUA], LOCALE, now)
            user = await tx.users.get(uid) or await tx.users.create(uid, LOCALE, now)
            if role == "newcomer":
                await tx.dialogs.save(uid, State.CONSENT.value, {}, now)
                return sim
            user, _ = await onboarding.give_consent(tx, user, now)
            if role == "consented":
                await tx.dialogs.save(uid, State.COMMUNITY.value, {}, now)
                return sim
            if role == "street":  # said "I do not live here, I only work here" (comm:work)
                await onboarding.work_only(tx, user, now)
                await tx.dialogs.save(uid, State.WORK.value, {}, now)
                return sim
            community = GUIHUA if role in ("resident_gh", "staff_gh") else YANGGUANG
            await onboarding.choose_community(tx, user, self.community_ids[community], now)
            await tx.dialogs.save(uid, State.MENU.value, {}, now)
        return sim

    async def restore(self, user_id: int, state: State | str, data: dict[str, Any]) -> None:
        """Put a chat into a step, with the dialog data a real flow left there (see scenarios.py)."""
        async with self.r.db.transaction() as tx:
            await tx.dialogs.save(user_id, State(state).value, dict(data), utc_now())

    async def dialog(self, user_id: int) -> tuple[State, dict[str, Any]]:
        async with self.r.db.transaction() as tx:
            found = await tx.dialogs.get(user_id)
        return (State.parse(found.state), dict(found.data)) if found else (State.NEW, {})

    # -- waiting -------------------------------------------------------------------------------------------------

    async def _handled_one(self, update: object, context: object) -> None:
        self._handled += 1

    def unhandled(self) -> int:
        """Updates the sandbox created that the bot has not finished with yet."""
        created = self.r.server.world.stats.counters["updates_created"] - self._created_before
        return created - self._handled

    async def idle(self, timeout: float = IDLE_TIMEOUT_S) -> bool:  # noqa: ASYNC109 - a deadline, not a cancel scope
        """Wait until the bot has handled every update sent so far. PTB runs the handler groups of an update one
        after the other, and an exception in one group goes to the error handler before the next group runs, so a
        handler in the last group (added by `open`) sees an update only when everything else is done with it:
        its handler, the error handler, the replies. False if that does not happen in time (a hang)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.unhandled() > 0:
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.002)
        return True

    async def say(self, user: SimUser, text: str) -> list[BotMessage]:
        """Send a text, wait for the bot to process it, return the bot's new messages in that chat."""
        sent = await user.send_text(text)
        await self.idle()
        return [m for m in await user.messages() if m.message_id > sent]

    async def tap(self, user: SimUser, data: str, message_id: int | None = None) -> str | None:
        """Press a button by its callback data (on `message_id`, else the newest message carrying it); the answer."""
        messages = await user.messages()
        if message_id is None:
            carrying = [m for m in messages if m.inline_button(data) is not None and not m.deleted]
            message_id = carrying[-1].message_id if carrying else None
        answer = await user.press_forged(data, message_id=message_id, timeout=0)
        await self.idle()
        return answer.text if answer else None

    # -- one probe -----------------------------------------------------------------------------------------------

    async def probe(
        self,
        role: str,
        state: State,
        data: dict[str, Any],
        inp: Input,
        label: str,
        prepare: Callable[[int], Awaitable[dict[str, Any]]] | None = None,
    ) -> Probe:
        """A fresh `role` in `state` (with `data`, or what `prepare(user_id)` makes of it) sends `inp`; then /help
        must still be answered."""
        user = await self.person(role)
        if prepare is not None:
            data = await prepare(user.id)
        restorable = state is not State.NEW or role != "stranger"  # a stranger's chat has no dialog row at all
        if restorable:
            await self.restore(user.id, state, data)
        mark = self.capture.mark()
        hung, answered, refused = False, False, None
        try:
            if inp.kind == "callback":
                # A button press is attached to a message of the chat: show the step's question first, as a person
                # in this step would have it on screen (a stranger's chat gets the "please /start" answer).
                self.capture.current = f"{label} (the /help before it, showing the step)"
                await user.send_text("/help" if state is not State.NEW else "你好")
                hung = not await self.idle()
                if restorable:
                    await self.restore(user.id, state, data)
            self.capture.current = label
            try:
                await send_input(user, inp)
            except SandboxError as exc:  # Telegram itself would not let this through: not the bot's to handle
                refused = exc.message
            hung = not await self.idle() or hung
            self.capture.current = f"{label} → then /help"
            help_sent = await user.send_text("/help")
            hung = not await self.idle() or hung
            answered = any(m.message_id > help_sent for m in await user.messages())
        finally:
            self.capture.current = "(no input)"
        return Probe(label, self.capture.since(mark), answered, hung, refused)


# --- running a stand from synchronous code ------------------------------------------------------------------------


class ThreadedStand:
    """A Stand living in a background thread's event loop; `run` submits a coroutine and waits for its result."""

    def __init__(self, **overrides: Any) -> None:
        self.stand = Stand(**overrides)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sanshe-faults-stand", daemon=True)
        self._open = False

    def __enter__(self) -> ThreadedStand:
        self._thread.start()
        self.run(self.stand.open(), timeout=120)
        self._open = True
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._open:
                self.run(self.stand.close(), timeout=60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._loop.close()

    def run(self, coro: Awaitable[T], timeout: float = 120) -> T:
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(coro), self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def call(self, func: Callable[[Stand], Awaitable[T]], timeout: float = 120) -> T:
        return self.run(func(self.stand), timeout)


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable
