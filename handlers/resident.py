"""The resident's main menu: 求助 / 我的求助 / 帮助, and describing a need."""

from __future__ import annotations

from core.dialog import State
from handlers import common, steps
from handlers.turn import Turn


async def on_menu_text(turn: Turn, text: str) -> None:
    i18n = turn.services.i18n
    if i18n.matches("menu.ask_help", text):
        await steps.enter(turn, State.NEED)
    elif i18n.matches("menu.my_requests", text):
        turn.say(turn.t("requests.none_yet"))
    elif i18n.matches("menu.help", text):
        await common.show_help(turn)
    else:
        # Writing a need straight away is as good as pressing 求助 first.
        await on_need_text(turn, text)


async def on_need_text(turn: Turn, text: str) -> None:
    if turn.services.i18n.matches("common.back", text):
        await steps.enter(turn, State.MENU)
        return
    # Filing requests arrives with the intake issue; until then say so honestly and keep nothing.
    turn.say(turn.t("need.not_ready"))
    await steps.enter(turn, State.MENU)
