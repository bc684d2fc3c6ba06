"""Simulated people for the load benchmarks, played inside the process that runs the sandbox.

The benchmark's subject is the bot; the people around it should cost next to nothing. Going through the control
API would spend a few hundred microseconds of this process per action and per wait (HTTP both ways, JSON), which
at a few hundred updates a second is the harness measuring itself. Here an action is a direct call into the
sandbox's world (the same functions the control API calls, so the bot receives exactly the same updates), and a
wait parks on the notifier of that one chat. Answers are timed by the sandbox's own clock (`StoredMessage.stored_at`),
not by when this process got round to looking.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

from sandbox.simulate import create_user, press_inline, press_reply, send
from sandbox.state import BotState, Chat, SimUserRecord, StoredMessage, World

_PUSH_RE = re.compile(r"新任务\s*(\S+)")


class Person:
    """One simulated user in a private chat with the bot: act, then wait for the bot's next message."""

    def __init__(
        self, world: World, bot: BotState, user: SimUserRecord, ignore: Callable[[StoredMessage], bool]
    ) -> None:
        self.world, self.bot, self.user = world, bot, user
        self.ignore = ignore  # messages that are not an answer (an announcement's copy arriving meanwhile)
        self.chat: Chat = bot.chat(user)  # opens the chat, as if the person had written first
        self._cursor = 0

    @classmethod
    def create(
        cls, world: World, bot: BotState, uid: int, name: str, ignore: Callable[[StoredMessage], bool]
    ) -> Person:
        return cls(world, bot, create_user(world, {"id": uid, "first_name": name}), ignore)

    def _mark(self) -> float:
        """Answers to the action about to happen are the messages after everything in the chat now."""
        self._cursor = self.chat.next_message_id - 1
        return time.perf_counter()

    def send_text(self, text: str) -> float:
        """Returns when the update was queued for the bot (perf_counter)."""
        at = self._mark()
        send(self.world, self.bot, self.user, {"text": text})
        return at

    def press(self, label: str, message: StoredMessage | None = None) -> float:
        at = self._mark()
        press_inline(self.bot, self.user, label, message.message_id if message is not None else None)
        return at

    def press_reply(self, label: str) -> float:
        at = self._mark()
        press_reply(self.world, self.bot, self.user, {"text": label})
        return at

    def _answer(self) -> StoredMessage | None:
        for message_id in range(self._cursor + 1, self.chat.next_message_id):
            message = self.chat.messages.get(message_id)
            if message is not None and message.from_bot and not self.ignore(message):
                return message
        return None

    async def answer(self, timeout: float) -> StoredMessage | None:  # noqa: ASYNC109 - a bounded wait by design
        """The bot's first new message since the last action (None after `timeout` seconds)."""
        found = self._answer()
        if found is None:
            await self.bot.chat_notifier(self.user.id).wait_for(lambda: self._answer() is not None, timeout)
            found = self._answer()
        if found is not None:
            self._cursor = found.message_id
        return found


class PushWatch:
    """Notices task pushes ("🆕 新任务 <reference>") in providers' chats; `arrival(ref)` waits for the first."""

    def __init__(self, providers: list[Person]) -> None:
        self._arrived: dict[str, float] = {}
        self._waiting: dict[str, asyncio.Event] = {}
        self._tasks = [asyncio.create_task(self._watch(p)) for p in providers]

    async def _watch(self, provider: Person) -> None:
        seen = 0
        notifier = provider.bot.chat_notifier(provider.user.id)
        while True:
            chat = provider.chat
            for message_id in range(seen + 1, chat.next_message_id):
                message = chat.messages.get(message_id)
                match = _PUSH_RE.search(message.text or "") if message is not None and message.from_bot else None
                if match is not None and match.group(1) not in self._arrived:
                    self._arrived[match.group(1)] = message.stored_at  # type: ignore[union-attr]
                    event = self._waiting.pop(match.group(1), None)
                    if event is not None:
                        event.set()
            seen = chat.next_message_id - 1
            await notifier.wait_for(lambda: chat.next_message_id - 1 > seen or notifier.closed, 3600)  # noqa: B023
            if notifier.closed:
                return

    async def arrival(self, reference: str, timeout: float) -> float | None:  # noqa: ASYNC109
        """perf_counter time the first push of `reference` was stored, or None if none came in time."""
        if reference not in self._arrived:
            event = self._waiting.setdefault(reference, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except TimeoutError:
                return None
        return self._arrived[reference]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
