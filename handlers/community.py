"""Choosing one's community: buttons when there are few, otherwise type a name and pick from matches."""

from __future__ import annotations

from telegram import Update

from core import community_search, onboarding
from core.dialog import State
from handlers import callback_data, home, menus, steps
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
    worker = turn.user is not None and onboarding.works_here(turn.user)
    keyboard = kb.community_keyboard(t, found, retype=True, work_only=worker)
    turn.say(t.plural("community.pick_match_n", len(found), count=len(found)), keyboard)


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
    if argument == "work":
        await _work_only(turn)
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
    await home.greet_provider(turn)
    await steps.enter(turn, State.MENU)
    await menus.refresh(turn)


async def _work_only(turn: Turn) -> None:
    """A provider or staff member who lives in none of the communities: not counted as a resident (announcements
    to residents, their counts, votes), and home is the work menu."""
    assert turn.user is not None
    if not onboarding.works_here(turn.user):
        turn.answer(turn.t("common.stale_button"))
        await steps.prompt(turn)
        return
    turn.user = await onboarding.work_only(turn.tx, turn.user, turn.now)
    turn.edit_trigger(turn.t("community.work_only_chosen"))
    await steps.enter(turn, State.WORK)
    await menus.refresh(turn)
