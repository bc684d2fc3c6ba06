"""/building for residents: say (or change, or clear) which building they live in, so that announcements
meant for one building (a water cut in 3栋) reach them."""

from __future__ import annotations

from telegram import Update

from core.buildings import MAX_LENGTH, BadBuilding, normalize_building
from core.dialog import State
from handlers import intake_keyboards as ikb
from handlers import side_task
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler

RESIDENT = "resident"


def _is_resident(turn: Turn) -> bool:
    return turn.user is not None and RESIDENT in turn.user.roles and turn.user.community_id is not None


@turn_handler
async def building_command(update: Update, context: SansheContext, turn: Turn) -> None:
    if not _is_resident(turn):
        turn.say(turn.t("building.residents_only"))
        return
    if context.args:  # /building 3号楼
        side_task.begin(turn, State.BUILDING)
        await on_text(turn, " ".join(context.args))
        return
    side_task.begin(turn, State.BUILDING)
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    t = turn.t
    current = turn.user.building if turn.user else None
    now = t("building.current", building=current) if current else t("building.none_yet")
    turn.say(t("building.prompt", current=now), ikb.typing_only(t))


async def on_text(turn: Turn, text: str) -> None:
    t, i18n = turn.t, turn.services.i18n
    if i18n.matches("common.cancel", text) or i18n.matches("common.back", text):
        await side_task.leave(turn, t("building.unchanged"))
        return
    if not _is_resident(turn):
        await side_task.leave(turn, t("building.residents_only"))
        return
    assert turn.user is not None
    if i18n.matches("building.clear_words", text):
        await turn.tx.users.set_building(turn.user.telegram_id, None, turn.now)
        await side_task.leave(turn, t("building.cleared"))
        return
    try:
        building = normalize_building(text)
    except BadBuilding:
        turn.say(t("building.bad", max=MAX_LENGTH))
        return
    await turn.tx.users.set_building(turn.user.telegram_id, building, turn.now)
    await side_task.leave(turn, t("building.saved", building=building))
