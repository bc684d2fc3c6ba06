"""Where a person's chat rests between tasks, by role: a resident's main menu, or the work menu of a provider
or staff member who is not a resident here. /cancel, /help and any dead end lead back to it, so nobody who is
not a resident is ever sent into the resident's intake (which needs a community)."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import I18n, Translator
from core.dialog import State
from core.people import PROVIDER_KINDS, STAFF, STREET
from handlers import keyboards as kb
from handlers.turn import Turn
from storage.records import Provider


def is_provider(turn: Turn) -> bool:
    return turn.user is not None and bool(turn.user.roles & set(PROVIDER_KINDS))


def is_staff(turn: Turn) -> bool:
    return turn.user is not None and STAFF in turn.user.roles


def is_street(turn: Turn) -> bool:
    return turn.user is not None and STREET in turn.user.roles


def home_state(turn: Turn) -> State:
    user = turn.user
    if user is not None and user.has_consented and user.community_id is not None:
        return State.MENU
    if is_provider(turn) or is_staff(turn) or is_street(turn):
        return State.WORK
    return State.NEW


async def greet_provider(turn: Turn) -> None:
    """Someone registered as a provider (by invitation or `sanshe provider add`) is told so once onboarded."""
    provider = await turn.tx.providers.get(turn.user.telegram_id) if turn.user else None
    if provider is not None:
        duty = turn.t("task.on_duty" if provider.on_duty else "task.off_duty")
        turn.say(turn.t("start.provider", name=provider.display_name, role=turn.t(f"role.{provider.kind}")) + duty)


def provider_name(i18n: I18n, t: Translator, provider: Provider) -> str:
    """The name residents see: the one the provider gave, or their kind in the reader's language (社工, A volunteer)
    when none was given — `sanshe provider add` without --name stores the kind's label, older versions its code."""
    name, kind = provider.display_name.strip(), provider.kind
    if not name or name == kind or name in i18n.all_texts(f"role.{kind}") | i18n.all_texts(f"provider.unnamed_{kind}"):
        return t(f"provider.unnamed_{kind}")
    return name


def work_keyboard(t: Translator, provider: bool) -> ReplyKeyboardMarkup:
    row = [KeyboardButton(t("work.button_tasks"))] if provider else []
    return ReplyKeyboardMarkup([[*row, KeyboardButton(t("menu.help"))]], resize_keyboard=True, is_persistent=True)


def prompt(turn: Turn) -> None:
    """The work menu: what this person can do, by role."""
    t = turn.t
    parts = [t("work.prompt_provider") + "\n" + t("hours.work_hint")] if is_provider(turn) else []
    if is_staff(turn):
        parts.append(t("work.prompt_staff") + "\n" + t("work.prompt_staff_files"))
    if is_street(turn):
        parts.append(t("street.work_prompt"))
    if not parts:  # the role was taken away meanwhile
        turn.say(t("start.press_start"), kb.remove_keyboard())
        return
    turn.say("\n\n".join(parts), work_keyboard(t, is_provider(turn)))
