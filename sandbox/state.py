"""In-memory world of the sandbox: bots, simulated users, private chats, messages, updates.

One :class:`World` per server. Users are global (a person); chats, updates, commands and
callback queries belong to a :class:`BotState` (one per bot id seen in a token). The first
token that talks to the server claims the *primary* bot, which is the one simulated users talk
to unless the control API is given ``?bot_id=``.

Long polls wait on the :class:`Notifier` of the one thing they watch: a bot's update queue
(``getUpdates``, the webhook worker) or one chat of one bot (control API waits). A change wakes
only that thing's waiters: with one world-wide notifier every send woke every parked long poll
(hundreds of simulated users' clients, every other bot), so the sandbox's cost per event grew
with the number of idle waiters and benchmarks measured the harness (bench/wakeups.py shows it).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from sandbox.files import FileStore
from sandbox.ratelimit import RateLimiter, RateLimits

# Update types Telegram delivers when allowed_updates is unset or [].
DEFAULT_UPDATE_TYPES = frozenset({"message", "edited_message", "callback_query", "my_chat_member"})


def now() -> int:
    return int(time.time())


class Notifier:
    """Says "something changed" about one thing (a bot's updates, one chat); waiters re-check their predicate."""

    def __init__(self, counters: Counter[str], closed: bool = False) -> None:
        self._event = asyncio.Event()
        self._waiting = 0
        self._counters = counters  # the world's statistics: "long_poll_wakeups" counts waiters woken
        self.closed = closed

    def notify(self) -> None:
        if self._waiting:
            self._counters["long_poll_wakeups"] += self._waiting
            self._event.set()
            self._event = asyncio.Event()

    def close(self) -> None:
        self.closed = True
        self.notify()

    async def wait_for(self, predicate: Callable[[], bool], within: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(within, 0.0)
        while not predicate():
            remaining = deadline - loop.time()
            if self.closed or remaining <= 0:
                return False
            event = self._event
            self._waiting += 1
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return predicate()
            finally:
                self._waiting -= 1
        return True


@dataclass
class SimUserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str = ""

    def user_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def chat_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class StoredMessage:
    """A message in a chat; ``data`` is the Telegram Message object as the Bot API returns it."""

    data: dict[str, Any]
    from_bot: bool
    kind: str
    # time.perf_counter() when it was stored / last edited: in-process benchmarks time the bot's answers by
    # the sandbox's clock rather than by when a busy harness got round to looking.
    stored_at: float = field(default_factory=time.perf_counter)
    edited_at: float | None = None
    markup: dict[str, Any] | None = None  # reply_markup as sent, of any type
    html: str | None = None  # raw text/caption when a parse_mode was used
    parse_mode: str | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])

    @property
    def text(self) -> str | None:
        return self.data.get("text", self.data.get("caption"))


@dataclass
class Chat:
    user: SimUserRecord
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: dict[str, Any] | None = None  # the ReplyKeyboardMarkup currently shown
    actions: list[str] = field(default_factory=list)
    blocked: bool = False

    @property
    def id(self) -> int:
        return self.user.id

    def add(self, sender: dict[str, Any], body: dict[str, Any], *, from_bot: bool, kind: str) -> StoredMessage:
        data = {
            "message_id": self.next_message_id,
            "from": sender,
            "chat": self.user.chat_json(),
            "date": now(),
        }
        data.update(body)
        self.next_message_id += 1
        message = StoredMessage(data=data, from_bot=from_bot, kind=kind)
        self.messages[message.message_id] = message
        return message

    def bot_messages(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.from_bot]


