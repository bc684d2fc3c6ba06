"""A catalogue file sent in the chat: staff send their .xlsx or .csv, see what it would change, and confirm.

1. The file arrives. Only community staff (and the city's administrators, SANSHE_ADMIN_IDS) have it read: for
   anyone else it is answered and never downloaded. It is downloaded and parsed outside the database
   transaction (a short one first asks who the sender is), then the turn plans the import (core.catalog_sync:
   staff touch only their own community's services) and answers with a preview — added, updated, deactivated,
   new categories, unknown communities, errors by the file's own row numbers — and 确认导入 / ✖️ 取消 (or
   确认导入并新建社区 when unknown communities are all that stops an administrator's file). Nothing has changed.
2. The pending import is kept in the chat's dialog data: the file's id, name, digest and the catalogue's
   version, and a token that is also in the buttons (so an older preview's buttons are stale).
3. 确认导入 downloads the file again (outside the transaction), checks it is the same file, plans again and, in
   the turn's one transaction, imports it all or nothing. If the catalogue changed since the preview, the new
   plan is shown to be confirmed again instead. The import moves the catalogue's version, so every bot
   process's matcher (core.matcher_cache) uses the new catalogue from the next message on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.i18n import Translator
from core.catalog import CatalogParseResult, RowError, WorkbookError
from core.catalog_sync import (
    MAX_UPLOAD_BYTES,
    Importer,
    ImportPlan,
    PendingImport,
    apply_plan,
    digest,
    importer,
    parse_upload,
    plan_import,
    upload_type,
)
from core.dialog import State
from handlers import callback_data, steps
from handlers.context import SansheContext, Services
from handlers.turn import Turn, turn_handler

log = logging.getLogger(__name__)

CATALOG = "cf"
CONFIRM, CONFIRM_CREATE, CANCEL = "ok", "new", "no"
MAX_LISTED = 10  # service ids listed per line of the preview
MAX_ERRORS_SHOWN = 20  # rows with errors listed (a message holds at most 4,096 characters)
MAX_MESSAGE = 4000
# The documents this module answers, in a private chat (.xls only to say it must be saved as .xlsx); any other
# document goes on to handlers.inbox.
FILES = (
    filters.ChatType.PRIVATE
    & ~filters.UpdateType.EDITED
    & (
        filters.Document.FileExtension("csv")
        | filters.Document.FileExtension("xlsx")
        | filters.Document.FileExtension("xls")
    )
)


@dataclass(frozen=True)
class Received:
    """A file as read outside the transaction: its parse, or why it could not be read (a locale key)."""

    problem: str | None = None
    parsed: CatalogParseResult | None = None
    digest: str = ""


async def _may_import(services: Services, telegram_id: int) -> bool:
    async with services.db.transaction() as tx:
        return await importer(tx, telegram_id, services.admin_ids) is not None


async def _receive(context: SansheContext, file_id: str, file_type: str, size: int | None) -> Received:
    """Download and parse a catalogue file: network and CPU work, done while no transaction is open."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        return Received("catalog_file.too_big")
    try:
        file = await context.bot.get_file(file_id)
        data = bytes(await file.download_as_bytearray())
    except (TelegramError, OSError) as exc:
        log.info("could not download catalogue file %s: %s", file_id, exc)
        return Received("catalog_file.download_failed")
    if len(data) > MAX_UPLOAD_BYTES:
        return Received("catalog_file.too_big")
    try:
        parsed = await asyncio.to_thread(parse_upload, file_type, data)
    except WorkbookError as exc:
        return Received(exc.key, digest=digest(data))
    return Received(parsed=parsed, digest=digest(data))


async def document_received(update: Update, context: SansheContext) -> None:
    """A .csv, .xlsx or .xls document in a private chat."""
    message, person = update.effective_message, update.effective_user
    document = message.document if message is not None else None
    received: Received | None = None
    if document is not None and person is not None and upload_type(document.file_name) is not None:
        if await _may_import(context.services, person.id):
            received = await _receive(context, document.file_id, upload_type(document.file_name) or "",
                                      document.file_size)  # fmt: skip

    @turn_handler
    async def answer(update: Update, context: SansheContext, turn: Turn) -> None:
        if document is not None and person is not None:
            await _on_file(turn, person.id, document, received)

    await answer(update, context)


