"""`OutboxSender`: the background task that delivers the outbox to Telegram under its flood limits.

Every message to a person that is not a direct reply is written to the `outbox` table in the same
transaction as the change that caused it (ARCHITECTURE.md, point 4). This task reads what is due, sends it
concurrently as `SendLimiter` allows, and records each answer (`attempt.py` says what each means) in its own
short transaction; a 403 also marks the user blocked and gives up that chat's other queued messages.

Order: at most one send per chat is in flight, and each chat's messages leave in outbox id order. A
postponed message stays at the head of its chat's queue in memory, so the messages behind it wait for it
while other chats go on.

Delivery guarantee. No transaction is open while Telegram is called, so "Telegram accepted the message"
and "mark_sent committed" are two steps. If the process dies between them, or Telegram's answer is lost
after it accepted the message (a read timeout, a dropped connection), the row is still pending and is sent
again later: that window is the only at-least-once gap. Otherwise each message goes out once: rows are
claimed with a lease (`bot/outbox/lease.py`) that this process renews on every read, so a second process
sharing the database never reads a row this one holds; a row is never read into memory twice while it is
queued or in flight; `stop()` lets the sends in flight finish and record their outcome, then releases the
claims it did not use; and a row whose outcome could not be recorded (database error) is left alone, with
its chat, until the next start. Rows a crashed process held are taken up once their lease expires.

A row may be an edit (`edit_message_id`): a turn's reply that rewrites the message whose button was
pressed, for instance the task push that turns into the resident's contact for the provider who accepted,
or an edit of another row (`edit_outbox_id`), taken up once that row is sent: a push whose offer closed while
it was still on its way.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, TelegramError

from bot import failpoints
from bot.outbox.attempt import Outcome, classify, reply_markup
from bot.outbox.backlog import Backlog
from bot.outbox.lease import DEFAULT_LEASE, new_owner
from bot.outbox.limiter import SendLimiter
from storage.db import Database
from storage.records import OutboxMessage, utc_now

log = logging.getLogger(__name__)

_SLOT_POLL_S = 0.01  # a reply waiting for a global slot looks again this often
_SUMMARY_EVERY = 10.0  # seconds between progress lines while a long queue drains
_BUFFER_BATCHES = 10  # at most this many batches of rows are held in memory


class OutboxSender:
    """Drains the outbox. The bot's HTTP connection pool should allow `per_second` concurrent requests
    (the PTB Application's default of 256 does; a bare `telegram.Bot` has 1, which still works locally)."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        *,
        per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        batch: int = 100,
        idle_poll: float = 0.5,
        clock: Callable[[], datetime] = utc_now,
        owner: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        if batch < 1 or idle_poll <= 0:
            raise ValueError("batch must be at least 1 and idle_poll positive")
        self._db = db
        self._bot = bot
        self._limiter = SendLimiter(per_second, per_chat_interval)
        self._batch = batch
        self._idle_poll = idle_poll
        self._clock = clock
        self._owner = owner or new_owner()
        self._lease = lease
        self._backlog = Backlog()
        self._sends: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()  # a wake(), an answer, or stop(): look again
        self._look_now = True
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._tally: Counter[str] = Counter()  # outcomes since the last summary line
        self._tally_since = time.monotonic()
        self._sent_total = 0

    # -- public API -------------------------------------------------------------------------------------

    def wake(self) -> None:
        """Something was enqueued (and committed): read the outbox now instead of after idle_poll."""
        self._look_now = True
        self._changed.set()

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """For a reply a turn sends itself: it takes a global slot like an outbox send, so replies and the
        outbox together stay within `per_second`; the outbox then leaves the chat alone for per_chat_interval."""
        now = time.monotonic()
        while not self._limiter.has_room(now):
            await asyncio.sleep(_SLOT_POLL_S)
            now = time.monotonic()
        self._limiter.started(chat_id, now)
        try:
            yield
        finally:
            answered = time.monotonic()
            self._limiter.answered(chat_id, answered, delivered=True)
            self._limiter.free_chat(chat_id, answered)
            self._changed.set()

    async def start(self) -> None:
        """Start the sending loop as a task in the running event loop."""
        if self._task is not None:
            raise RuntimeError("the outbox sender is already running")
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Start nothing new, let the sends in flight finish and be recorded, then return."""
        self._stopping = True
        self._changed.set()
        task, self._task = self._task, None
        if task is not None:
            await task
        await self._settle()
        await self._release_claims()
        self._log_summary()

    async def drain_once(self) -> int:
        """One pass for tests and benchmarks: send what is due now (waiting for per-chat slots, but not for
        messages postponed on the way) and return how many were sent."""
        if self._task is not None:
            raise RuntimeError("drain_once() would race the running loop")
        self._stopping = False
        sent_before = self._sent_total
        await self._read_due()
        while self._has_work():
            self._changed.clear()
            delay = self._dispatch()
            if not self._has_work():
                break
            await self._wait(min(delay, self._idle_poll))
        await self._settle()
        await self._release_claims()
        self._log_summary()
        return self._sent_total - sent_before

    # -- the loop ---------------------------------------------------------------------------------------

    async def _run(self) -> None:
        next_read = 0.0
        while not self._stopping:
            self._changed.clear()  # before looking, so that nothing that happens meanwhile is missed
            if self._look_now or time.monotonic() >= next_read:
                self._look_now = False
                next_read = time.monotonic() + self._idle_poll
                try:
                    await self._read_due()
                except Exception:  # a database hiccup must not end the sender; the next poll retries
                    log.exception("outbox: could not read due messages")
            delay = self._dispatch()
            if (not self._sends and not self._backlog) or time.monotonic() - self._tally_since >= _SUMMARY_EVERY:
                self._log_summary()
            await self._wait(min(delay, max(0.0, next_read - time.monotonic())))
        await self._settle()

    def _has_work(self) -> bool:
        """Sends in flight, or queued messages that are not merely waiting for a retry."""
        return not self._stopping and bool(self._sends or self._backlog.has_unheld())

    async def _read_due(self) -> None:
        backlog = self._backlog
        if backlog.chat_count >= self._batch or backlog.size >= self._batch * _BUFFER_BATCHES:
            return  # enough chats to serve already; don't grow memory without bound
        with backlog.reading() as add:
            async with self._db.transaction() as tx:
                now = self._clock()
                until = now + self._lease
                # Our rows in memory (and our turns' replies being sent) stay ours while we live.
                await tx.outbox.renew_leases(self._owner, until)
                claimed = await tx.outbox.claim_due(now, self._batch, self._owner, until)
                add(claimed)
        if len(claimed) >= self._batch:  # more are due: read again as soon as there is room, not after idle_poll
            self._look_now = True

    async def _release_claims(self) -> None:
        """Rows claimed but not sent (a stop with a queue): free them for the next sender at once."""
        self._backlog = Backlog()
        try:
            async with self._db.transaction() as tx:
                await tx.outbox.release_all(self._owner)
        except Exception:  # they are freed anyway when the lease runs out
            log.exception("outbox: could not release claims on stop")

    def _dispatch(self) -> float:
        """Start every send the limits allow now; return the seconds until another could start."""
        if self._stopping:
            return math.inf
        now = time.monotonic()
        soonest = math.inf
        for chat_id in self._backlog.chats_oldest_first():
            chat_wait = self._limiter.chat_wait(chat_id, now)
            if chat_wait > 0:  # in flight, paced or postponed: other chats go meanwhile
                soonest = min(soonest, chat_wait)
                continue
            wait = self._limiter.wait(now)
            if wait is None:
                break  # every global slot is taken by a send in flight; its answer wakes us
            if wait > 0:
                soonest = min(soonest, wait)
                break
            self._start(chat_id, now)
        return soonest

    def _start(self, chat_id: int, now: float) -> None:
        message = self._backlog.pop(chat_id)
        self._limiter.started(chat_id, now)
        task = asyncio.create_task(self._deliver(message), name=f"outbox-send-{message.id}")
        self._sends.add(task)
        task.add_done_callback(self._send_done)

    def _send_done(self, task: asyncio.Task[None]) -> None:
        # Here, not at the end of _deliver: only now is the task out of _sends for whoever wakes up.
        self._sends.discard(task)
        self._changed.set()

    async def _wait(self, delay: float) -> None:
        if delay <= 0:
            await asyncio.sleep(0)
            return
        try:
            async with asyncio.timeout(None if math.isinf(delay) else delay):
                await self._changed.wait()
        except TimeoutError:
            pass

    async def _settle(self) -> None:
        while self._sends:
            await asyncio.gather(*self._sends, return_exceptions=True)

    # -- one message ------------------------------------------------------------------------------------

    async def _deliver(self, message: OutboxMessage) -> None:
        outcome = await self._attempt(message)
        if outcome.kind == "sent":
            failpoints.reached("outbox.sent")
        answered = time.monotonic()
        self._limiter.answered(message.chat_id, answered, delivered=outcome.kind == "sent")
        self._changed.set()
        # Given up together with a blocked chat's message: its other queued rows (snapshot before awaiting).
        behind = self._backlog.queued(message.chat_id) if outcome.kind == "blocked" else []
        try:
            await self._record(message, outcome, behind)
        except Exception:
            # The chat stays busy and the id known, so this process neither repeats nor overtakes the message.
            log.exception("outbox %d: could not record %s; left pending until restart", message.id, outcome.kind)
            self._backlog.hold(message.chat_id)
            return
        self._after(message, outcome, behind, answered)

    async def _attempt(self, message: OutboxMessage) -> Outcome:
        try:
            markup = reply_markup(message.reply_markup, self._bot)
        except (TypeError, ValueError, KeyError) as exc:
            return Outcome("failed", error=f"bad reply_markup: {exc}")
        if message.edit_outbox_id is not None and message.edit_message_id is None:
            return Outcome("failed", error=f"outbox {message.edit_outbox_id}, the message to edit, was never sent")
        try:
            if message.edit_message_id is not None:
                return await self._edit(message, markup)
            if message.photo:
                sent = await self._send_photo(message, markup)
            else:
                sent = await self._bot.send_message(message.chat_id, message.text, reply_markup=markup)
        except TelegramError as exc:
            return classify(exc, message.attempts)
        except Exception as exc:
            log.exception("outbox %d: unexpected error while sending", message.id)
            return classify(exc, message.attempts)
        return Outcome("sent", message_id=sent.message_id)

    async def _edit(self, message: OutboxMessage, markup: Any) -> Outcome:
        """An edit is cosmetic beside a new message: Telegram refusing it (too old, unchanged, deleted) is not
        worth a retry; it is recorded as failed with the reason."""
        assert message.edit_message_id is not None
        try:
            edited = await self._bot.edit_message_text(
                message.text, chat_id=message.chat_id, message_id=message.edit_message_id, reply_markup=markup
            )
        except BadRequest as exc:
            return Outcome("failed", error=f"edit refused: {exc.message}")
        return Outcome("sent", message_id=edited.message_id if isinstance(edited, Message) else None)

    async def _send_photo(self, message: OutboxMessage, markup: Any) -> Message:
        try:
            return await self._bot.send_photo(message.chat_id, message.photo, caption=message.text, reply_markup=markup)
        except BadRequest as exc:  # the picture is gone or refused: the words still matter
            log.warning("outbox %d: photo refused (%s); sending the text alone", message.id, exc.message)
            return await self._bot.send_message(message.chat_id, message.text, reply_markup=markup)

    async def _record(self, message: OutboxMessage, outcome: Outcome, behind: Sequence[OutboxMessage]) -> None:
        now = self._clock()
        async with self._db.transaction() as tx:
            if outcome.kind == "sent":
                await tx.outbox.mark_sent(message.id, outcome.message_id, now)
            elif outcome.kind == "retry":
                await tx.outbox.postpone(message.id, now + timedelta(seconds=outcome.delay), outcome.error)
            elif outcome.kind == "failed":
                await tx.outbox.give_up(message.id, "failed", outcome.error)
            else:
                await tx.outbox.give_up(message.id, "blocked", outcome.error)
                await tx.users.set_blocked(message.chat_id, now, now)
                for queued in behind:
                    await tx.outbox.give_up(queued.id, "blocked", f"chat blocked (found by outbox {message.id})")

    def _after(
        self, message: OutboxMessage, outcome: Outcome, behind: Sequence[OutboxMessage], answered: float
    ) -> None:
        """Memory after the outcome is committed: queues, limiter, counters, log."""
        chat_id = message.chat_id
        self._tally[outcome.kind] += 1
        if outcome.kind == "retry":
            # Back at the head of its chat's queue: the messages behind it wait, other chats do not.
            self._backlog.put_back(replace(message, attempts=message.attempts + 1))
            if outcome.rate_limited:
                self._limiter.rate_limited(chat_id, answered, outcome.delay)
            else:
                self._limiter.free_chat(chat_id, answered, outcome.delay)
            log.warning("outbox %d to %d: retry in %.0fs: %s", message.id, chat_id, outcome.delay, outcome.error)
            return
        self._backlog.finish(chat_id, {message.id, *(queued.id for queued in behind)})
        self._limiter.free_chat(chat_id, answered)
        if outcome.kind == "sent":
            self._sent_total += 1
        elif outcome.kind == "failed":
            log.warning("outbox %d to %d failed: %s", message.id, chat_id, outcome.error)
        else:
            self._tally["blocked"] += len(behind)
            log.info("outbox: chat %d blocked the bot; gave up %d message(s)", chat_id, 1 + len(behind))

    def _log_summary(self) -> None:
        now = time.monotonic()
        if self._tally:
            t = self._tally
            log.info(
                "outbox: sent %d, retried %d, blocked %d, failed %d in %.1fs; %d queued in memory",
                t["sent"],
                t["retry"],
                t["blocked"],
                t["failed"],
                now - self._tally_since,
                self._backlog.size - len(self._sends),
            )
            t.clear()
        self._tally_since = now
