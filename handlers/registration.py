"""Provider invitations: staff run /invite, the invited person opens the t.me link (/start inv_…), gives the
name residents will see, picks services and communities (and a volunteer their supervising social worker),
and is on duty. The invite is single-use and expires.

Community borders: the invite offers the communities its staff member is staff of, preselected. The person
may also ask to serve other communities: those asks wait (core.people) and go to each community's staff with
同意 / 不同意 buttons (`rg:ok:<id>` / `rg:no:<id>`), which only a staff member of THAT community can use. A
community or supervisor button is accepted only if the bot offered it (the offer is kept in the dialog data),
so forged callback data is treated as a stale button.

A city has hundreds of communities, far more than one message's buttons: when more than ASK_PAGE could be
asked, the person picks a district first and then communities of it, a page at a time, or types a name
(`browse` in the dialog data). Any community with staff may then be asked, as before.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import community_search, intake, people
from core.dialog import State
from handlers import home, menus
from handlers import keyboards as kb
from handlers.callback_data import Callback, parse
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler
from storage.records import Application, Community, Invite, Provider

REG = "rg"
PAGE = 8
ASK_PAGE = 8  # districts or communities per page when asking to serve more communities
# What the person browses among the communities they may ask to serve (data["browse"]).
DISTRICTS, DISTRICT, FOUND = "districts", "district", "found"
KIND_WORDS = {"social_worker": "social_worker", "社工": "social_worker", "volunteer": "volunteer",
              "志愿者": "volunteer", "义工": "volunteer", "org_member": "org_member", "机构": "org_member"}  # fmt: skip
STAFF = "staff"


@turn_handler
async def invite_command(update: Update, context: SansheContext, turn: Turn) -> None:
    t, args = turn.t, context.args or []
    kind = KIND_WORDS.get(args[0].lower()) if args else None
    if turn.user is None or "staff" not in turn.user.roles:
        turn.say(t("invite.not_allowed"))
        return
    if kind is None:
        turn.say(t("invite.usage"))
        return
    organization = " ".join(args[1:]).strip() or None
    invite = await people.create_invite(turn.tx, turn.user.telegram_id, kind, organization, turn.now)
    link = f"https://t.me/{context.bot.username}?start={people.INVITE_PREFIX}{invite.code}"
    turn.say(t("invite.created", role=t(f"role.{kind}"), link=link, expires=t.datetime(invite.expires_at)))


async def begin(turn: Turn, payload: str, language_code: str | None, person_id: int) -> None:
    """/start inv_…: check the invite, then ask for the name residents will see."""
    try:
        invite = await people.open_invite(turn.tx, payload, turn.now)
    except people.RegistrationError:
        turn.say(turn.t("invite.invalid"))
        return
    if turn.user is None:
        turn.user = await turn.tx.users.create(person_id, turn.services.i18n.guess_locale(language_code), turn.now)
        turn.use_locale(turn.user.locale)
    own = await people.invite_communities(turn.tx, invite)
    # own: offered without asking (preselected); others: offered as asks once the person wants them.
    turn.goto(State.REG_NAME, code=invite.code, kind=invite.kind, own=own, others=[], communities=list(own),
              asked=[], services=[])  # fmt: skip
    turn.say(turn.t("invite.welcome", role=turn.t(f"role.{invite.kind}")))
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    t, data = turn.t, turn.data
    match turn.state:
        case State.REG_NAME:
            turn.say(t("register.name_prompt"), kb.remove_keyboard())
        case State.REG_SERVICES:
            turn.say(t("register.services_prompt"), await _services_keyboard(turn, data))
        case State.REG_COMMUNITIES:
            turn.say(_communities_prompt(turn, data), await _communities_keyboard(turn, data))
        case State.REG_SUPERVISOR:
            rows = [[InlineKeyboardButton(name, callback_data=f"{REG}:sup:{pid}")] for pid, name in data["supervisors"]]
            turn.say(t("register.supervisor_prompt"), InlineKeyboardMarkup(rows))


def _communities_prompt(turn: Turn, data: dict[str, Any]) -> str:
    text = turn.t("register.communities_prompt")
    if data.get("browse"):
        return "\n".join((text, turn.t("register.communities_others_note"), turn.t("register.communities_browse_note")))
    return text + "\n" + turn.t("register.communities_others_note") if data.get("others") else text


async def _communities_keyboard(turn: Turn, data: dict[str, Any]) -> InlineKeyboardMarkup:
    names = {c.id: c.name for c in await turn.tx.communities.list_all()}
    own = data.get("own", data.get("communities", []))  # a dialog begun before "own" was kept
    rows = [[_toggle(names[cid], cid in data["communities"], f"{REG}:com:{cid}")] for cid in own
            if cid in names]  # fmt: skip
    for cid in data.get("others", []):
        if cid in names:
            label = turn.t("register.community_needs_approval", community=names[cid])
            rows.append([_toggle(label, cid in data.get("asked", []), f"{REG}:com:{cid}")])
    if data.get("browse"):
        rows += await _browse_rows(turn, data, names)
    elif not data.get("others") and await _askable(turn, own):
        rows.append([InlineKeyboardButton(turn.t("register.more_communities"), callback_data=f"{REG}:com_more")])
    rows.append([InlineKeyboardButton(turn.t("register.done"), callback_data=f"{REG}:com_done")])
    return InlineKeyboardMarkup(rows)


async def _browse_rows(turn: Turn, data: dict[str, Any], names: dict[int, str]) -> list[list[InlineKeyboardButton]]:
    """Many communities to ask: those already asked (to take back), then one page of districts, of one
    district's communities, or of the communities found by name."""
    t, asked = turn.t, data.get("asked", [])
    askable = await _askable(turn, data["own"])
    listed: set[int] = set()
    if data["browse"] == DISTRICTS:
        everyone = community_search.districts(askable)
        shown, before, after = community_search.page_of(everyone, data["bpage"], ASK_PAGE)
        rows = [[InlineKeyboardButton(_district_label(turn, d), callback_data=f"{REG}:dist:{everyone.index(d)}")]
                for d in shown]  # fmt: skip
    else:
        pool = (community_search.in_district(askable, data["district"]) if data["browse"] == DISTRICT
                else [c for c in askable if c.id in data.get("found", [])])  # fmt: skip
        page, before, after = community_search.page_of(pool, data["bpage"], ASK_PAGE)
        rows = [[_toggle(t("register.community_needs_approval", community=c.name), c.id in asked,
                         f"{REG}:com:{c.id}")] for c in page]  # fmt: skip
        rows.append([InlineKeyboardButton(t("register.back_to_districts"), callback_data=f"{REG}:dists")])
        listed = {c.id for c in page}
    # Asked on another page or in another district: shown on top, so that it can be taken back.
    rows[:0] = [[_toggle(t("register.community_needs_approval", community=names[cid]), True, f"{REG}:com:{cid}")]
                for cid in asked if cid not in listed and cid in names]  # fmt: skip
    nav = []
    if before:
        nav.append(InlineKeyboardButton(t("register.previous"), callback_data=f"{REG}:bpage:{data['bpage'] - 1}"))
    if after:
        nav.append(InlineKeyboardButton(t("register.next"), callback_data=f"{REG}:bpage:{data['bpage'] + 1}"))
    return rows + ([nav] if nav else [])


