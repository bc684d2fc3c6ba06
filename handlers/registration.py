"""Provider invitations: staff run /invite, the invited person opens the t.me link (/start inv_…), gives the
name residents will see, picks services and communities (and a volunteer their supervising social worker),
and is on duty. The invite is single-use and expires."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import intake, people
from core.dialog import State
from handlers import keyboards as kb
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler

REG = "rg"
PAGE = 8
KIND_WORDS = {"social_worker": "social_worker", "社工": "social_worker", "volunteer": "volunteer",
              "志愿者": "volunteer", "义工": "volunteer", "org_member": "org_member", "机构": "org_member"}  # fmt: skip


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
    turn.goto(State.REG_NAME, code=invite.code, kind=invite.kind, communities=[invite.community_id], services=[])
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
            turn.say(t("register.communities_prompt"), await _communities_keyboard(turn, data))
        case State.REG_SUPERVISOR:
            rows = [[InlineKeyboardButton(name, callback_data=f"{REG}:sup:{pid}")] for pid, name in data["supervisors"]]
            turn.say(t("register.supervisor_prompt"), InlineKeyboardMarkup(rows))


async def _communities_keyboard(turn: Turn, data: dict[str, Any]) -> InlineKeyboardMarkup:
    rows = [[_toggle(c.name, c.id in data["communities"], f"{REG}:com:{c.id}")]
            for c in await turn.tx.communities.list_all()]  # fmt: skip
    rows.append([InlineKeyboardButton(turn.t("register.done"), callback_data=f"{REG}:com_done")])
    return InlineKeyboardMarkup(rows)


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


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, action, argument = ([*query.data.split(":", 2), "", ""])[:3]
    t, data = turn.t, dict(turn.data)
    expected = {
        "svc": State.REG_SERVICES,
        "page": State.REG_SERVICES,
        "svc_done": State.REG_SERVICES,
        "com": State.REG_COMMUNITIES,
        "com_done": State.REG_COMMUNITIES,
        "sup": State.REG_SUPERVISOR,
    }
    if turn.state is not expected.get(action):
        turn.answer(t("common.stale_button"))
        return
    if action == "svc":
        chosen = set(data["services"]) ^ {argument}
        data["services"] = sorted(chosen)
    elif action == "page" and argument.isdigit():
        data["page"] = int(argument)
    elif action == "com" and argument.isdigit():
        data["communities"] = sorted(set(data["communities"]) ^ {int(argument)})
    if action in ("svc", "page"):
        turn.goto(turn.state, **data)
        turn.edit_trigger(t("register.services_prompt"), await _services_keyboard(turn, data))
        return
    if action == "com":
        turn.goto(turn.state, **data)
        turn.edit_trigger(t("register.communities_prompt"), await _communities_keyboard(turn, data))
        return
    if action == "svc_done":
        if not data["services"]:
            turn.answer(t("register.pick_one"), alert=True)
            return
        turn.edit_trigger(t("register.services_chosen", count=len(data["services"])))
        turn.goto(State.REG_COMMUNITIES, **data)
        await prompt(turn)
    elif action == "com_done":
        if not data["communities"]:
            turn.answer(t("register.pick_one"), alert=True)
            return
        turn.edit_trigger(t("register.communities_chosen", count=len(data["communities"])))
        if data["kind"] == "volunteer":
            supervisors = await _supervisors(turn, data["communities"])
            if not supervisors:
                turn.say(t("register.no_supervisor"))
                await _leave(turn)
                return
            turn.goto(State.REG_SUPERVISOR, **data, supervisors=supervisors)
            await prompt(turn)
        else:
            await _finish(turn, data, None)
    elif action == "sup" and argument.isdigit():
        turn.edit_trigger(t("register.supervisor_chosen"))
        await _finish(turn, data, int(argument))


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
    names = [c.name for c in await turn.tx.communities.list_all() if c.id in data["communities"]]
    try:
        if invite is None or not await turn.tx.invites.use(invite.code, turn.user.telegram_id, turn.now):
            raise people.RegistrationError("invite used or expired meanwhile")
        await people.register_provider(
            turn.tx, turn.user.telegram_id, data["kind"], name=data["name"], organization=invite.organization,
            service_ids=data["services"], communities=names, supervisor_id=supervisor_id,
            locale=turn.user.locale, now=turn.now,
        )  # fmt: skip
    except people.RegistrationError:
        turn.say(turn.t("invite.invalid"))
        await _leave(turn)
        return
    turn.say(turn.t("register.done_message", name=data["name"]))
    await _leave(turn)


async def _leave(turn: Turn) -> None:
    turn.goto(State.MENU if turn.user and turn.user.community_id else State.NEW)
    if turn.state is State.MENU:
        turn.say(turn.t("menu.prompt"), kb.main_menu_keyboard(turn.t))
