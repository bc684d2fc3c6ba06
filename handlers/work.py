"""What a provider or staff member types at their work menu (State.WORK)."""

from __future__ import annotations

from handlers import common, home, provider
from handlers.turn import Turn


async def on_text(turn: Turn, text: str) -> None:
    i18n = turn.services.i18n
    if i18n.matches("work.button_tasks", text):
        await provider.show_tasks(turn)
    elif i18n.matches("menu.help", text):
        await common.show_help(turn)
    else:  # not a need to file: providers and staff work through commands and buttons
        turn.say(turn.t("work.use_commands"))
        home.prompt(turn)
