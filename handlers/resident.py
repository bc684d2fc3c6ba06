"""The resident's main menu: 求助 / 我的求助 / 帮助; anything else typed there is taken as a need."""

from __future__ import annotations

from core.dialog import State
from handlers import common, home, intake, my_requests, steps
from handlers.turn import Turn


async def on_menu_text(turn: Turn, text: str) -> None:
    i18n = turn.services.i18n
    if home.home_state(turn) is not State.MENU:  # no longer (or never) a resident here: their own home
        await steps.enter(turn, home.home_state(turn))
    elif i18n.matches("menu.ask_help", text):
        await steps.enter(turn, State.NEED)
    elif i18n.matches("menu.my_requests", text):
        await my_requests.show(turn)
    elif i18n.matches("menu.help", text):
        await common.show_help(turn)
    else:
        # Writing a need straight away is as good as pressing 求助 first.
        await intake.describe(turn, text)
