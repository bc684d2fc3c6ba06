"""One update = one Turn: load who is talking and their dialog state, decide, commit, then reply.

Replies are collected during the transaction and sent only after it commits, so a person never sees
a message about a state that was rolled back, and the database is not locked while we talk to Telegram.
A picture is drawn only then too, in a worker thread (see `Turn.photo`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot import failpoints
from bot.i18n import Translator
from bot.outbox.attempt import retry_after_seconds
from core import broadcast
from core.dialog import State
from handlers.context import SansheContext, Services
from storage.errors import StaleDialog
from storage.protocols import UnitOfWork
from storage.records import DialogState, Reply, User, channel_of

log = logging.getLogger(__name__)
MAX_REPLY_WAIT_S = 5.0
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass
class _Send:
    text: str
    markup: Markup


@dataclass
class _Photo:
    render: Callable[[], bytes]  # makes the PNG (or the file); CPU work, run in a worker thread after commit
    caption: str
    filename: str | None = None  # set: sent as a document (a file to keep), not as a picture


@dataclass
class _EditElsewhere:
    chat_id: int
    message_id: int
    text: str


@dataclass
class _EditTrigger:
    text: str
    markup: InlineKeyboardMarkup | None


@dataclass
class _AfterCommit:
    """Cosmetic work for after the commit and the replies (setting a chat's command menu): not in the outbox."""

    action: Callable[[Any], Awaitable[None]]  # given the bot


@dataclass
class Turn:
    services: Services
    tx: UnitOfWork
    chat_id: int
    user: User | None
    state: State
    data: dict[str, Any]
    t: Translator
    now: datetime
    _saved: tuple[State, dict[str, Any]] = field(init=False)
    _out: list[_Send | _Photo | _EditTrigger | _EditElsewhere] = field(default_factory=list)
    _recorded: list[tuple[_Send | _Photo | _EditTrigger | _EditElsewhere, Reply, int]] = field(default_factory=list)
    _answer: tuple[str | None, bool] | None = None
    _after: list[_AfterCommit] = field(default_factory=list)
    enqueued: bool = False  # something was written to the outbox: wake the sender after commit

    def __post_init__(self) -> None:
        self._saved = (self.state, dict(self.data))

    def goto(self, state: State, **data: Any) -> None:
        self.state, self.data = state, data

    def use_locale(self, locale: str) -> None:
        self.t = self.services.i18n.translator(locale, channel_of(self.chat_id))

    def say(self, text: str, markup: Markup = None) -> None:
        self._out.append(_Send(text, markup))

    def photo(self, render: Callable[[], bytes], caption: str) -> None:
        """Send a picture with a caption. `render` draws its PNG once the transaction has committed, in a
        worker thread, so neither the database nor the event loop waits while a chart is drawn."""
        self._out.append(_Photo(render, caption))

    def document(self, render: Callable[[], bytes], filename: str, caption: str) -> None:
        """Send a file (an export, a poster) with a caption; made after the commit like a photo. After a crash
        between the commit and the send, the caption arrives alone: the person can ask for the file again."""
        self._out.append(_Photo(render, caption, filename))

    def edit_trigger(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the message whose button was pressed (so old buttons cannot be pressed again)."""
        self._out.append(_EditTrigger(text, markup))

    def edit_elsewhere(self, chat_id: int, message_id: int, text: str) -> None:
        """Rewrite a message in another chat (a task push that someone else took); cosmetic, may fail."""
        self._out.append(_EditElsewhere(chat_id, message_id, text))

    def after_commit(self, action: Callable[[Any], Awaitable[None]]) -> None:
        """Run `action(bot)` once the transaction has committed and the replies are sent. Not in the outbox: a crash
        or an error loses it (logged), so only for what is redone anyway, such as a chat's command menu."""
        self._after.append(_AfterCommit(action))

    def answer(self, text: str | None = None, alert: bool = False) -> None:
        self._answer = (text, alert)

    async def staff_community(self) -> int:
        """The community this person is staff of; core.broadcast.NotAllowed for anyone else."""
        return await broadcast.staff_community(self.tx, self.user.telegram_id if self.user else 0)

    @property
    def changed(self) -> bool:
        return (self.state, self.data) != self._saved

    async def record_replies(self, update: Update | None) -> None:
        """Write what this turn tells anyone to the outbox, inside its transaction, claimed by this process
        for sending right after the commit (`deliver`). A crash after the commit therefore loses no reply:
        once the claim lapses the outbox sender sends what was not marked sent. A picture is drawn only
        after the commit, so its row holds the caption: after a crash the words arrive without the chart."""
        services, tx = self.services, self.tx
        until = self.now + services.outbox_lease
        query = update.callback_query if update is not None else None
        pressed = query.message.message_id if query is not None and query.message is not None else None
        out = self._out
        if channel_of(self.chat_id) == "wechat":
            # A button's answer (a toast on Telegram) is a message there: one of the turn's, in the outbox.
            answer = [_Send(self._answer[0], None)] if query is not None and self._answer and self._answer[0] else []
            out = _joined([*answer, *self._out])
        for item in out:
            reply = _as_reply(item, self.chat_id, pressed)
            if reply is None:
                continue
            outbox_id = await tx.outbox.add_reply(reply, services.outbox_owner, until, self.now)
            self._recorded.append((item, reply, outbox_id))

    async def hand_to_outbox(self) -> None:
        """For background work (no update to answer): its messages (edits of other chats' messages) go to
        the outbox unclaimed, for the sender, in the caller's transaction."""
        for item in self._out:
            reply = _as_reply(item, self.chat_id, None)
            if reply is not None:
                await self.tx.outbox.enqueue_reply(reply, self.now)
                self.enqueued = True

    async def deliver(self, update: Update, context: SansheContext) -> None:
        """After the commit: answer the button, then send each recorded reply and mark it sent at once, so
        that only a crash between Telegram's answer and that mark can send a reply twice."""
        query = update.callback_query
        if query is not None:
            text, alert = self._answer or (None, False)
            await _quietly(query.answer(text=text, show_alert=alert))
        # The person who acted sees the answer first; rewriting other people's messages comes after.
        ordered = sorted(self._recorded, key=lambda recorded: recorded[1].chat_id != self.chat_id)
        for item, reply, outbox_id in ordered:
            await _deliver_one(self.services, context.bot, item, reply, outbox_id)
        for after in self._after:
            try:
                await after.action(context.bot)
            except Exception:
                log.exception("after-commit work for chat %s failed", self.chat_id)


def _joined(
    out: list[_Send | _Photo | _EditTrigger | _EditElsewhere],
) -> list[_Send | _Photo | _EditTrigger | _EditElsewhere]:
    """WeChat counts messages (5 within a window; one only, to a person who opened the chat without writing):
    words said one after the other, the earlier without choices, go as one message."""
    joined: list[_Send | _Photo | _EditTrigger | _EditElsewhere] = []
    for item in out:
        last = joined[-1] if joined else None
        if isinstance(item, _Send) and isinstance(last, _Send) and last.markup is None:
            joined[-1] = _Send(f"{last.text}\n\n{item.text}", item.markup)
        else:
            joined.append(item)
    return joined


def _as_reply(item: _Send | _Photo | _EditTrigger | _EditElsewhere, chat_id: int, pressed: int | None) -> Reply | None:
    if isinstance(item, _EditElsewhere):
        return Reply(item.chat_id, item.text, None, item.message_id)
    if isinstance(item, _EditTrigger):
        if pressed is None:
            return None
        return Reply(chat_id, item.text, item.markup.to_dict() if item.markup else None, pressed)
    if isinstance(item, _Photo):
        return Reply(chat_id, item.caption)
    return Reply(chat_id, item.text, item.markup.to_dict() if item.markup else None)


async def _deliver_one(services: Services, bot: Any, item: Any, reply: Reply, outbox_id: int) -> None:
    """Send one recorded reply now and record the outcome; whatever cannot be settled here is released to
    the outbox sender (which retries under the limits) rather than lost."""
    chat_id = reply.chat_id
    try:
        async with services.send_slot(chat_id):
            if reply.edit_message_id is not None:
                markup = item.markup if isinstance(item, _EditTrigger) else None
                sent = await bot.edit_message_text(
                    reply.text, chat_id=chat_id, message_id=reply.edit_message_id, reply_markup=markup
                )
            elif isinstance(item, _Photo):
                sent = await _send_photo(bot, chat_id, item)
            else:
                sent = await patiently(lambda: bot.send_message(chat_id, item.text, reply_markup=item.markup))
    except (BadRequest, Forbidden) as exc:
        # An edit refused (old, unchanged) is cosmetic; a refused message is logged. Forbidden: see below.
        log.info("reply %d refused: %s", outbox_id, exc.message)
        await _settle(services, outbox_id, "blocked" if isinstance(exc, Forbidden) else "failed", exc.message)
        if isinstance(exc, Forbidden) and not isinstance(item, _EditElsewhere):
            raise
        return
    except Exception as exc:  # timeouts, network, a second RetryAfter: the sender takes over the row
        log.warning("reply %d not sent now (%s); left to the outbox sender", outbox_id, exc)
        await _release(services, outbox_id, exc)
        return
    failpoints.reached("reply.sent")
    await _settle(services, outbox_id, "sent", None, getattr(sent, "message_id", None))


async def _settle(
    services: Services, outbox_id: int, status: str, error: str | None, message_id: int | None = None
) -> None:
    try:
        async with services.db.transaction() as tx:
            if status == "sent":
                await tx.outbox.mark_sent(outbox_id, message_id, services.clock())
            else:
                await tx.outbox.give_up(outbox_id, status, error or "")
    except Exception:  # the row stays claimed until the lease runs out; then it may be sent once more
        log.exception("reply %d: could not record that it was %s", outbox_id, status)


async def _release(services: Services, outbox_id: int, exc: Exception) -> None:
    delay = retry_after_seconds(exc) if isinstance(exc, RetryAfter) else 1.0
    try:
        async with services.db.transaction() as tx:
            await tx.outbox.release(outbox_id, services.clock() + timedelta(seconds=delay))
    except Exception:
        log.exception("reply %d: could not hand it to the outbox sender", outbox_id)
    services.wake_outbox()


def background_turn(services: Services, tx: UnitOfWork, now: datetime) -> Turn:
    """A Turn for work no person started (time limits): nobody to reply to, nobody's dialog to move."""
    return Turn(services=services, tx=tx, chat_id=0, user=None, state=State.NEW, data={},
                t=services.i18n.translator(None), now=now)  # fmt: skip


async def patiently(send: Callable[[], Awaitable[Any]], max_wait: float = MAX_REPLY_WAIT_S) -> Any:
    """A reply of several messages can meet Telegram's one-message-per-second limit for a chat: wait as
    told and try once more (bounded); a second refusal hands the reply to the outbox sender."""
    try:
        return await send()
    except RetryAfter as exc:
        wait = retry_after_seconds(exc)
        if wait > max_wait:
            raise
        await asyncio.sleep(wait)
        return await send()


async def _send_photo(bot: Any, chat_id: int, item: _Photo) -> Any:
    action = ChatAction.UPLOAD_DOCUMENT if item.filename else ChatAction.UPLOAD_PHOTO
    await _quietly(bot.send_chat_action(chat_id, action))
    try:
        content = await asyncio.to_thread(item.render)
    except Exception:  # a file that cannot be made must not swallow the words that go with it
        log.exception("could not make a file for chat %s; sending its caption alone", chat_id)
        return await patiently(lambda: bot.send_message(chat_id, item.caption))
    if item.filename:
        return await patiently(
            lambda: bot.send_document(chat_id, content, filename=item.filename, caption=item.caption)
        )
    return await patiently(lambda: bot.send_photo(chat_id, content, caption=item.caption))


async def _quietly(call: Awaitable[Any]) -> None:
    """Answering a callback or editing a message is cosmetic: an old query or an unchanged text is fine."""
    try:
        await call
    except (BadRequest, Forbidden) as exc:
        log.info("ignored cosmetic Bot API error: %s", exc.message)


TurnHandler = Callable[[Update, SansheContext, Turn], Awaitable[None]]
STALE_RETRIES = 3
EARLIER_POLL_S = 0.02  # how soon a turn looks again whether another worker's earlier update of its chat is done
EARLIER_POLL_MAX_S = 0.25


class _EarlierUpdateFirst(Exception):
    """Raised inside the turn's transaction (so it rolls back) when the chat's previous update is not processed."""


async def _decide(
    func: TurnHandler,
    update: Update,
    context: SansheContext,
    chat_id: int,
    person_id: int,
    language: str | None,
    in_order: bool,
) -> Turn | None:
    """The turn's transaction: who is talking, their dialog, the handler's decision, the replies recorded.
    None when the update was processed before; _EarlierUpdateFirst (with `in_order`, for webhook workers) while
    an earlier update of the chat, received by another worker, is not processed yet."""
    services = context.services
    async with services.db.transaction() as tx:
        # With several worker processes on PostgreSQL, one chat's turns take turns (the dialog's version check
        # would also catch a race, at the price of running the turn again).
        await tx.locks.one_at_a_time(f"chat:{chat_id}")
        if in_order and await tx.update_queue.chat_busy_elsewhere(
            chat_id, update.update_id, services.outbox_owner, services.clock()
        ):
            raise _EarlierUpdateFirst
        # Telegram may deliver an update twice (e.g. after a restart); act on it once.
        if not await tx.outbox.first_time_seen(update.update_id, services.clock()):
            log.info("update %s seen before; ignored", update.update_id)
            return None
        user = await tx.users.get(person_id)
        if user is not None and user.blocked_at is not None:  # they are talking to us again
            await tx.users.set_blocked(person_id, None, services.clock())
        dialog = await tx.dialogs.get(chat_id) or DialogState(chat_id, State.NEW.value)
        locale = user.locale if user else services.i18n.guess_locale(language)
        turn = Turn(
            services=services,
            tx=tx,
            chat_id=chat_id,
            user=user,
            state=State.parse(dialog.state),
            data=dict(dialog.data),
            t=services.i18n.translator(locale, channel_of(chat_id)),
            now=services.clock(),
        )
        await func(update, context, turn)
        if turn.changed:
            await tx.dialogs.save(chat_id, turn.state.value, turn.data, turn.now, expected_version=dialog.version)
        await turn.record_replies(update)
        failpoints.reached("turn.before_commit")
    return turn


def turn_handler(func: TurnHandler) -> Callable[[Update, SansheContext], Awaitable[None]]:
    @functools.wraps(func)
    async def wrapper(update: Update, context: SansheContext) -> None:
        chat, person = update.effective_chat, update.effective_user
        if chat is None or person is None:
            return
        services = context.services
        attempt, waited_since, in_order, pause = 1, services.clock(), services.cross_worker_order, EARLIER_POLL_S
        while True:
            try:
                turn = await _decide(func, update, context, chat.id, person.id, person.language_code, in_order)
                break
            except _EarlierUpdateFirst:
                # Another webhook worker holds an earlier update of this chat: this one goes after it. If that
                # worker died, the earlier update is adopted once its lease runs out; after that long, go anyway.
                if services.clock() - waited_since > 3 * services.outbox_lease:
                    log.warning("update %s: an earlier one of chat %s never came; going ahead", update.update_id,
                                chat.id)  # fmt: skip
                    in_order = False
                await asyncio.sleep(pause)
                # Backing off leaves the other worker the database (on SQLite each look takes the write lock).
                pause = min(pause * 2, EARLIER_POLL_MAX_S)
            except StaleDialog:
                # Another turn of this chat saved first (only possible across processes); everything this one
                # wrote was rolled back, so it runs again on the state that won.
                if attempt == STALE_RETRIES:
                    raise
                attempt += 1
                log.info("dialog of chat %s changed under update %s; running it again", chat.id, update.update_id)
        if turn is None:
            return
        failpoints.reached("turn.committed")
        try:
            await turn.deliver(update, context)
        except Forbidden:
            log.info("chat %s has blocked the bot; reply dropped", chat.id)
            async with services.db.transaction() as tx:
                await tx.users.set_blocked(person.id, services.clock(), services.clock())
        finally:
            # After the replies: what the turn enqueued for others (an announcement that includes the person
            # who sent it) must not overtake the answer to the person who acted.
            if turn.enqueued:
                services.wake_outbox()

    return wrapper
