"""Choosing one's community: buttons when there are few, otherwise type a name and pick from matches."""

from __future__ import annotations

from telegram import Update

from core import community_search, onboarding
from core.dialog import State
from handlers import callback_data, common, steps
from handlers import keyboards as kb
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler


async def on_text(turn: Turn, text: str) -> None:
    t = turn.t
    communities = await turn.tx.communities.list_all()
    found = community_search.search(communities, text)
    if not found:
        turn.say(t("community.not_found", query=text.strip()))
        if len(communities) <= steps.FEW_COMMUNITIES:
            await steps.prompt(turn)
        return
    turn.say(t("community.pick_match", count=len(found)), kb.community_keyboard(t, found, retype=True))


@turn_handler
async def community_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callback_data.parse(query.data)
    argument = pressed.action if pressed else ""
    t = turn.t
    if turn.state is not State.COMMUNITY or turn.user is None or not turn.user.has_consented:
        turn.answer(t("common.stale_button"))
        turn.edit_trigger(t("common.stale_message"))
        await steps.prompt(turn)
        return
    if argument == "retype":
        turn.edit_trigger(t("community.retype"))
        return
    community_id = callback_data.ident(argument)
    try:
        if community_id is None:
            raise onboarding.UnknownCommunity(argument)
        turn.user = await onboarding.choose_community(turn.tx, turn.user, community_id, turn.now)
    except onboarding.UnknownCommunity:
        turn.answer(t("common.stale_button"))
        await steps.prompt(turn)
        return
    community = await turn.tx.communities.get(int(argument))
    assert community is not None
    turn.edit_trigger(t("community.chosen", community=community.name))
    turn.say(t("menu.ready", community=community.name))
    await common.greet_provider(turn)
    await steps.enter(turn, State.MENU)