async def _on_file(turn: Turn, person_id: int, document: Document, received: Received | None) -> None:
    t = turn.t
    who = await importer(turn.tx, person_id, turn.services.admin_ids)
    if who is None:
        turn.say(t("catalog_file.not_allowed"))
        if turn.state is not State.NEW:
            await steps.prompt(turn)
        return
    file_type = upload_type(document.file_name)
    if file_type is None:
        turn.say(t("catalog_file.unsupported"))
        return
    turn.data.pop(PendingImport.KEY, None)  # a new file replaces any preview not yet confirmed
    name = document.file_name or file_type
    if received is None or received.problem is not None or received.parsed is None:
        problem = received.problem if received is not None else "catalog_file.download_failed"
        turn.say(_problem_text(t, name, problem or "catalog_file.download_failed"))
        return
    parsed = received.parsed
    if parsed.errors or not parsed.entries:
        turn.say(
            _fit(_errors_text(t, name, parsed.errors)) if parsed.errors else t("catalog_file.no_services", file=name)
        )
        return
    plan = await plan_import(turn.tx, parsed.entries, lines=parsed.lines, scope=who.community)
    pending = PendingImport.new(document.file_id, name, file_type, received.digest, plan.version)
    text, markup = _preview(t, who, name, parsed, plan, pending.token)
    if markup is not None:
        turn.data.update(pending.to_data())
    turn.say(_fit(text), markup)