@dataclass
class CallbackRecord:
    chat_id: int
    message_id: int
    created: float
    answer: dict[str, Any] | None = None


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class BotState:
    def __init__(self, world: World, bot_id: int | None) -> None:
        self.world = world
        self.bot_id = bot_id
        self.pending: list[dict[str, Any]] = []
        self.last_delivered_id = 0  # for the updates_delivered statistic only
        self._update_ids = itertools.count(100_000_001)
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.webhook: Webhook | None = None
        self.webhook_task: asyncio.Task[None] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.texts: dict[tuple[str, str], str] = {}  # (description|short_description|name, lang)
        self.chats: dict[int, Chat] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self._callback_ids = itertools.count(1)
        self.limiter = RateLimiter(world.limits)
        self.updates_changed = Notifier(world.stats.counters, world.closed)  # pending updates or webhook changed
        self._chat_notifiers: dict[int, Notifier] = {}

    def user_json(self) -> dict[str, Any]:
        return {
            "id": self.bot_id or 0,
            "is_bot": True,
            "first_name": "Sanshe",
            "username": self.world.bot_username,
        }

    def chat(self, user: SimUserRecord) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = Chat(user)
        return chat

    def chat_notifier(self, chat_id: int) -> Notifier:
        """The notifier of one chat with this bot; exists before the chat does, so a client may wait
        for the first message of a user who has not written yet."""
        notifier = self._chat_notifiers.get(chat_id)
        if notifier is None:
            notifier = self._chat_notifiers[chat_id] = Notifier(self.world.stats.counters, self.world.closed)
        return notifier

    def chat_changed(self, chat_id: int) -> None:
        notifier = self._chat_notifiers.get(chat_id)
        if notifier is not None:  # nobody ever waited on it: nothing to wake
            notifier.notify()

    def close(self) -> None:
        self.updates_changed.close()
        for notifier in self._chat_notifiers.values():
            notifier.close()

    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update; types the bot did not ask for are dropped, as Telegram does."""
        if kind not in self.allowed_updates:
            return None
        update_id = next(self._update_ids)
        self.pending.append({"update_id": update_id, kind: payload})
        self.world.stats.counters["updates_created"] += 1
        self.updates_changed.notify()
        return update_id

    def confirm(self, offset: int) -> None:
        """getUpdates offset semantics: positive confirms ids < offset, negative keeps the last -offset."""
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def new_callback_id(self) -> str:
        # Telegram query ids are long decimal strings; keep them unique per bot.
        return f"{(self.bot_id or 0) % 10**6}{next(self._callback_ids):012d}"


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)
    counters: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        keys = (
            "http_400",
            "http_403",
            "http_429",
            "messages_delivered",
            "updates_created",
            "updates_delivered",
            "webhook_deliveries",
            "webhook_failures",
            "callback_answers",
            "long_poll_wakeups",
        )
        return {"requests": dict(self.requests), **{key: self.counters[key] for key in keys}}


class World:
    def __init__(
        self,
        *,
        bot_username: str,
        enforce_rate_limits: bool,
        limits: RateLimits | None,
        latency_ms: float = 0.0,
    ) -> None:
        self.bot_username = bot_username
        self.enforce_rate_limits = enforce_rate_limits
        self.limits = limits or RateLimits()
        self.latency_ms = latency_ms  # round trip added to every Bot API request (see sandbox.bot_api)
        self.closed = False
        self.files = FileStore()
        self.stats = Stats()
        self.users: dict[int, SimUserRecord] = {}
        self._user_ids = itertools.count(100_000_001)
        self.primary = BotState(self, None)
        self.bots: dict[int, BotState] = {}
        # Outgoing HTTP (webhook deliveries, fetching URLs given as files); opened by the server.
        self.session: aiohttp.ClientSession | None = None

    def bot_for_id(self, bot_id: int) -> BotState:
        """The bot state for a token's bot id; the first id seen claims the primary bot."""
        bot = self.bots.get(bot_id)
        if bot is None:
            if self.primary.bot_id is None:
                self.primary.bot_id = bot_id
                bot = self.primary
            else:
                bot = BotState(self, bot_id)
            self.bots[bot_id] = bot
        return bot

    def all_bots(self) -> list[BotState]:
        """Every bot state, the primary one included even before a token claimed it."""
        return [self.primary, *(bot for bot in self.bots.values() if bot is not self.primary)]

    def close(self) -> None:
        """Wake every long poll (and make new ones return at once) so that shutdown does not wait."""
        self.closed = True
        for bot in self.all_bots():
            bot.close()

    def new_user_id(self) -> int:
        user_id = next(self._user_ids)
        while user_id in self.users:
            user_id = next(self._user_ids)
        return user_id

    def set_limits(self, limits: RateLimits) -> None:
        self.limits = limits
        for bot in self.all_bots():
            bot.limiter = RateLimiter(limits)
