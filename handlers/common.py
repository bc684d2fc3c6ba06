"""Everybody's commands: /start, /language, /help, /cancel."""

from __future__ import annotations

from telegram import Update

from core import onboarding, people
from core.dialog import State
from handlers import callback_data, home, joining, menus, registration, side_task, steps
from handlers import keyboards as kb
from handlers.context import SansheContext
from handlers.home import greet_provider
from handlers.turn import Turn, turn_handler


@turn_handler
async def start(update: Update, context: SansheContext, turn: Turn) -> None:
    person = update.effective_user
    assert person is not None
    payload = (context.args or [""])[0]
    if payload.startswith(people.INVITE_PREFIX):  # t.me/<bot>?start=inv_… : a provider invitation
        await registration.begin(turn, payload, person.language_code, person.id)
        return
    guessed = turn.services.i18n.guess_locale(person.language_code)
    user, step = await onboarding.begin(turn.tx, person.id, guessed, turn.now, turn.services.admin_ids)
    turn.user = user
    turn.use_locale(user.locale)
    # t.me/<bot>?start=c_… : a community's poster; someone who already lives in a community stays in it.
    joined = await joining.remember(turn, payload) if step is not State.MENU else None
    if joined is not None and step is State.WORK:  # said they only work here; now they join as a resident
        step = State.COMMUNITY
    if step is State.MENU:
        turn.say(turn.t("start.welcome_back"))
        await greet_provider(turn)
    await joining.enter(turn, step, joined)
    await menus.refresh(turn)


@turn_handler
async def language(update: Update, context: SansheContext, turn: Turn) -> None:
    # Language is changeable at any step; the step itself stays where it was.
    turn.say(turn.t("language.prompt"), kb.language_keyboard(turn.services.i18n))


@turn_handler
async def language_chosen(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callback_data.parse(query.data)
    locale = pressed.action if pressed else ""
    i18n = turn.services.i18n
    if locale not in i18n.catalogues:
        turn.answer(turn.t("common.stale_button"))
        return
    person = update.effective_user
    assert person is not None
    if turn.user is None:  # pressed before /start reached us, or after the data was wiped
        turn.user, _ = await onboarding.begin(turn.tx, person.id, locale, turn.now, turn.services.admin_ids)
    turn.user = await onboarding.choose_language(turn.tx, turn.user, locale, turn.now)
    turn.use_locale(locale)
    turn.edit_trigger(turn.t("language.chosen", language=turn.t("language.name")))
    if turn.state in {State.NEW, State.LANGUAGE}:
        await joining.enter(turn, onboarding.next_step(turn.user))
    else:
        await steps.prompt(turn)  # repeat where they were, now in the new language
    await menus.refresh(turn)  # a provider's or staff member's own menu, now in this language


@turn_handler
async def help_command(update: Update, context: SansheContext, turn: Turn) -> None:
    await show_help(turn)
    await menus.refresh(turn)  # e.g. staff added on the command line while the bot runs


async def show_help(turn: Turn) -> None:
    t = turn.t
    if turn.state.is_onboarding:
        turn.say(t("help.onboarding"))
        await steps.prompt(turn)
    elif turn.state is State.MENU:
        turn.say(t("help.general"), kb.main_menu_keyboard(t))
    elif turn.state is State.WORK:
        home.prompt(turn)
    else:  # in the middle of a dialog: explain, then repeat the question so nothing is lost
        turn.say(t("help.general"))
        await steps.prompt(turn)


@turn_handler
async def cancel(update: Update, context: SansheContext, turn: Turn) -> None:
    t = turn.t
    if turn.state.is_onboarding and home.home_state(turn) is State.NEW:
        # Onboarding cannot be skipped (consent comes first); repeat the question instead.
        turn.say(t("cancel.onboarding"))
        await steps.prompt(turn)
        return
    if side_task.active(turn):  # back to where the person was before the announcement or the vote round
        await side_task.leave(turn, t("cancel.done"))
        return
    turn.say(t("cancel.done"))
    # Home by role: a provider or staff member who is not a resident must not land in the resident's menu.
    await steps.enter(turn, home.home_state(turn))
