"""/family: a resident gives a family member a one-time code, the member enters it, the resident confirms in their
own chat (确认 / 拒绝, choosing what the member may see); either side ends the link. Buttons: fm:…"""

from __future__ import annotations

from telegram import Update

from core import family, on_behalf
from core.dialog import State
from handlers import behalf_views as views
from handlers import callback_data, home, steps
from handlers import intake_keyboards as ikb
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler
from storage.behalf import FamilyLink
from storage.records import User, channel_of

SHOWN_NAME = "shown_name"  # the asker's chat account name, shown to the resident with the request (dialog data)


def _account_name(update: Update) -> str:
    person = update.effective_user
    name = " ".join((person.full_name if person is not None else "").split())
    return name[:40]


def _is_resident(user: User | None) -> bool:
    return family.can_link(user) and user is not None and user.community_id is not None


@turn_handler
async def family_command(update: Update, context: SansheContext, turn: Turn) -> None:
    await show(turn)


async def show(turn: Turn) -> None:
    t, user = turn.t, turn.user
    if not family.can_link(user):
        turn.say(t("family.consent_first"))
        return
    assert user is not None
    links = await turn.tx.behalf.links_of(user.telegram_id)
    lines = [t("family.title")]
    for link in links:
        lines.append(_line(turn, link, user.telegram_id))
    if not links:
        lines.append(t("family.none"))
    how = t("family.how_n", digits=t.number(family.CODE_DIGITS)) if _is_resident(user) else t("family.how_member")
    lines.append(how)
    turn.say("\n\n".join(lines), views.family_menu(t, links, user.telegram_id, _is_resident(user)))


def _line(turn: Turn, link: FamilyLink, me: int) -> str:
    t = turn.t
    if link.resident_id == me:
        if link.status == "pending":
            return t("family.line_asks_you", name=link.member_label)
        return t("family.line_member", name=link.member_label, sees=t(f"family.sees_{_sees(link)}"))
    if link.status == "pending":
        return t("family.line_waiting", name=link.resident_label)
    return t("family.line_resident", name=link.resident_label, sees=t(f"family.you_see_{_sees(link)}"))


def _sees(link: FamilyLink) -> str:
    return family.SEES_ALL if link.sees_all else family.SEES_OWN


async def on_text(turn: Turn, text: str) -> None:
    """The member's answers: the code, how they call the resident, how the resident calls them."""
    t, i18n, user = turn.t, turn.services.i18n, turn.user
    if i18n.matches("common.cancel", text) or i18n.matches("common.back", text) or user is None:
        turn.say(t("family.cancelled"))
        await steps.enter(turn, home.home_state(turn))
        return
    data = dict(turn.data)
    try:
        match turn.state:
            case State.FAMILY_CODE:
                code = family.clean_code(text)
                await family.check_code(turn.tx, user, code, turn.now)
                turn.goto(State.FAMILY_CALLS, **data, code=code)
            case State.FAMILY_CALLS:
                turn.goto(State.FAMILY_LABEL, **data, resident_label=family.clean_label(text))
            case State.FAMILY_LABEL:
                link = await family.ask(
                    turn.tx, user, str(data.get("code", "")), family.clean_label(text),
                    str(data.get("resident_label", "")), turn.now,
                )  # fmt: skip
                await _ask_resident(turn, link, str(data.get(SHOWN_NAME) or ""))
                turn.say(t("family.asked", name=link.resident_label))
                await steps.enter(turn, home.home_state(turn))
                return
    except family.FamilyError as error:
        turn.say(t(error.key, digits=t.number(family.CODE_DIGITS)))
        if error.key in ("family.unknown_code", "family.own_code", "family.already_linked", "family.consent_first",
                         "family.too_many_tries"):  # fmt: skip
            await steps.enter(turn, home.home_state(turn))
        return
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    key = {State.FAMILY_CODE: "family.code_prompt_n", State.FAMILY_CALLS: "family.calls_prompt",
           State.FAMILY_LABEL: "family.label_prompt"}[turn.state]  # fmt: skip
    turn.say(turn.t(key, digits=turn.t.number(family.CODE_DIGITS)), ikb.typing_only(turn.t))


async def _ask_resident(turn: Turn, link: FamilyLink, shown_name: str) -> None:
    """The resident confirms in their own chat, in their language; besides the label the asker typed about
    themself, the name their chat account shows (which they did not type here), so that a stranger holding a
    leaked code cannot pass as 女儿 on the label alone."""
    resident = await turn.tx.users.get(link.resident_id)
    t = turn.services.i18n.translator(resident.locale if resident else None, channel_of(link.resident_id))
    markup = views.InlineKeyboardMarkup(views.decide_rows(t, link.id))
    # A grid worker or staff member of the resident's community asks as such (the role is ours, not typed): the
    # same code lets them file for a resident who has a chat, who is then told each time (issue 15).
    work = await on_behalf.worker_community(turn.tx, await turn.tx.users.get(link.member_id))
    if work is not None and resident is not None and work[1] == resident.community_id:
        text = t("family.confirm_ask_worker", role=t(f"behalf.by_{work[0]}"), name=link.member_label)
    else:
        text = t("family.confirm_ask", name=link.member_label)
    text += "\n" + t("family.confirm_account", account=shown_name or t("family.account_unknown"))
    await turn.tx.outbox.enqueue(link.resident_id, text, markup.to_dict(), turn.now)
    turn.enqueued = True


