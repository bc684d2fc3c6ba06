"""Privacy notice and consent; /privacy shows what we keep and lets a person withdraw."""

from __future__ import annotations

from telegram import Update

from core import onboarding
from core.dialog import State
from handlers import keyboards as kb
from handlers import steps
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler


@turn_handler
async def consent_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.split(":", 1)[1]
    if turn.user is None:
        turn.answer(turn.t("common.stale_button"))
        await steps.prompt(turn)
        return
    if choice == "show":  # "I changed my mind": show the notice again
        turn.edit_trigger(turn.t("consent.reconsidering"))
        await steps.enter(turn, State.CONSENT)
    elif turn.state is not State.CONSENT:
        turn.answer(turn.t("common.stale_button"))
        turn.edit_trigger(turn.t("common.stale_message"))
        await steps.prompt(turn)
    elif choice == "yes":
        await accept(turn)
    elif choice == "no":
        await decline(turn)
    else:
        turn.answer(turn.t("common.stale_button"))


async def accept(turn: Turn) -> None:
    assert turn.user is not None
    turn.user, step = await onboarding.give_consent(turn.tx, turn.user, turn.now)
    turn.edit_trigger(turn.t("consent.accepted"))
    await steps.enter(turn, step)


async def decline(turn: Turn) -> None:
    assert turn.user is not None
    turn.user = await onboarding.decline_consent(turn.tx, turn.user, turn.now)
    turn.edit_trigger(turn.t("consent.declined"), kb.reconsider_keyboard(turn.t))
    turn.goto(State.DECLINED)


async def on_text(turn: Turn, text: str) -> None:
    """Typed answers to the consent question, for those who do not press buttons."""
    i18n = turn.services.i18n
    if i18n.matches("consent.typed_yes", text):
        await accept(turn)
    elif i18n.matches("consent.typed_no", text):
        await decline(turn)
    else:
        turn.say(turn.t("consent.use_buttons"))
        await steps.prompt(turn)


@turn_handler
async def privacy(update: Update, context: SansheContext, turn: Turn) -> None:
    t, user = turn.t, turn.user
    if user is None or not user.has_consented:
        turn.say(t("privacy.nothing_kept"), kb.privacy_keyboard(t, consented=False))
        return
    community = await turn.tx.communities.get(user.community_id) if user.community_id else None
    assert user.consent_at is not None
    turn.say(
        t(
            "privacy.summary",
            language=t("language.name"),
            community=community.name if community else t("privacy.no_community"),
            building=user.building or t("privacy.no_building"),
            consent_time=t.datetime(user.consent_at),
        ),
        kb.privacy_keyboard(t, consented=True),
    )


@turn_handler
async def privacy_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.split(":", 1)[1]
    t = turn.t
    if turn.user is None or not turn.user.has_consented:
        turn.answer(t("common.stale_button"))
        return
    if choice == "withdraw":
        turn.edit_trigger(t("privacy.confirm_withdraw"), kb.withdraw_confirm_keyboard(t))
    elif choice == "confirm":
        turn.user = await onboarding.decline_consent(turn.tx, turn.user, turn.now)
        turn.edit_trigger(t("privacy.withdrawn"), kb.reconsider_keyboard(t))
        turn.say(t("privacy.withdrawn_menu_gone"), kb.remove_keyboard())
        turn.goto(State.DECLINED)
    elif choice == "keep":
        turn.edit_trigger(t("privacy.kept"))
    else:
        turn.answer(t("common.stale_button"))
