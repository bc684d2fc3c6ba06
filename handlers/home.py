"""Where a person's chat rests between tasks, by role: a resident's main menu, or the work menu of a provider
or staff member who is not a resident here. /cancel, /help and any dead end lead back to it, so nobody who is
not a resident is ever sent into the resident's intake (which needs a community)."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import Translator
from core.dialog import State
from core.people import PROVIDER_KINDS
from handlers import keyboards as kb
from handlers.turn import Turn

STAFF = "staff"


def is_provider(turn: Turn) -> bool:
    return turn.user is not None and bool(turn.user.roles & set(PROVIDER_KINDS))


def is_staff(turn: Turn) -> bool:
    return turn.user is not None and STAFF in turn.user.roles


def home_state(turn: Turn) -> State:
    user = turn.user
    if user is not None and user.has_consented and user.community_id is not None:
        return State.MENU
    if is_provider(turn) or is_staff(turn):
        return State.WORK
    return State.NEW


def work_keyboard(t: Translator, provider: bool) -> ReplyKeyboardMarkup:
    row = [KeyboardButton(t("work.button_tasks"))] if provider else []
    return ReplyKeyboardMarkup([[*row, KeyboardButton(t("menu.help"))]], resize_keyboard=True, is_persistent=True)


def prompt(turn: Turn) -> None:
    """The work menu: what this person can do, by role."""
    t = turn.t
    parts = [t("work.prompt_provider")] if is_provider(turn) else []
    if is_staff(turn):
        parts.append(t("work.prompt_staff"))
    if not parts:  # the role was taken away meanwhile
        turn.say(t("start.press_start"), kb.remove_keyboard())
        return
    turn.say("\n\n".join(parts), work_keyboard(t, is_provider(turn)))