async def _tell(turn: Turn, person_id: int, key: str, **values: str) -> None:
    person = await turn.tx.users.get(person_id)
    if person is None or person.blocked_at is not None:
        return
    t = turn.services.i18n.translator(person.locale, channel_of(person_id))
    await turn.tx.outbox.enqueue(person_id, t(key, **values), None, turn.now)
    turn.enqueued = True


def _refuse(turn: Turn) -> None:
    turn.answer(turn.t("common.stale_button"))
    turn.edit_trigger(turn.t("common.stale_message"))


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    button = callback_data.parse(query.data)
    t, user = turn.t, turn.user
    if button is None or not family.can_link(user):
        _refuse(turn)
        return
    assert user is not None
    link_id = button.ident(1)
    try:
        match button.action:
            case "code":
                code = await family.new_code(turn.tx, user, turn.now)
                turn.edit_trigger(t("family.code_given_n", code=code, digits=t.number(family.CODE_DIGITS)))
            case "join":
                turn.edit_trigger(t("family.join_started"))
                turn.goto(State.FAMILY_CODE, **{SHOWN_NAME: _account_name(update)})
                await prompt(turn)
            case "ok" | "no" if link_id is not None:
                choice = button.part(2) if button.action == "ok" else "no"
                link = await family.decide(turn.tx, user, link_id, choice, turn.now)
                if link.status == "active":
                    sees = t(f"family.sees_{choice}")
                    turn.edit_trigger(t("family.confirmed", name=link.member_label, sees=sees))
                    await _tell(turn, link.member_id, "family.member_confirmed", name=link.resident_label)
                else:
                    turn.edit_trigger(t("family.refused", name=link.member_label))
                    await _tell(turn, link.member_id, "family.member_refused", name=link.resident_label)
            case "see" if link_id is not None:
                link = await family.set_view(turn.tx, user, link_id, button.part(2))
                turn.edit_trigger(
                    t("family.view_changed", name=link.member_label, sees=t(f"family.sees_{_sees(link)}"))
                )
            case "end" if link_id is not None:
                link = await turn.tx.behalf.link(link_id)
                if link is None or user.telegram_id not in (link.resident_id, link.member_id):
                    raise family.FamilyError("common.stale_button")
                name = link.member_label if link.resident_id == user.telegram_id else link.resident_label
                turn.edit_trigger(t("family.end_ask", name=name), views.end_confirm(t, link_id))
            case "endy" if link_id is not None:
                link = await family.end(turn.tx, user, link_id, turn.now)
                mine = link.resident_id == user.telegram_id
                other, name, their_name = (
                    (link.member_id, link.member_label, link.resident_label) if mine
                    else (link.resident_id, link.resident_label, link.member_label)
                )  # fmt: skip
                turn.edit_trigger(t("family.ended", name=name))
                await _tell(turn, other, "family.ended_by_other", name=their_name)
            case "keep":
                turn.edit_trigger(t("family.kept"))
            case "view" if link_id is not None:
                await _their_requests(turn, user, link_id)
            case _:
                raise family.FamilyError("common.stale_button")
    except family.FamilyError as error:
        if error.key == "common.stale_button":
            _refuse(turn)
        else:
            turn.answer(t(error.key), alert=True)


async def _their_requests(turn: Turn, user: User, link_id: int) -> None:
    """A member the resident allowed to see everything: the resident's requests, without contact details."""
    t = turn.t
    link = await turn.tx.behalf.link(link_id)
    if link is None or link.member_id != user.telegram_id or link.status != "active" or not link.sees_all:
        raise family.FamilyError("common.stale_button")
    requests = [r for r in await turn.tx.requests.of_resident(link.resident_id, limit=10)
                if await on_behalf.may_see(turn.tx, user.telegram_id, r)]  # fmt: skip
    lines = [t("family.their_requests_title", name=link.resident_label)]
    for r in requests:
        lines.append(t("requests.line", reference=r.reference, status=t(f"status.{r.status}"),
                       need=r.need_text[:30], date=t.datetime(r.created_at)))  # fmt: skip
    if not requests:
        lines.append(t("requests.none_yet"))
    turn.answer()
    turn.say("\n\n".join(lines))
