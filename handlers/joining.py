"""Joining from a community's poster: `/start c_<code>` (core.joining) remembers the community in the dialog through
the language and consent steps, and the community step then takes it instead of asking."""

from __future__ import annotations

from core import joining, onboarding
from core.dialog import State
from handlers import home, steps
from handlers import keyboards as kb
from handlers.turn import Turn


async def remember(turn: Turn, payload: str) -> int | None:
    """The community a `/start` payload's poster code names, if any (a code nobody issued is said so)."""
    if not joining.is_join_payload(payload):
        return None
    community = await joining.community_for(turn.tx, payload)
    if community is None:
        turn.say(turn.t("join.unknown_code"))
        return None
    return community.id


async def enter(turn: Turn, step: State, community_id: int | None = None) -> None:
    """Go to the onboarding step `step`; at the community step a community chosen by a poster is taken at once.
    Before consent the community is only kept in the dialog (like the language), never on the person."""
    chosen = community_id if community_id is not None else turn.data.get(steps.JOIN)
    if step is State.COMMUNITY and isinstance(chosen, int) and turn.user is not None and turn.user.has_consented:
        community = await turn.tx.communities.get(chosen)
        if community is not None:
            turn.user = await onboarding.choose_community(turn.tx, turn.user, community.id, turn.now)
            turn.say(turn.t("join.chosen", community=community.name))
            turn.say(turn.t("menu.ready", community=community.name))
            await home.greet_provider(turn)
            turn.goto(State.MENU)
            turn.say(turn.t("menu.prompt"), kb.main_menu_keyboard(turn.t))
            return
    await steps.enter(turn, step)
    if isinstance(chosen, int) and step.is_onboarding:
        turn.data[steps.JOIN] = chosen