def _district_label(turn: Turn, district: str) -> str:
    return turn.t("register.district_button", district=district or turn.t("register.no_district"))


async def _askable(turn: Turn, own: list[int]) -> list[Community]:
    """Other communities one may ask to serve: those with staff to answer the ask."""
    return [c for c in await turn.tx.communities.with_staff() if c.id not in own]


def _toggle(label: str, on: bool, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(("✅ " if on else "▫️ ") + label, callback_data=data)


async def _services_keyboard(turn: Turn, data: dict[str, Any]) -> InlineKeyboardMarkup:
    entries = (await turn.services.matchers.get(turn.tx)).entries
    page = int(data.get("page", 0))
    shown = entries[page * PAGE : (page + 1) * PAGE]
    rows = [[_toggle(e.name, e.service_id in data["services"], f"{REG}:svc:{e.service_id}")] for e in shown]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(turn.t("register.previous"), callback_data=f"{REG}:page:{page - 1}"))
    if (page + 1) * PAGE < len(entries):
        nav.append(InlineKeyboardButton(turn.t("register.next"), callback_data=f"{REG}:page:{page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([InlineKeyboardButton(turn.t("register.done"), callback_data=f"{REG}:svc_done")])
    return InlineKeyboardMarkup(rows)


async def on_name(turn: Turn, text: str) -> None:
    try:
        name = intake.clean_text(text, 20, "intake.too_long")
    except intake.AnswerError as error:
        turn.say(turn.t(error.key, **error.values))
        return
    turn.goto(State.REG_SERVICES, **{**turn.data, "name": name, "page": 0})
    await prompt(turn)


_EXPECTED = {
    "svc": State.REG_SERVICES,
    "page": State.REG_SERVICES,
    "svc_done": State.REG_SERVICES,
    "com": State.REG_COMMUNITIES,
    "com_more": State.REG_COMMUNITIES,
    "dist": State.REG_COMMUNITIES,
    "dists": State.REG_COMMUNITIES,
    "bpage": State.REG_COMMUNITIES,
    "com_done": State.REG_COMMUNITIES,
    "sup": State.REG_SUPERVISOR,
}


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    cb = parse(query.data)
    t = turn.t
    if cb is not None and cb.action in ("ok", "no"):  # a community's staff answering an ask, in any state
        await _decide(turn, cb, query.from_user.id)
        return
    if cb is None or turn.state is not _EXPECTED.get(cb.action):
        turn.answer(t("common.stale_button"))
        return
    data = dict(turn.data)
    if "own" not in data:  # a registration begun before community borders: its invite says what is offered
        invite = await turn.tx.invites.get(str(data.get("code", "")))
        own = await people.invite_communities(turn.tx, invite) if invite else []
        data.update(own=own, others=[], asked=[], communities=[c for c in data.get("communities", []) if c in own])
    match cb.action:
        case "svc" | "page":
            await _pick_service(turn, cb, data)
        case "com" | "com_more" | "dist" | "dists" | "bpage":
            await _pick_community(turn, cb, data)
        case "svc_done":
            if not data["services"]:
                turn.answer(t("register.pick_one"), alert=True)
                return
            turn.edit_trigger(
                t.plural("register.services_chosen_n", len(data["services"]), count=len(data["services"]))
            )
            turn.goto(State.REG_COMMUNITIES, **data)
            await prompt(turn)
        case "com_done":
            await _communities_done(turn, data)
        case "sup":
            offered = {int(pid) for pid, _ in data.get("supervisors", [])}
            supervisor_id = cb.ident(1)
            if supervisor_id is None or supervisor_id not in offered:  # forged: not a button we showed
                turn.answer(t("common.stale_button"))
                return
            turn.edit_trigger(t("register.supervisor_chosen"))
            await _finish(turn, data, supervisor_id)


async def _pick_service(turn: Turn, cb: Callback, data: dict[str, Any]) -> None:
    entries = (await turn.services.matchers.get(turn.tx)).entries
    if cb.action == "svc":
        service_id = ":".join(cb.parts[1:])
        if service_id not in {e.service_id for e in entries}:
            turn.answer(turn.t("common.stale_button"))
            return
        data["services"] = sorted(set(data["services"]) ^ {service_id})
    else:
        page = cb.ident(1)
        if page is None or page * PAGE >= max(len(entries), 1):
            turn.answer(turn.t("common.stale_button"))
            return
        data["page"] = page
    turn.goto(turn.state, **data)
    turn.edit_trigger(turn.t("register.services_prompt"), await _services_keyboard(turn, data))


async def _pick_community(turn: Turn, cb: Callback, data: dict[str, Any]) -> None:
    if cb.action == "com_more":
        askable = await _askable(turn, data["own"])
        if len(askable) <= ASK_PAGE:  # a few: all of them at once
            data["others"] = [c.id for c in askable]
        else:  # a city's hundreds: district first
            data.update(browse=DISTRICTS, bpage=0)
    elif cb.action in ("dist", "dists", "bpage"):
        if not data.get("browse") or not await _browse(turn, cb, data):
            turn.answer(turn.t("common.stale_button"))
            return
    else:
        community_id = cb.ident(1)
        if community_id in data["own"]:
            data["communities"] = sorted(set(data["communities"]) ^ {community_id})
        elif (
            community_id in data.get("others", [])
            or community_id in data.get("asked", [])  # taking an ask back, even one no longer offered
            or (data.get("browse") and community_id in {c.id for c in await _askable(turn, data["own"])})
        ):
            data["asked"] = sorted(set(data.get("asked", [])) ^ {community_id})
        else:  # forged, or a community the bot never offered here
            turn.answer(turn.t("common.stale_button"))
            return
    turn.goto(turn.state, **data)
    turn.edit_trigger(_communities_prompt(turn, data), await _communities_keyboard(turn, data))


async def _browse(turn: Turn, cb: Callback, data: dict[str, Any]) -> bool:
    """Among many communities: back to the districts, into one district, or another page; False for a button
    that fits no longer (a district gone since the message was sent)."""
    if cb.action == "dists":
        data.update(browse=DISTRICTS, bpage=0)
        return True
    number = cb.ident(1)
    if number is None:
        return False
    if cb.action == "bpage":
        data["bpage"] = number  # community_search.page_of keeps it within the pages there are
        return True
    everyone = community_search.districts(await _askable(turn, data["own"]))
    if number >= len(everyone):
        return False
    data.update(browse=DISTRICT, district=everyone[number], bpage=0)
    return True


async def on_community_text(turn: Turn, text: str) -> None:
    """A name typed while choosing among many communities: the ones it matches, to tap."""
    data = dict(turn.data)
    if not data.get("browse"):
        turn.say(turn.t("input.use_buttons"))
        return
    found = community_search.search(await _askable(turn, data["own"]), text, limit=ASK_PAGE)
    if not found:
        turn.say(turn.t("register.community_not_found", query=text.strip()))
        return
    data.update(browse=FOUND, found=[c.id for c in found], bpage=0)
    turn.goto(turn.state, **data)
    turn.say(_communities_prompt(turn, data), await _communities_keyboard(turn, data))


async def _communities_done(turn: Turn, data: dict[str, Any]) -> None:
    t = turn.t
    if not data["communities"]:
        names = [c.name for c in await turn.tx.communities.list_all() if c.id in data["own"]]
        turn.answer(t("register.pick_own", communities="、".join(names)), alert=True)
        return
    chosen = len(data["communities"]) + len(data.get("asked", []))
    turn.edit_trigger(t.plural("register.communities_chosen_n", chosen, count=chosen))
    if data["kind"] != "volunteer":
        await _finish(turn, data, None)
        return
    supervisors = await _supervisors(turn, data["communities"])  # never from a community only asked
    if not supervisors:
        turn.say(t("register.no_supervisor"))
        await _leave(turn)
        return
    turn.goto(State.REG_SUPERVISOR, **{**data, "supervisors": supervisors})
    await prompt(turn)


async def _supervisors(turn: Turn, community_ids: list[int]) -> list[list[Any]]:
    found: dict[int, str] = {}
    for community_id in community_ids:
        for pid in await turn.tx.users.with_role("social_worker", community_id):
            provider = await turn.tx.providers.get(pid)
            if provider is not None:
                found[pid] = provider.display_name
    return [[pid, name] for pid, name in sorted(found.items())]


async def _finish(turn: Turn, data: dict[str, Any], supervisor_id: int | None) -> None:
    assert turn.user is not None
    invite = await turn.tx.invites.get(data["code"])
    try:
        if invite is None:
            raise people.RegistrationError("invite gone")
        provider, applications = await people.register_invited(
            turn.tx, invite, turn.user.telegram_id, name=data["name"], service_ids=data["services"],
            communities=data["communities"], asked=data.get("asked", []), supervisor_id=supervisor_id,
            locale=turn.user.locale, now=turn.now,
        )  # fmt: skip
    except people.RegistrationError:
        turn.say(turn.t("invite.invalid"))
        await _leave(turn)
        return
    turn.say(turn.t("register.done_message", name=data["name"]))
    if applications:
        names = {c.id: c.name for c in await turn.tx.communities.list_all()}
        asked = "、".join(names.get(a.community_id, "") for a in applications)
        turn.say(turn.t("register.applications_sent", communities=asked))
        for application in applications:
            await _ask_staff(turn, provider, application, invite, names)
    await _leave(turn)


async def _ask_staff(
    turn: Turn, provider: Provider, application: Application, invite: Invite, names: dict[int, str]
) -> None:
    """The ask goes to every staff member of the community asked, through the outbox, in their language."""
    entries = {e.service_id: e.name for e in (await turn.services.matchers.get(turn.tx)).entries}
    services = "、".join(entries.get(sid, sid) for sid in provider.service_ids)
    for staff_id in await turn.tx.users.with_role(STAFF, application.community_id):
        staff = await turn.tx.users.get(staff_id)
        t = turn.services.i18n.translator(staff.locale if staff else None)
        text = t(
            "register.application", name=provider.display_name, role=t(f"role.{provider.kind}"),
            inviter=names.get(invite.community_id, ""), community=names.get(application.community_id, ""),
            organization=provider.organization or t("intake.summary_none"), services=services,
        )  # fmt: skip
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t("register.approve_button"), callback_data=f"{REG}:ok:{application.id}"),
              InlineKeyboardButton(t("register.refuse_button"), callback_data=f"{REG}:no:{application.id}")]]
        )  # fmt: skip
        await turn.tx.outbox.enqueue(staff_id, text, markup.to_dict(), turn.now)
        turn.enqueued = True


