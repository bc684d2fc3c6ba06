"""/announce for community staff: write, choose the audience, preview, confirm. /mute for residents.

Progress (已发送 n / total) is edited into the confirmation message by bot/broadcast_progress.py.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import broadcast
from core.dialog import State
from handlers import callback_data, side_task
from handlers import intake_keyboards as ikb
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler

ANNOUNCE = "an"
MAX_BUILDINGS = 30  # buttons offered; a community with more buildings is rare, and they are listed in order


@turn_handler
async def announce_command(update: Update, context: SansheContext, turn: Turn) -> None:
    try:
        await turn.staff_community()
    except broadcast.NotAllowed:
        turn.say(turn.t("announce.not_allowed"))
        return
    side_task.begin(turn, State.ANNOUNCE_TEXT)
    turn.say(turn.t("announce.text_prompt", max=broadcast.MAX_TEXT), ikb.typing_only(turn.t))


async def on_text(turn: Turn, text: str) -> None:
    t, i18n = turn.t, turn.services.i18n
    if i18n.matches("common.cancel", text) or i18n.matches("common.back", text):
        await side_task.leave(turn, t("announce.cancelled"))
        return
    cleaned = text.strip()  # line breaks are the author's layout: keep them
    if not cleaned:
        turn.say(t("intake.empty_answer"))
        return
    if len(cleaned) > broadcast.MAX_TEXT:
        turn.say(t("intake.too_long", limit=broadcast.MAX_TEXT))
        return
    if turn.data.get("photo") and len(cleaned) > broadcast.MAX_CAPTION:
        turn.say(t("announce.caption_too_long", max=t.number(broadcast.MAX_CAPTION)))
        return
    assert turn.user is not None
    community_id = await turn.staff_community()
    sizes = await broadcast.audience_sizes(turn.tx, community_id)
    rows = [
        [InlineKeyboardButton(t(f"announce.audience_{a}", count=t.number(n)), callback_data=f"{ANNOUNCE}:aud:{a}")]
        for a, n in sizes.items()
    ]
    buildings = sorted(await turn.tx.broadcasts.buildings(community_id), key=lambda b: _building_order(b[0]))
    if buildings:
        rows.append([InlineKeyboardButton(t("announce.audience_building"), callback_data=f"{ANNOUNCE}:bld")])
    rows.append([InlineKeyboardButton(t("common.cancel"), callback_data=f"{ANNOUNCE}:cancel")])
    # Buttons carry an index into this list: a building's name may not fit in Telegram's 64-byte callback data.
    turn.goto(State.ANNOUNCE_CONFIRM, **{**turn.data, "text": cleaned, "buildings": buildings[:MAX_BUILDINGS]})
    turn.say(t("announce.audience_prompt"), InlineKeyboardMarkup(rows))


async def on_photo(turn: Turn, file_id: str, caption: str | None) -> None:
    """A photo at the text step: it goes with the announcement; its caption, if any, is the text."""
    turn.data["photo"] = file_id
    if caption and caption.strip():
        await on_text(turn, caption)
    else:
        turn.say(turn.t("announce.photo_received", max=turn.t.number(broadcast.MAX_CAPTION)))


def _as_received(turn: Turn, locale: str, community: str, text: str) -> str:
    return turn.services.i18n.translator(locale)("announce.message", community=community, text=text)


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None and turn is not None
    pressed = callback_data.parse(query.data)
    action, argument = (pressed.action, pressed.part(1)) if pressed else ("", "")
    t = turn.t
    if turn.state is not State.ANNOUNCE_CONFIRM or turn.user is None:
        turn.answer(t("common.stale_button"))
        turn.edit_trigger(t("common.stale_message"))
        return
    try:
        community_id = await turn.staff_community()
    except broadcast.NotAllowed:
        turn.answer(t("announce.not_allowed"), alert=True)
        return
    community = await turn.tx.communities.get(community_id)
    name = community.name if community else ""
    text = str(turn.data.get("text", ""))
    buildings = [str(b[0]) for b in turn.data.get("buildings", [])]
    if action == "aud" and argument in broadcast.AUDIENCES:
        await _preview(turn, community_id, name, text, argument, None)
    elif action == "bld" and buildings:
        rows = [[InlineKeyboardButton(t("announce.building_button", building=b, count=t.number(n)),
                                      callback_data=f"{ANNOUNCE}:b:{i}")]
                for i, (b, n) in enumerate(turn.data.get("buildings", []))]  # fmt: skip
        rows.append([InlineKeyboardButton(t("common.cancel"), callback_data=f"{ANNOUNCE}:cancel")])
        turn.edit_trigger(t("announce.building_prompt"), InlineKeyboardMarkup(rows))
    elif action == "b" and (index := callback_data.ident(argument, upper=len(buildings) - 1)) is not None:
        await _preview(turn, community_id, name, text, "residents", buildings[index])
    elif action == "send" and turn.data.get("audience") in broadcast.AUDIENCES:
        building = turn.data.get("building")
        queued = await broadcast.announce(
            turn.tx, turn.user.telegram_id, text, str(turn.data["audience"]),
            lambda locale: _as_received(turn, locale, name, text), turn.now,
            photo=str(turn.data["photo"]) if turn.data.get("photo") else None,
            building=str(building) if building else None,
        )  # fmt: skip
        if query.message is not None:
            await turn.tx.broadcasts.set_progress_message(queued.broadcast_id, query.message.message_id)
        turn.enqueued = True
        turn.edit_trigger(t("announce.progress", sent=t.number(0), total=t.number(queued.total)))
        await side_task.leave(turn, t.plural("announce.queued_n", queued.total, total=t.number(queued.total)))
    elif action == "cancel":
        turn.edit_trigger(t("announce.cancelled"))
        await side_task.leave(turn, t("announce.cancelled"))
    else:
        turn.answer(t("common.stale_button"))


async def _preview(turn: Turn, community_id: int, name: str, text: str, audience: str, building: str | None) -> None:
    t = turn.t
    count = len(await turn.tx.broadcasts.recipients(community_id, audience, building))
    turn.goto(State.ANNOUNCE_CONFIRM, **{**turn.data, "audience": audience, "building": building})
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("announce.send"), callback_data=f"{ANNOUNCE}:send")],
         [InlineKeyboardButton(t("common.cancel"), callback_data=f"{ANNOUNCE}:cancel")]]
    )  # fmt: skip
    preview = _as_received(turn, turn.t.locale, name, text)
    if turn.data.get("photo"):
        preview = t("announce.preview_photo") + "\n" + preview
    if building:
        preview = t("announce.preview_building", building=building) + "\n" + preview
    turn.edit_trigger(t.plural("announce.preview_n", count, preview=preview, count=t.number(count)), markup)


def _building_order(name: str) -> tuple[int, str]:
    """3栋 before 12栋 before 综合楼."""
    digits = "".join(ch for ch in name if ch.isascii() and ch.isdigit())  # not '²', which int() refuses
    return (int(digits) if digits and name.endswith("栋") else 10**9, name)


@turn_handler
async def mute_command(update: Update, context: SansheContext, turn: Turn) -> None:
    """/mute: a resident stops (or resumes) receiving community announcements."""
    if turn.user is None or "resident" not in turn.user.roles:
        turn.say(turn.t("start.press_start"))
        return
    muted = not await turn.tx.broadcasts.is_muted(turn.user.telegram_id)
    await turn.tx.broadcasts.set_muted(turn.user.telegram_id, muted)
    turn.say(turn.t("announce.muted" if muted else "announce.unmuted"))