def _problem_text(t: Translator, name: str, key: str) -> str:
    if key == "catalog_file.too_big":
        return t(key, file=name, limit=MAX_UPLOAD_BYTES // (1024 * 1024))
    if key.startswith("catalog.error."):  # a workbook that cannot be read
        return t("catalog_file.unreadable", file=name, reason=t(key))
    return t(key, file=name)


def _listed(t: Translator, items: Sequence[str]) -> str:
    shown = t("catalog.list_join").join(items[:MAX_LISTED])
    if len(items) <= MAX_LISTED:
        return shown
    return shown + t.plural("catalog_file.and_more_n", len(items), count=t.number(len(items)))


def _error_lines(t: Translator, errors: Sequence[RowError]) -> list[str]:
    lines = [error.render(t) for error in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        more = len(errors) - MAX_ERRORS_SHOWN
        lines.append(t.plural("catalog_file.more_errors_n", more, count=t.number(more)))
    return lines


def _errors_text(t: Translator, name: str, errors: Sequence[RowError], extra: Sequence[str] = ()) -> str:
    count = len(errors) + len(extra)
    title = t.plural("catalog_file.errors_n", count, file=name, count=t.number(count))
    return "\n".join([title, *extra, *_error_lines(t, errors)])


def _unknown_lines(t: Translator, plan: ImportPlan) -> list[str]:
    return [unknown.render(t) for unknown in plan.unknown_communities[:MAX_ERRORS_SHOWN]]


def _fit(text: str) -> str:
    """Within Telegram's 4,096 characters, whatever the file held."""
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _keyboard(t: Translator, token: str, create: bool) -> InlineKeyboardMarkup:
    confirm = (
        InlineKeyboardButton(t("catalog_file.confirm_create"), callback_data=f"{CATALOG}:{CONFIRM_CREATE}:{token}")
        if create
        else InlineKeyboardButton(t("catalog_file.confirm"), callback_data=f"{CATALOG}:{CONFIRM}:{token}")
    )
    cancel = InlineKeyboardButton(t("common.cancel"), callback_data=f"{CATALOG}:{CANCEL}:{token}")
    return InlineKeyboardMarkup([[confirm, cancel]])


def _preview(
    t: Translator, who: Importer, name: str, parsed: CatalogParseResult, plan: ImportPlan, token: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The preview's text, and its buttons when there is something to confirm."""
    unknown = _unknown_lines(t, plan)
    if plan.errors or (unknown and who.community is not None):
        return _errors_text(t, name, plan.errors, unknown), None
    count = len(plan.entries)
    if who.community is not None:
        own = who.community.name
        lines = [t.plural("catalog_file.preview_own_n", count, file=name, community=own, count=t.number(count))]
    else:
        lines = [t.plural("catalog_file.preview_city_n", count, file=name, count=t.number(count))]
    if plan.added:
        lines.append(
            t.plural("catalog_file.added_n", len(plan.added), count=len(plan.added), ids=_listed(t, plan.added))
        )
    if plan.updated:
        lines.append(
            t.plural("catalog_file.updated_n", len(plan.updated), count=len(plan.updated), ids=_listed(t, plan.updated))
        )
    if plan.deactivated:
        gone = plan.deactivated
        lines.append(t.plural("catalog_file.deactivated_n", len(gone), count=len(gone), ids=_listed(t, gone)))
    if plan.unchanged:
        lines.append(t.plural("catalog_file.unchanged_n", len(plan.unchanged), count=t.number(len(plan.unchanged))))
    if plan.new_categories:
        lines.append(t("catalog_file.new_categories", names=_listed(t, plan.new_categories)))
    if plan.new_organizations:
        lines.append(t("catalog_file.new_organizations", names=_listed(t, plan.new_organizations)))
    lines.extend(t("catalog_file.warning", text=warning.render(t)) for warning in parsed.warnings)
    if unknown:  # an administrator's file: the communities can be created on confirmation
        lines.extend(unknown)
        lines.append(t("catalog_file.create_hint"))
        return "\n".join(lines), _keyboard(t, token, create=True)
    if not (plan.added or plan.updated or plan.deactivated or plan.new_categories):
        lines.append(t("catalog_file.nothing_to_do"))
        return "\n".join(lines), None
    lines.append(t("catalog_file.confirm_question"))
    return "\n".join(lines), _keyboard(t, token, create=False)


async def pressed(update: Update, context: SansheContext) -> None:
    """确认导入 / 确认导入并新建社区 / 取消 under a preview."""
    query, chat, person = update.callback_query, update.effective_chat, update.effective_user
    pressed = callback_data.parse(query.data if query is not None else None)
    received: Received | None = None
    if pressed is not None and pressed.action in (CONFIRM, CONFIRM_CREATE) and chat is not None:
        pending = await _pending(context.services, chat.id, person.id if person is not None else 0)
        if pending is not None and pending.token == pressed.part(1):
            received = await _receive(context, pending.file_id, pending.file_type, None)

    @turn_handler
    async def act(update: Update, context: SansheContext, turn: Turn) -> None:
        await _on_press(turn, person.id if person is not None else 0, pressed, received)

    await act(update, context)


async def _pending(services: Services, chat_id: int, person_id: int) -> PendingImport | None:
    """The chat's pending import, if the person pressing may still import (else the file is not fetched)."""
    async with services.db.transaction() as tx:
        if await importer(tx, person_id, services.admin_ids) is None:
            return None
        dialog = await tx.dialogs.get(chat_id)
    return PendingImport.from_data(dialog.data) if dialog is not None else None


async def _on_press(
    turn: Turn, person_id: int, pressed: callback_data.Callback | None, received: Received | None
) -> None:
    t = turn.t
    pending = PendingImport.from_data(turn.data)
    if pressed is None or pending is None or pressed.part(1) != pending.token or pressed.action not in (
        CONFIRM, CONFIRM_CREATE, CANCEL,
    ):  # fmt: skip
        turn.answer(t("common.stale_button"))
        turn.edit_trigger(t("common.stale_message"))
        return
    who = await importer(turn.tx, person_id, turn.services.admin_ids)
    if who is None:
        turn.answer(t("catalog_file.not_allowed"), alert=True)
        return
    if pressed.action == CANCEL:
        turn.data.pop(PendingImport.KEY, None)
        turn.answer()
        turn.edit_trigger(t("catalog_file.cancelled"))
        return
    if received is None or received.problem is not None or received.parsed is None:
        turn.answer(t("catalog_file.download_failed", file=pending.file_name), alert=True)
        return
    if received.digest != pending.digest or not received.parsed.ok:
        turn.data.pop(PendingImport.KEY, None)
        turn.answer()
        turn.edit_trigger(t("catalog_file.file_changed", file=pending.file_name))
        return
    parsed = received.parsed
    create = pressed.action == CONFIRM_CREATE and who.community is None
    plan = await plan_import(turn.tx, parsed.entries, lines=parsed.lines, scope=who.community,
                             create_communities=create)  # fmt: skip
    if plan.version != pending.version:
        # Someone changed the catalogue since the preview: show what the file does now, to be confirmed again.
        fresh = pending.renewed(plan.version)
        preview = await plan_import(turn.tx, parsed.entries, lines=parsed.lines, scope=who.community)
        text, markup = _preview(t, who, pending.file_name, parsed, preview, fresh.token)
        turn.data.pop(PendingImport.KEY, None)
        if markup is not None:
            turn.data.update(fresh.to_data())
        turn.answer(t("catalog_file.changed"), alert=True)
        turn.edit_trigger(_fit(t("catalog_file.changed") + "\n\n" + text), markup)
        return
    turn.data.pop(PendingImport.KEY, None)
    if not plan.ok:  # the same file and catalogue cannot plan differently; kept total all the same
        text, _ = _preview(t, who, pending.file_name, parsed, plan, pending.token)
        turn.answer()
        turn.edit_trigger(_fit(text))
        return
    report = await apply_plan(turn.tx, plan, turn.now)
    lines = [t("catalog_file.imported", file=pending.file_name, added=len(report.added),
               updated=len(report.updated), deactivated=len(report.deactivated))]  # fmt: skip
    if report.new_categories:
        lines.append(t("catalog_file.categories_created", names=_listed(t, report.new_categories)))
    if report.new_communities:
        lines.append(t("catalog_file.communities_created", names=_listed(t, report.new_communities)))
    turn.answer()
    turn.edit_trigger("\n".join(lines))
