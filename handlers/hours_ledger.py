"""/hours: a provider's ledger (this year, per year, since the first task, awaiting confirmation, the last entries,
tasks without a time) and the certificate of a chosen period, sent as an A4 HTML page and a PDF. Staff's half of
/hours (their community's export) is handlers.hours_export."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.hours_pdf import render_certificate_pdf
from bot.i18n import Translator
from core import hours, hours_certificate
from core.exports import PeriodError, default_file_name, parse_day
from handlers import hours_export, hours_review
from handlers.context import SansheContext
from handlers.hours_words import EARLIEST, HOURS, button, button_day, duration, sane_period
from handlers.turn import Turn, turn_handler

RECENT = 5  # entries shown by /hours
WITHOUT_TIME_BUTTONS = 5


def tz_today(turn: Turn) -> date:
    return turn.now.astimezone(turn.services.i18n.tz).date()


def _line(t: Translator, item: hours.Item, tz: ZoneInfo) -> str:
    served = t.day(item.served_at.astimezone(tz).date(), "yMMMd")
    status = t(f"hours.status_{item.status}")
    corrected = t("hours.was_corrected") if len(item.history) > 1 else ""
    return t("hours.entry_line", day=served, reference=item.reference, duration=duration(t, item.minutes),
             status=status, corrected=corrected)  # fmt: skip


@turn_handler
async def hours_command(update: Update, context: SansheContext, turn: Turn) -> None:
    """/hours: a provider's ledger; for community staff, their community's hours as files (handlers.hours_export)."""
    t, user = turn.t, turn.user
    provider = await turn.tx.providers.get(user.telegram_id) if user else None
    staff_done = await hours_export.offer(turn, context.args or [], provider is None)
    if provider is None:
        if not staff_done:
            turn.say(t("hours.not_a_provider"))
        return
    tz, today = turn.services.i18n.tz, tz_today(turn)
    items = await hours.person_ledger(turn.tx, provider.telegram_id)
    total = hours.totals(items, tz, today)
    lines = [t("hours.header", name=provider.display_name)]
    lines.append(t("hours.this_year", year=today.year, duration=duration(t, total.this_year)))
    for year, minutes in total.by_year.items():
        if year != today.year:
            lines.append(t("hours.year_line", year=year, duration=duration(t, minutes)))
    if total.first_task:
        since = t.day(total.first_task, "yMMMd")
        lines.append(t.plural("hours.all_time", total.tasks, duration=duration(t, total.all_time), since=since,
                              tasks=t.number(total.tasks)))  # fmt: skip
    else:
        lines.append(t("hours.none_yet"))
    if total.pending_tasks:
        lines.append(t.plural("hours.pending", total.pending_tasks, duration=duration(t, total.pending),
                              tasks=t.number(total.pending_tasks)))  # fmt: skip
        if provider.kind == hours.VOLUNTEER and provider.supervisor_id is None:
            lines.append(t("hours.no_supervisor"))
    if items:
        lines.append(t("hours.recent"))
        lines.extend(_line(t, item, tz) for item in items[:RECENT])
    missing = await hours.without_time(turn.tx, provider.telegram_id)
    rows: list[list[InlineKeyboardButton]] = []
    if missing:
        lines.append(t.plural("hours.missing", len(missing), count=t.number(len(missing))))
        rows += [[button(t("hours.add_for", reference=ref), f"{HOURS}:add:{rid}")]
                 for rid, ref, _ in missing[:WITHOUT_TIME_BUTTONS]]  # fmt: skip
    if total.tasks:
        lines.append(t("hours.certificate_hint"))
        rows.append([button(t("hours.cert_this_year"), f"{HOURS}:cert:y"),
                     button(t("hours.cert_last_year"), f"{HOURS}:cert:ly"),
                     button(t("hours.cert_all"), f"{HOURS}:cert:all")])  # fmt: skip
        typed = _typed_period(context.args or [], today)
        if isinstance(typed, tuple):
            first, last = typed
            label = t.days(first, last, "yMMMd")
            rows.append([button(t("hours.cert_period", period=label), f"{HOURS}:cert:{first:%Y%m%d}:{last:%Y%m%d}")])
        elif typed is not None and provider is not None:
            lines.append(t(typed))
    turn.say("\n".join(lines), InlineKeyboardMarkup(rows) if rows else None)
    await hours_review.show_awaiting(turn, provider.telegram_id)  # a supervisor: their volunteers' waiting figures


def _typed_period(args: list[str], today: date) -> tuple[date, date] | str | None:
    """`/hours 2026-01-01 2026-06-30`: a certificate for that period (cut at today); the error's key, or None
    without dates."""
    if not args:
        return None
    if len(args) != 2:
        return "hours.bad_period"
    try:
        first, last = parse_day(args[0]), parse_day(args[1])
    except PeriodError:
        return "hours.bad_period"
    return sane_period(first, last, today) or "hours.bad_period"


def cert_period(parts: tuple[str, ...], today: date) -> tuple[date, date] | None:
    """The period of a certificate button; None for a forged one. Never before EARLIEST, never after today."""
    if len(parts) == 2 and parts[1] == "y":
        return date(today.year, 1, 1), today
    if len(parts) == 2 and parts[1] == "ly":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if len(parts) == 2 and parts[1] == "all":
        return EARLIEST, today
    if len(parts) == 3:
        return sane_period(button_day(parts[1]), button_day(parts[2]), today)
    return None


async def certificate(turn: Turn, person_id: int, first: date, last: date) -> None:
    t, tz = turn.t, turn.services.i18n.tz
    if first == EARLIEST:  # "all time": from the first task on record
        items = await hours.person_ledger(turn.tx, person_id)
        first = min(min((i.served_at.astimezone(tz).date() for i in items), default=last), last)
    # The certificate is Chinese first with English below, whatever the person's own language.
    zh, en = turn.services.i18n.translator("zh_CN"), turn.services.i18n.translator("en")
    try:
        certificate = await hours_certificate.issue(turn.tx, person_id, first, last, tz, turn.now,
                                                    zh("hours.x_removed_person"))  # fmt: skip
    except hours_certificate.NothingToCertify:
        turn.answer(t("hours.nothing_to_certify"), alert=True)
        return
    stem = default_file_name(certificate.person_name, zh("hours.cert_title"), certificate.code, fmt="html")[:-5]
    caption = t.plural("hours.certificate_caption", certificate.tasks, code=certificate.code,
                       period=t.days(first, last, "yMMMd"), duration=duration(t, certificate.minutes),
                       tasks=t.number(certificate.tasks))  # fmt: skip
    turn.document(lambda: hours_certificate.certificate_html(certificate, tz, zh, en), f"{stem}.html", caption)
    turn.document(lambda: render_certificate_pdf(certificate, tz, zh, en), f"{stem}.pdf", t("hours.certificate_pdf"))
    turn.answer(t("hours.certificate_making"))
