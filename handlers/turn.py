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

from bot.i18n import Translator
from core import broadcast
from core.dialog import State
from handlers.context import SansheContext, Services
from storage.protocols import UnitOfWork
from storage.records import DialogState, User

log = logging.getLogger(__name__)
MAX_REPLY_WAIT_S = 5.0
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass
class _Send:
    text: str
    markup: Markup


@dataclass
class _Photo:
    render: Callable[[], bytes]  # makes the PNG; CPU work, run in a worker thread after commit
    caption: str


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
    _answer: tuple[str | None, bool] | None = None
    enqueued: bool = False  # something was written to the outbox: wake the sender after commit

    def __post_init__(self) -> None:
        self._saved = (self.state, dict(self.data))

    def goto(self, state: State, **data: Any) -> None:
        self.state, self.data = state, data

    def use_locale(self, locale: str) -> None:
        self.t = self.services.i18n.translator(locale)

    def say(self, text: str, markup: Markup = None) -> None:
        self._out.append(_Send(text, markup))

    def photo(self, render: Callable[[], bytes], caption: str) -> None:
        """Send a picture with a caption. `render` draws its PNG once the transaction has committed, in a
        worker thread, so neither the database nor the event loop waits while a chart is drawn."""
        self._out.append(_Photo(render, caption))

    def edit_trigger(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the message whose button was pressed (so old buttons cannot be pressed again)."""
        self._out.append(_EditTrigger(text, markup))

    def edit_elsewhere(self, chat_id: int, message_id: int, text: str) -> None:
        """Rewrite a message in another chat (a task push that someone else took); cosmetic, may fail."""
        self._out.append(_EditElsewhere(chat_id, message_id, text))

    def answer(self, text: str | None = None, alert: bool = False) -> None:
        self._answer = (text, alert)

    async def staff_community(self) -> int:
        """The community this person is staff of; core.broadcast.NotAllowed for anyone else."""
        return await broadcast.staff_community(self.tx, self.user.telegram_id if self.user else 0)

    @property
    def changed(self) -> bool:
        return (self.state, self.data) != self._saved

    async def deliver(self, update: Update, context: SansheContext) -> None:
        query = update.callback_query
        if query is not None:
            text, alert = self._answer or (None, False)
            await _quietly(query.answer(text=text, show_alert=alert))
        for item in self._out:
            if isinstance(item, _EditElsewhere):
                await _quietly(
                    context.bot.edit_message_text(item.text, chat_id=item.chat_id, message_id=item.message_id)
                )
                continue
            if isinstance(item, _EditTrigger):
                if query is not None and query.message is not None:
                    await _quietly(
                        context.bot.edit_message_text(
                            item.text,
                            chat_id=self.chat_id,
                            message_id=query.message.message_id,
                            reply_markup=item.markup,
                        )
                    )
                continue
            if isinstance(item, _Photo):
                await _send_photo(context, self.chat_id, item)
                continue
            await _send_patiently(context, self.chat_id, item)

    async def deliver_elsewhere(self, bot: Any) -> None:
        """For background work (no update to answer): only the edits of other chats' messages."""
        for item in self._out:
            if isinstance(item, _EditElsewhere):
                await _quietly(bot.edit_message_text(item.text, chat_id=item.chat_id, message_id=item.message_id))


def background_turn(services: Services, tx: UnitOfWork, now: datetime) -> Turn:
    """A Turn for work no person started (time limits): nobody to reply to, nobody's dialog to move."""
    return Turn(services=services, tx=tx, chat_id=0, user=None, state=State.NEW, data={},
                t=services.i18n.translator(None), now=now)  # fmt: skip


async def _patiently(send: Callable[[], Awaitable[Any]]) -> None:
    """A reply of several messages can meet Telegram's one-message-per-second limit for a chat: wait as
    told and try once more (bounded), instead of losing the rest of the reply."""
    try:
        await send()
    except RetryAfter as exc:
        wait = exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else float(exc.retry_after)
        await asyncio.sleep(min(wait, MAX_REPLY_WAIT_S))
        await send()


async def _send_patiently(context: SansheContext, chat_id: int, item: _Send) -> None:
    await _patiently(lambda: context.bot.send_message(chat_id, item.text, reply_markup=item.markup))


async def _send_photo(context: SansheContext, chat_id: int, item: _Photo) -> None:
    await _quietly(context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO))
    try:
        png = await asyncio.to_thread(item.render)
    except Exception:  # a picture that cannot be drawn must not swallow the words that go with it
        log.exception("could not draw a picture for chat %s; sending its caption alone", chat_id)
        await _send_patiently(context, chat_id, _Send(item.caption, None))
        return
    await _patiently(lambda: context.bot.send_photo(chat_id, png, caption=item.caption))


async def _quietly(call: Awaitable[Any]) -> None:
    """Answering a callback or editing a message is cosmetic: an old query or an unchanged text is fine."""
    try:
        await call
    except (BadRequest, Forbidden) as exc:
        log.info("ignored cosmetic Bot API error: %s", exc.message)


TurnHandler = Callable[[Update, SansheContext, Turn], Awaitable[None]]


def turn_handler(func: TurnHandler) -> Callable[[Update, SansheContext], Awaitable[None]]:
    @functools.wraps(func)
    async def wrapper(update: Update, context: SansheContext) -> None:
        chat, person = update.effective_chat, update.effective_user
        if chat is None or person is None:
            return
        services = context.services
        async with services.db.transaction() as tx:
            # Telegram may deliver an update twice (e.g. after a restart); act on it once.
            if not await tx.outbox.first_time_seen(update.update_id, services.clock()):
                log.info("update %s seen before; ignored", update.update_id)
                return
            user = await tx.users.get(person.id)
            if user is not None and user.blocked_at is not None:  # they are talking to us again
                await tx.users.set_blocked(person.id, None, services.clock())
            dialog = await tx.dialogs.get(chat.id) or DialogState(chat.id, State.NEW.value)
            locale = user.locale if user else services.i18n.guess_locale(person.language_code)
            turn = Turn(
                services=services,
                tx=tx,
                chat_id=chat.id,
                user=user,
                state=State.parse(dialog.state),
                data=dict(dialog.data),
                t=services.i18n.translator(locale),
                now=services.clock(),
            )
            await func(update, context, turn)
            if turn.changed:
                await tx.dialogs.save(chat.id, turn.state.value, turn.data, turn.now)
        if turn.enqueued:
            services.wake_outbox()
        try:
            await turn.deliver(update, context)
        except Forbidden:
            log.info("chat %s has blocked the bot; reply dropped", chat.id)
            async with services.db.transaction() as tx:
                await tx.users.set_blocked(person.id, services.clock(), services.clock())

    return wrapper
