"""What each dialog step says when it starts (or is repeated after /cancel, /help or a stray input)."""

from __future__ import annotations

from core import onboarding
from core.broadcast import MAX_TEXT
from core.dialog import State
from handlers import building, family, home, hours, intake_steps, on_behalf, registration, rounds
from handlers import keyboards as kb
from handlers.turn import Turn

# With this many communities or fewer, offer them all as buttons instead of asking to type a name.
FEW_COMMUNITIES = 8
# The community a poster's link chose (core.joining), kept through the onboarding steps until it is taken.
JOIN = "join"


async def enter(turn: Turn, state: State) -> None:
    """Move the chat to `state` and send that step's prompt."""
    carried = {JOIN: turn.data[JOIN]} if state.is_onboarding and JOIN in turn.data else {}
    turn.goto(state, **carried)
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    t = turn.t
    match turn.state:
        case State.NEW | State.LANGUAGE:
            turn.goto(State.LANGUAGE)
            turn.say(t("language.prompt"), kb.language_keyboard(turn.services.i18n))
        case State.CONSENT:
            turn.say(t("consent.notice"), kb.consent_keyboard(t))
        case State.DECLINED:
            turn.say(t("consent.declined_reminder"), kb.reconsider_keyboard(t))
        case State.COMMUNITY:
            communities = await turn.tx.communities.list_all()
            # A provider or staff member may not live in any of them: they can say so (not counted as residents).
            worker = turn.user is not None and onboarding.works_here(turn.user)
            if not communities:
                turn.say(t("community.none_registered"))
            elif len(communities) <= FEW_COMMUNITIES:
                text = t("community.prompt_choose_worker" if worker else "community.prompt_choose")
                turn.say(text, kb.community_keyboard(t, communities, retype=False, work_only=worker))
            elif worker:
                examples = "、".join(c.name for c in communities[:3])
                turn.say(t("community.prompt_type_worker", examples=examples), kb.work_only_keyboard(t))
            else:
                examples = "、".join(c.name for c in communities[:3])
                turn.say(t("community.prompt_type", examples=examples))
        case State.MENU:
            turn.say(t("menu.prompt"), kb.main_menu_keyboard(t))
        case State.ANNOUNCE_TEXT:
            turn.say(t("announce.text_prompt", max=MAX_TEXT))
        case State.ANNOUNCE_CONFIRM:
            turn.say(t("input.use_buttons"))
        case State.REG_NAME | State.REG_SERVICES | State.REG_COMMUNITIES | State.REG_SUPERVISOR:
            await registration.prompt(turn)
        case State.BUILDING:
            await building.prompt(turn)
        case State.WORK:
            home.prompt(turn)
        case State.HOURS:
            hours.prompt(turn)
        case State.FAMILY_CODE | State.FAMILY_CALLS | State.FAMILY_LABEL:
            await family.prompt(turn)
        case _ if turn.state.value.startswith("behalf."):
            await on_behalf.prompt(turn)
        case State.ROUND_TITLE | State.ROUND_CLOSES | State.ROUND_PROJECT | State.ROUND_CONFIRM | State.ROUND_PAPER:
            await rounds.prompt(turn)
        case State.PROJECT_INPUT | State.CALL_INPUT:  # /projects, /calls: the question is above, answer or cancel
            turn.say(t("project.input_waiting"))
        case _:
            await intake_steps.prompt(turn)
