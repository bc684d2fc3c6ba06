"""Applying to a call by file: the form (core.call_forms) comes as a document on 📄 申请表, and a filled-in one
sent while the chat is at the application step is read (outside the transaction: download and parse) and shown
back with 确认, exactly like a typed application. Any other .xlsx/.csv goes on to the catalogue import."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import TelegramError

from core import calls
from core.broadcast import NotAllowed
from core.call_forms import MAX_FORM_BYTES, as_typed, form_bytes, read_form
from core.dialog import State
from core.exports.writers import default_file_name
from handlers import catalog_files
from handlers.call_actions import apply_preview, shown_values
from handlers.context import SansheContext, Services
from handlers.turn import Turn, turn_handler

log = logging.getLogger(__name__)


async def send_form(turn: Turn, call_id: int | None) -> None:
    """The form of a call: to its street office, or to an organisation member (with their organisation)."""
    actor = turn.user.telegram_id if turn.user else 0
    if await turn.tx.street.communities(actor):
        call = await calls.call_for_office(turn.tx, actor, call_id)
        organization = ""
    else:
        call, organization_id = await calls.call_for_applicant(turn.tx, actor, call_id)
        organization = await turn.tx.projects.organization_name(organization_id) or ""
    name = default_file_name("申请表", call.title, fmt="xlsx")
    turn.document(lambda: form_bytes(call, organization, "xlsx"), name, turn.t("call.form_caption", title=call.title))
    turn.answer(turn.t("export.making"))


async def _applying(services: Services, chat_id: int) -> bool:
    async with services.db.transaction() as tx:
        state = await tx.dialogs.get(chat_id)
    return state is not None and state.state == State.CALL_INPUT.value and state.data.get("ask") == "apply"


async def document_received(update: Update, context: SansheContext) -> None:
    message, person = update.effective_message, update.effective_user
    document = message.document if message is not None else None
    if document is None or person is None or not await _applying(context.services, person.id):
        await catalog_files.document_received(update, context)
        return
    fmt = "csv" if (document.file_name or "").lower().endswith(".csv") else "xlsx"
    fields: dict[str, str] | None = None
    problem = "call.form_unreadable"
    if document.file_size is None or document.file_size <= MAX_FORM_BYTES:
        try:
            data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
            fields = await asyncio.to_thread(read_form, fmt, data)
        except calls.CallError as bad:
            problem = bad.key
        except (TelegramError, OSError) as exc:
            log.info("could not download an application form: %s", exc)

    @turn_handler
    async def answer(update: Update, context: SansheContext, turn: Turn) -> None:
        if turn.state is not State.CALL_INPUT or turn.data.get("ask") != "apply":
            turn.say(turn.t("input.use_buttons"))
            return
        if fields is None:
            turn.say(turn.t(problem))
            return
        call_id, typed = as_typed(fields)
        if call_id != int(turn.data.get("call_id", 0)):
            turn.say(turn.t("call.form_other_call"))
            return
        try:
            await apply_preview(turn, typed, "file")
        except NotAllowed:
            turn.say(turn.t("call.not_allowed"))
        except calls.CallError as bad:
            turn.say(turn.t(bad.key, **shown_values(bad.values)))

    await answer(update, context)
