"""The command menu that fits the person (core.menus), in their language.

Residents, and anyone not yet known, see the bot's default menu: the resident's commands, set for all private
chats in each language at start-up (`announce_default`). A provider or staff member gets a menu of their own chat
(`BotCommandScopeChat`, in their language, all their roles together). It is set

* at start-up for every provider and staff member whose menu differs from the one recorded (`sanshe staff add` or
  `provider add` while the bot was not running, a new version's commands or descriptions), in the background;
* after the turn that may change it (`refresh`): /start and /help (someone added on the command line while the bot
  runs gets theirs at their next /start or /help), a registration by invitation, consent, a language change, the
  community step's "I only work here" and a withdrawal of consent.

Each menu set is recorded (command_menus: a fingerprint of the language, the commands and their descriptions) only
after Telegram accepted it, so a menu that could not be set is tried again on the next of those occasions; one that
no longer applies (the person's work role was taken away) is deleted, and the default shows again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

import handlers
from bot.i18n import I18n
from core import menus
from core.people import PROVIDER_KINDS, STAFF, STREET
from handlers.context import Services
from handlers.turn import Turn, patiently
from storage.records import User

log = logging.getLogger(__name__)
MAX_RETRY_WAIT_S = 30.0


def _commands(i18n: I18n, locale: str, names: Sequence[str]) -> list[BotCommand]:
    t = i18n.translator(locale)
    return [BotCommand(name, t(f"command.{name}")) for name in names]


def _fingerprint(locale: str, commands: Sequence[BotCommand]) -> str:
    text = json.dumps([locale, [(c.command, c.description) for c in commands]], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def own_menu(i18n: I18n, user: User) -> tuple[list[BotCommand], str] | None:
    """The commands of this person's own menu and their fingerprint; None when the default menu is theirs."""
    names = menus.commands_for(user.roles, handlers.COMMANDS)
    if names is None:
        return None
    locale = user.locale if user.locale in i18n.catalogues else i18n.default_locale
    commands = _commands(i18n, locale, names)
    return commands, _fingerprint(locale, commands)


def _apply(
    services: Services, chat_id: int, menu: tuple[list[BotCommand], str] | None
) -> Callable[[Any], Awaitable[None]]:
    """Set the menu that fits the chat when this runs (the person's roles and language read again, one set per chat
    at a time): the start-up sync and a turn's refresh may overlap, and the later of them must not put back what
    the earlier found. `menu` is what the caller saw; it is only a hint that something changed."""

    async def apply(bot: Any) -> None:
        lock = services.menu_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            async with services.db.transaction() as tx:
                user = await tx.users.get(chat_id)
                current = own_menu(services.i18n, user) if user is not None else None
                stored = await tx.command_menus.fingerprint(chat_id)
            if (current[1] if current else None) == stored:
                return
            scope = BotCommandScopeChat(chat_id)
            try:
                if current is None:
                    await patiently(lambda: bot.delete_my_commands(scope=scope), MAX_RETRY_WAIT_S)
                else:
                    await patiently(lambda: bot.set_my_commands(current[0], scope=scope), MAX_RETRY_WAIT_S)
            except TelegramError as exc:  # cosmetic: tried again at the next occasion, since nothing was recorded
                log.warning("could not set the command menu of chat %s: %s", chat_id, exc)
                return
            async with services.db.transaction() as tx:
                if current is None:
                    await tx.command_menus.forget(chat_id)
                else:
                    await tx.command_menus.save(chat_id, current[1], services.clock())

    return apply


async def refresh(turn: Turn) -> None:
    """After this turn commits, give the person's chat the menu that fits their roles and language now."""
    user = await turn.tx.users.get(turn.user.telegram_id) if turn.user is not None else None
    if user is None:
        return
    menu = own_menu(turn.services.i18n, user)
    stored = await turn.tx.command_menus.fingerprint(user.telegram_id)
    if (menu[1] if menu else None) != stored:
        turn.after_commit(_apply(turn.services, user.telegram_id, menu))


async def announce_default(services: Services, bot: Any) -> None:
    """The default menu, the resident's commands, in each language Telegram may show (the default locale when the
    person's app language has no catalogue)."""
    i18n = services.i18n
    scope = BotCommandScopeAllPrivateChats()
    try:
        for locale in i18n.locales:
            commands = _commands(i18n, locale, menus.default_commands(handlers.COMMANDS))
            language = None if locale == i18n.default_locale else locale.split("_")[0]
            await bot.set_my_commands(commands, scope=scope, language_code=language)
    except TelegramError as exc:  # a cosmetic menu must not stop the bot from starting
        log.warning("could not set the command menu: %s", exc)


async def sync_all(services: Services, bot: Any) -> int:
    """At start-up: every provider's and staff member's chat gets the menu that fits them now, if it is not the one
    recorded; menus recorded for people who no longer work here are deleted. Returns how many were changed."""
    async with services.db.transaction() as tx:
        stored = await tx.command_menus.all()
        ids: set[int] = set(stored)
        for role in (*PROVIDER_KINDS, STAFF, STREET):
            ids.update(await tx.users.with_role(role))
        wanted: list[tuple[int, tuple[list[BotCommand], str] | None]] = []
        for chat_id in sorted(ids):
            user = await tx.users.get(chat_id)
            menu = own_menu(services.i18n, user) if user is not None else None
            if (menu[1] if menu else None) != stored.get(chat_id):
                wanted.append((chat_id, menu))
    for chat_id, menu in wanted:  # outside the transaction: the database is not held while Telegram answers
        await _apply(services, chat_id, menu)(bot)
    if wanted:
        log.info("command menus set for %d chats", len(wanted))
    return len(wanted)