async def _decide(turn: Turn, cb: Callback, presser_id: int) -> None:
    """同意 / 不同意 on an ask: only a staff member of the community asked; the provider is told."""
    t = turn.t
    try:
        application = await people.decide_application(turn.tx, cb.ident(1), presser_id, cb.action == "ok", turn.now)
    except people.UnknownApplication:
        turn.answer(t("common.stale_button"))
        return
    except PermissionError:
        turn.answer(t("register.decide_not_allowed"), alert=True)
        return
    except people.AlreadyDecided as already:
        outcome = t(f"register.outcome_{already.application.status}")
        turn.answer(t("register.already_decided", outcome=outcome))
        turn.edit_trigger(t("register.already_decided", outcome=outcome))
        return
    provider = await turn.tx.providers.get(application.provider_id)
    community = await turn.tx.communities.get(application.community_id)
    name, community_name = (provider.display_name if provider else ""), (community.name if community else "")
    approved = application.status == people.APPROVED
    turn.edit_trigger(t("register.approved_staff" if approved else "register.refused_staff", name=name,
                        community=community_name))  # fmt: skip
    person = await turn.tx.users.get(application.provider_id)
    if person is not None and person.blocked_at is None:
        pt = turn.services.i18n.translator(person.locale)
        key = "register.application_approved" if approved else "register.application_refused"
        await turn.tx.outbox.enqueue(person.telegram_id, pt(key, community=community_name), None, turn.now)
        turn.enqueued = True


async def _leave(turn: Turn) -> None:
    """Home by role: a resident's menu, or the work menu of the provider they have just become."""
    if turn.user is not None:  # the roles granted in this turn
        turn.user = await turn.tx.users.get(turn.user.telegram_id) or turn.user
    turn.goto(home.home_state(turn))
    if turn.state is State.MENU:
        turn.say(turn.t("menu.prompt"), kb.main_menu_keyboard(turn.t))
    elif turn.state is State.WORK:
        home.prompt(turn)
    await menus.refresh(turn)  # the provider's own command menu, from now on
