"""/export for community staff: their community's needs book and service directory as files in the chat — Excel,
an A4 page to print (HTML) and CSV — made by core.exports exactly as `sanshe export` makes them, so the same privacy
rules hold: the needs book never holds a resident's phone, address, location, note or Telegram id, and numbers
typed into a need are masked.

`/export` covers the last 30 days; `/export 2026-11-01` that day to today; `/export 2026-11-01 2026-11-30` that
period. A button carries the book, the format and (for the needs book) the period's first and last day; whose
community it is comes from the presser's own staff role, never from the button, so a forged button gets nobody
another community's files. The report is read in the turn's transaction and written to a file after the commit,
in a worker thread (Turn.document).
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import Translator
from core import broadcast
from core.exports import Period, PeriodError, default_file_name, make_period, needs_book, parse_day, service_directory
from core.exports.as_bytes import report_bytes
from core.requests import Status
from handlers import street
from handlers.callback_data import ident, parse
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler
from storage.records import Community

EXPORT = "ex"
NEEDS, SERVICES = "n", "s"
FORMATS = ("xlsx", "html", "csv")
# The books are printed and handed out in Chinese, with Chinese headers, as `sanshe export` writes them.
PRINT_LOCALE = "zh_CN"


def _keyboard(t: Translator, period: Period) -> InlineKeyboardMarkup:
    days = f"{period.first:%Y%m%d}:{period.last:%Y%m%d}"

    def button(book: str, fmt: str, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(f"{t(f'export.book_{book}')} · {t(f'export.format_{fmt}')}", callback_data=data)

    return InlineKeyboardMarkup(
        [
            [
                button("needs", fmt, f"{EXPORT}:{NEEDS}:{fmt}:{days}"),
                button("services", fmt, f"{EXPORT}:{SERVICES}:{fmt}"),
            ]
            for fmt in FORMATS
        ]
    )


def _period(args: list[str], today: date, turn: Turn) -> Period | str:
    """The period asked for, or the key of the message that says what is wrong with it."""
    if len(args) > 2:
        return "export.bad_dates"
    try:
        days = [parse_day(arg) for arg in args]
    except PeriodError:
        return "export.bad_dates"
    try:
        return make_period(days[0] if days else None, days[1] if len(days) > 1 else None, today, turn.services.i18n.tz)
    except PeriodError:
        return "export.dates_reversed"


async def _own_community(turn: Turn) -> Community | None:
    """The community this person is staff of (the rule of /announce and /report); None for anyone else."""
    try:
        community_id = await turn.staff_community()
    except broadcast.NotAllowed:
        return None
    return await turn.tx.communities.get(community_id)


@turn_handler
async def export_command(update: Update, context: SansheContext, turn: Turn) -> None:
    t = turn.t
    office = await street.office(turn)
    staff = await _own_community(turn) is not None
    if not office and not staff:
        turn.say(t("export.not_allowed"))
        return
    period = _period(context.args or [], turn.now.astimezone(turn.services.i18n.tz).date(), turn)
    if isinstance(period, str):
        turn.say(t(period))
        return
    if office and not staff:  # a street office gets its workbook of every figure over its communities at once
        if not street.period_allowed(turn, period):  # the limits of its buttons (at most a year, no year 1)
            turn.say(t("street.period_too_long", max=street.MAX_PERIOD_DAYS, first_year=street.FIRST_YEAR))
            return
        await street.send_workbook(turn, office, period)
        return
    keyboard = _keyboard(t, period)
    if office and street.period_allowed(turn, period):  # staff and a street office: the street workbook too
        keyboard = street.with_workbook_button(t, keyboard, office, period)
    turn.say(t("export.choose", period=t.days(period.first, period.last, "yMMMd")), keyboard)


def _day(text: str) -> date | None:
    number = ident(text, upper=99991231)
    if number is None or len(text) != 8:
        return None
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    t = turn.t
    community = await _own_community(turn)
    if community is None:
        turn.answer(t("export.not_allowed"), alert=True)
        return
    pressed = parse(query.data)
    book, fmt = (pressed.action, pressed.part(1)) if pressed is not None and pressed.prefix == EXPORT else ("", "")
    if fmt not in FORMATS or pressed is None:
        turn.answer(t("common.stale_button"))
    elif book == NEEDS and len(pressed.parts) == 4:
        first, last = _day(pressed.part(2)), _day(pressed.part(3))
        if first is None or last is None or first > last:
            turn.answer(t("common.stale_button"))
            return
        await _send_needs_book(turn, community, Period(first, last, turn.services.i18n.tz), fmt)
    elif book == SERVICES and len(pressed.parts) == 2:
        await _send_directory(turn, community, fmt)
    else:
        turn.answer(t("common.stale_button"))


def _print_translator(turn: Turn) -> Translator:
    return turn.services.i18n.translator(PRINT_LOCALE)


def _caption(t: Translator, caption: str, fmt: str) -> str:
    return caption + ("\n" + t("export.html_hint") if fmt == "html" else "")


async def _send_needs_book(turn: Turn, community: Community, period: Period, fmt: str) -> None:
    t, words = turn.t, _print_translator(turn)
    # Status wording from the catalogue, so the book says exactly what residents see in the chat (as the CLI does).
    labels = {status.value: words(f"status.{status.value}") for status in Status}
    report = await needs_book(turn.tx.reports, community, period, labels, turn.now)
    count = len(report.table.rows)
    name = default_file_name(community.name, words("export.file_needs"), f"{period.first:%Y%m%d}-{period.last:%Y%m%d}",
                             fmt=fmt)  # fmt: skip
    caption = t.plural("export.needs_caption", count, community=community.name, count=t.number(count),
                       period=t.days(period.first, period.last, "yMMMd"))  # fmt: skip
    turn.document(lambda: report_bytes(report, fmt), name, _caption(t, caption, fmt))
    turn.answer(t("export.making"))


async def _send_directory(turn: Turn, community: Community, fmt: str) -> None:
    t, words = turn.t, _print_translator(turn)
    report = await service_directory(turn.tx.reports, community, turn.now, turn.services.i18n.tz)
    count = len(report.table.rows)
    today = turn.now.astimezone(turn.services.i18n.tz)
    name = default_file_name(community.name, words("export.file_services"), f"{today:%Y%m%d}", fmt=fmt)
    caption = t.plural("export.services_caption", count, community=community.name, count=t.number(count))
    turn.document(lambda: report_bytes(report, fmt), name, _caption(t, caption, fmt))
    turn.answer(t("export.making"))
