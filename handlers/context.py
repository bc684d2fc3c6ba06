"""The typed context every handler receives, instead of string keys in bot_data.

`Services` is built once by bot.app from the settings and hangs off `BotData`; handlers reach it as
`context.services`. Nothing here is per-user: who the user is and where their dialog stands is read
from the database on every update (see handlers.turn).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import I18n
from bot.outbox.lease import DEFAULT_LEASE, new_owner
from core.matcher_cache import MatcherCache
from storage.protocols import UnitOfWork
from storage.records import utc_now


class TransactionSource(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


@dataclass
class Services:
    db: TransactionSource
    i18n: I18n
    admin_ids: frozenset[int] = frozenset()
    max_message_chars: int = 500
    dispatch_top_k: int = 3
    accept_limit: timedelta = timedelta(minutes=30)  # what "answered in time" means in /stats
    clock: Callable[[], datetime] = field(default=utc_now)
    matchers: MatcherCache = field(default_factory=MatcherCache)
    # Replies are claimed in the outbox by this process (bot/outbox/lease.py) and sent right after commit.
    outbox_owner: str = field(default_factory=new_owner)
    outbox_lease: timedelta = DEFAULT_LEASE
    # Set by bot.app once the outbox sender runs; a no-op keeps handlers usable without one (unit tests).
    wake_outbox: Callable[[], None] = field(default=lambda: None)
    # One command-menu update per chat at a time in this process (handlers.menus).
    menu_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    # Webhook workers: a turn first makes sure that no earlier update of its chat waits in another worker.
    cross_worker_order: bool = False
    # Also set by bot.app: a reply sent by a turn takes a slot of the sender's rate limit (bot.outbox.sender).
    send_slot: Callable[[int], AbstractAsyncContextManager[None]] = field(default=lambda chat_id: nullcontext())


class BotData:
    """PTB instantiates this with no arguments; bot.app sets `services` right after building."""

    services: Services | None = None
    wechat: Any = None  # channels.wechat.channel.WeChatChannel when the WeChat channel is on (its port, for tests)


class SansheContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("Services were not attached to the application (see bot.app.build_application)")
        return services
