"""A street office (街道/区) over a set of communities: /stats and /report across them, /supply (which community
lacks which service), /providers (each provider's load, and 人随事转: moving a provider's service area), and
/export (every figure as one Excel workbook).

Whose communities they are comes from the presser's own street role (core.street_stats.office_communities),
never from a button: a button carries a period, a provider or a community, and each is checked against that set
on every press — a community outside it, a provider serving none of it, or garbage is refused.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import Translator
from core import provider_moves, reports, supply_demand
from core.exports import Period, default_file_name
from core.exports.street import build_street_book, street_xlsx_bytes
from core.street_stats import CommunityFigures, StreetFigures, office_communities, street_figures
from handlers.callback_data import ident, parse
from handlers.context import SansheContext
from handlers.street_views import figure_lines, provider_text, shortage_line
from handlers.turn import Turn, turn_handler

OFFICE = "so"
REPORT, SUPPLY, EXPORT, LIST, PROVIDER, ADD, REMOVE = "r", "s", "x", "l", "p", "a", "d"
PAGE_SIZE = 10
PRINT_LOCALE = "zh_CN"


async def office(turn: Turn) -> dict[int, str]:
    """The communities the person steers as a street office, id → name (empty for anyone else)."""
    if turn.user is None:
        return {}
    return await office_communities(turn.tx, turn.user.telegram_id)


def _days(period: Period) -> str:
    return f"{period.first:%Y%m%d}:{period.last:%Y%m%d}"


def _day(text: str) -> date | None:
    number = ident(text, upper=99991231)
    if number is None or len(text) != 8:
        return None
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


FIRST_YEAR = 2000  # no figure is older; a year 1 or 9999 would overflow Period.since / Period.until
MAX_PERIOD_DAYS = 366


def period_allowed(turn: Turn, period: Period) -> bool:
    """A period a street office may ask for (button or /export): from FIRST_YEAR to next year, at most a year."""
    today = turn.now.astimezone(turn.services.i18n.tz).date()
    return (
        FIRST_YEAR <= period.first.year
        and period.last.year <= today.year + 1
        and period.first <= period.last
        and (period.last - period.first).days <= MAX_PERIOD_DAYS
    )


def _period_of(turn: Turn, first_text: str, last_text: str) -> Period | None:
    first, last = _day(first_text), _day(last_text)
    if first is None or last is None:
        return None
    period = Period(first, last, turn.services.i18n.tz)
    return period if period_allowed(turn, period) else None


def _figures_keyboard(t: Translator, period: Period) -> InlineKeyboardMarkup:
    days = _days(period)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("street.button_supply"), callback_data=f"{OFFICE}:{SUPPLY}:{days}"),
                InlineKeyboardButton(t("street.button_excel"), callback_data=f"{OFFICE}:{EXPORT}:{days}"),
            ],
            [InlineKeyboardButton(t("street.button_providers"), callback_data=f"{OFFICE}:{LIST}:0")],
        ]
    )


async def _figures(turn: Turn, names: dict[int, str], since: datetime, until: datetime) -> StreetFigures:
    return await street_figures(turn.tx, names, turn.t("street.total"), since, until, turn.services.accept_limit)


def _say_figures(turn: Turn, title: str, figures: StreetFigures, period: Period) -> None:
    t = turn.t
    body = t("street.none") if figures.empty else "\n".join(figure_lines(t, figures))
    turn.say(f"{title}\n\n{body}\n\n{t('street.legend')}", _figures_keyboard(t, period))


# /stats [days] and /report [week|month…] for a street office (called by handlers.stats and handlers.report).


async def stats_for_office(turn: Turn, names: dict[int, str], days: int) -> None:
    t = turn.t
    # Whole local days (today and the days-1 before it), the same period its 供需 and Excel buttons carry, so the
    # chat, the buttons and the workbook all count the same requests.
    period = _last_days(turn, days)
    figures = await _figures(turn, names, period.since, period.until)
    title = t.plural("street.stats_title_n", days, days=days, count=t.number(len(names)),
                     since=t.date(period.since), until=t.date(turn.now))  # fmt: skip
    _say_figures(turn, title, figures, period)


async def report_for_office(turn: Turn, names: dict[int, str], kind: str) -> None:
    t = turn.t
    period = reports.report_period(kind, turn.now, turn.services.i18n.tz)
    figures = await _figures(turn, names, period.since, period.until)
    title = t("street.report_title", period=t(f"report.{kind}"), count=t.number(len(names)),
              dates=t.days(period.first, period.last, "yMMMd"))  # fmt: skip
    _say_figures(turn, title, figures, period)


def report_keyboard(t: Translator) -> InlineKeyboardMarkup:
    rows = ((reports.WEEK, reports.LAST_WEEK), (reports.MONTH, reports.LAST_MONTH))
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(f"report.{k}"), callback_data=f"{OFFICE}:{REPORT}:{k}") for k in row] for row in rows]
    )


# /supply [days]


async def _send_supply(turn: Turn, names: dict[int, str], period: Period) -> None:
    t = turn.t
    demand = await turn.tx.street_reports.demand(sorted(names), period.since, period.until)
    supply = await turn.tx.street_reports.supply(sorted(names))
    lacking = supply_demand.shortages(supply_demand.table(names, demand, supply))
    title = t("street.supply_title", count=t.number(len(names)), dates=t.days(period.first, period.last, "yMMMd"))
    lines = [f"{n}. {shortage_line(t, cell)}" for n, cell in enumerate(lacking[: PAGE_SIZE * 3], start=1)]
    if len(lacking) > len(lines):
        lines.append(t.plural("street.more_n", len(lacking) - len(lines), n=t.number(len(lacking) - len(lines))))
    body = "\n".join(lines) if lines else t("street.supply_none")
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("street.button_excel"), callback_data=f"{OFFICE}:{EXPORT}:{_days(period)}")]]
    )
    turn.say(f"{title}\n\n{body}\n\n{t('street.supply_legend')}", markup)


def _last_days(turn: Turn, days: int) -> Period:
    tz = turn.services.i18n.tz
    today = turn.now.astimezone(tz).date()
    return Period(today - timedelta(days=days - 1), today, tz)


@turn_handler
async def supply_command(update: Update, context: SansheContext, turn: Turn) -> None:
    t, args = turn.t, context.args or []
    names = await office(turn)
    if not names:
        turn.say(t("street.not_allowed"))
        return
    days = ident(args[0], upper=366) if len(args) == 1 else (30 if not args else None)
    if not days:
        turn.say(t("street.bad_days"))
        return
    await _send_supply(turn, names, _last_days(turn, days))


# /export: the workbook


async def send_workbook(turn: Turn, names: dict[int, str], period: Period) -> None:
    t, words = turn.t, turn.services.i18n.translator(PRINT_LOCALE)
    ids = sorted(names)
    figures = await _figures(turn, names, period.since, period.until)
    figures = replace(figures, total=_renamed(figures.total, words("street.total")))
    cells = supply_demand.table(names, figures.demand, await turn.tx.street_reports.supply(ids))
    providers = await provider_moves.loads(turn.tx, names, turn.now)
    moves = await turn.tx.street_reports.moves(ids, period.since, period.until)
    provider_names = {p.provider_id: p.name for p in providers}
    for move in moves:
        if move.provider_id not in provider_names:
            moved = await turn.tx.providers.get(move.provider_id)
            provider_names[move.provider_id] = moved.display_name if moved else ""
    office_name = words("street.office_name", count=len(names))
    book = build_street_book(office_name, period.label(), figures, cells, supply_demand.shortages(cells), providers,
                             moves, provider_names, names, turn.services.i18n.tz, turn.now)  # fmt: skip
    file_name = default_file_name(office_name, words("street.file_name"), _days(period).replace(":", "-"), fmt="xlsx")
    caption = t("street.export_caption", count=t.number(len(names)), dates=t.days(period.first, period.last, "yMMMd"))
    turn.document(lambda: street_xlsx_bytes(book), file_name, caption)


def with_workbook_button(
    t: Translator, keyboard: InlineKeyboardMarkup, names: dict[int, str], period: Period
) -> InlineKeyboardMarkup:
    """`keyboard` (a staff member's own /export choices) with a last row for the street workbook, for a person who
    is both community staff and a street office."""
    button = InlineKeyboardButton(t("street.button_excel_office", count=t.number(len(names))),
                                  callback_data=f"{OFFICE}:{EXPORT}:{_days(period)}")  # fmt: skip
    return InlineKeyboardMarkup([*keyboard.inline_keyboard, [button]])


def _renamed(figures: CommunityFigures, name: str) -> CommunityFigures:
    return replace(figures, name=name)


# /providers [page], and 人随事转


def _list_markup(t: Translator, summaries: list[provider_moves.ProviderSummary], page: int) -> InlineKeyboardMarkup:
    shown = summaries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [[InlineKeyboardButton(p.name, callback_data=f"{OFFICE}:{PROVIDER}:{p.provider_id}")] for p in shown]
    pager = []
    if page > 0:
        pager.append(InlineKeyboardButton(t("street.previous"), callback_data=f"{OFFICE}:{LIST}:{page - 1}"))
    if (page + 1) * PAGE_SIZE < len(summaries):
        pager.append(InlineKeyboardButton(t("street.next"), callback_data=f"{OFFICE}:{LIST}:{page + 1}"))
    return InlineKeyboardMarkup([*rows, pager] if pager else rows)


async def _provider_list(turn: Turn, names: dict[int, str], page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    t = turn.t
    summaries = await provider_moves.loads(turn.tx, names, turn.now)
    if not summaries:
        return t("street.providers_none"), None
    page = min(page, (len(summaries) - 1) // PAGE_SIZE)
    shown = summaries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    title = t.plural("street.providers_title_n", len(summaries), n=t.number(len(summaries)))
    lines = [provider_text(t, p, short=True) for p in shown]
    return f"{title}\n\n" + "\n".join(lines) + f"\n\n{t('street.providers_hint')}", _list_markup(t, summaries, page)


@turn_handler
async def providers_command(update: Update, context: SansheContext, turn: Turn) -> None:
    names = await office(turn)
    if not names:
        turn.say(turn.t("street.not_allowed"))
        return
    text, markup = await _provider_list(turn, names, 0)
    turn.say(text, markup)


def _provider_markup(
    t: Translator, summary: provider_moves.ProviderSummary, names: dict[int, str], page: int
) -> InlineKeyboardMarkup:
    """➕/➖ per community of the set, PAGE_SIZE at a time (an office over hundreds of communities must not make a
    keyboard Telegram refuses). A provider serving none of the set any more (moved out, open tasks left) gets no
    move buttons: moves are for providers of the office's communities."""
    serving = {c.community_id for c in summary.communities if c.serves}
    rows = []
    if serving:
        ordered = sorted(names.items(), key=lambda item: (item[1], item[0]))
        for cid, name in ordered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
            if cid in serving:
                label, action = t("street.remove", community=name), REMOVE
            else:
                label, action = t("street.add", community=name), ADD
            rows.append([InlineKeyboardButton(label, callback_data=f"{OFFICE}:{action}:{summary.provider_id}:{cid}")])
        to_page = f"{OFFICE}:{PROVIDER}:{summary.provider_id}"
        pager = []
        if page > 0:
            pager.append(InlineKeyboardButton(t("street.previous"), callback_data=f"{to_page}:{page - 1}"))
        if (page + 1) * PAGE_SIZE < len(ordered):
            pager.append(InlineKeyboardButton(t("street.next"), callback_data=f"{to_page}:{page + 1}"))
        if pager:
            rows.append(pager)
    rows.append([InlineKeyboardButton(t("street.back_to_list"), callback_data=f"{OFFICE}:{LIST}:0")])
    return InlineKeyboardMarkup(rows)


def _page_of(names: dict[int, str], community_id: int) -> int:
    """The page of the provider view on which `community_id`'s button is."""
    ordered = [cid for cid, _ in sorted(names.items(), key=lambda item: (item[1], item[0]))]
    return ordered.index(community_id) // PAGE_SIZE if community_id in ordered else 0


async def _show_provider(turn: Turn, names: dict[int, str], provider_id: int, page: int = 0) -> None:
    summary = await provider_moves.provider_of_office(turn.tx, names, provider_id, turn.now)
    page = min(page, max(len(names) - 1, 0) // PAGE_SIZE)
    turn.edit_trigger(provider_text(turn.t, summary, short=False), _provider_markup(turn.t, summary, names, page))


async def _move(turn: Turn, names: dict[int, str], provider_id: int, community_id: int, add: bool) -> None:
    t = turn.t
    assert turn.user is not None
    await provider_moves.move(turn.tx, turn.user.telegram_id, names, provider_id, community_id, add, turn.now)
    provider = await turn.tx.providers.get(provider_id)
    assert provider is not None
    # The provider is told in their own language, with where they serve now (their whole area, not only ours).
    user = await turn.tx.users.get(provider_id)
    pt = turn.services.i18n.translator(user.locale if user else None)
    serving = [c.name for c in [await turn.tx.communities.get(cid) for cid in provider.community_ids] if c]
    key = "street.told_added" if add else "street.told_removed"
    text = pt(key, community=names[community_id], serving=pt("street.list_separator").join(serving))
    await turn.tx.outbox.enqueue(provider_id, text, None, turn.now)
    turn.enqueued = True
    turn.answer(t("street.moved_added" if add else "street.moved_removed", community=names[community_id]))
    # Removed from the last community of the set they served: no longer the office's to move, so back to the list
    # (where they stay while they have open tasks here) rather than a view with nothing to press.
    if await provider_moves.still_ours(turn.tx, names, provider_id):
        await _show_provider(turn, names, provider_id, _page_of(names, community_id))
    else:
        text, markup = await _provider_list(turn, names, 0)
        turn.edit_trigger(text, markup)


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    t = turn.t
    names = await office(turn)
    if not names:
        turn.answer(t("street.not_allowed"), alert=True)
        return
    data = parse(query.data)
    if data is None or data.prefix != OFFICE:
        turn.answer(t("common.stale_button"))
        return
    action, parts = data.action, len(data.parts)
    try:
        if action == REPORT and parts == 2 and data.part(1) in reports.KINDS:
            await report_for_office(turn, names, data.part(1))
            turn.answer()
        elif action in (SUPPLY, EXPORT) and parts == 3 and (period := _period_of(turn, data.part(1), data.part(2))):
            if action == SUPPLY:
                await _send_supply(turn, names, period)
            else:
                await send_workbook(turn, names, period)
            turn.answer(t("street.making") if action == EXPORT else None)
        elif action == LIST and parts == 2 and (page := data.ident(1, upper=10_000)) is not None:
            text, markup = await _provider_list(turn, names, page)
            turn.edit_trigger(text, markup)
        elif (
            action == PROVIDER
            and parts in (2, 3)
            and (provider_id := data.ident(1)) is not None
            and (page := data.ident(2, upper=10_000) if parts == 3 else 0) is not None
        ):
            await _show_provider(turn, names, provider_id, page)
        elif (
            action in (ADD, REMOVE)
            and parts == 3
            and (provider_id := data.ident(1)) is not None
            and (community_id := data.ident(2)) is not None
        ):
            await _move(turn, names, provider_id, community_id, action == ADD)
        else:
            turn.answer(t("common.stale_button"))
    except provider_moves.MoveRefused as refused:
        turn.answer(t(f"street.move_{refused.reason}"), alert=True)
