"""Registry of Bot API methods and the per-call context shared by their implementations.

Method modules decorate coroutines with :func:`method`; names are matched
case-insensitively (Telegram accepts ``sendmessage`` as well as ``sendMessage``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox.errors import BLOCKED_TEXT, CHAT_NOT_FOUND_TEXT, bad_request, forbidden, too_many_requests
from sandbox.params import Params
from sandbox.state import BotState, Chat, World


@dataclass
class Call:
    world: World
    bot: BotState
    params: Params
    name: str

    def chat(self, param: str = "chat_id") -> Chat:
        """The chat named by ``chat_id``; only users who talked to the bot have one."""
        chat_id = self.params.chat_id(param)
        chat = self.bot.chats.get(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND_TEXT)
        return chat

    def check_reachable(self, chat: Chat) -> None:
        if chat.blocked:
            raise forbidden(BLOCKED_TEXT)

    def check_rate_limit(self, chat: Chat) -> None:
        """Refuse a send over the flood limits (when enforced); otherwise count it."""
        if not self.world.enforce_rate_limits:
            return
        retry_after = self.bot.limiter.retry_after(chat.id)
        if retry_after is not None:
            raise too_many_requests(retry_after)
        self.bot.limiter.record(chat.id)


Handler = Callable[[Call], Awaitable[Any]]

# lower-case name -> (canonical camelCase name, implementation)
METHODS: dict[str, tuple[str, Handler]] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = (name, func)
        return func

    return register
