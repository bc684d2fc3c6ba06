"""How a street office's figures read in the chat (handlers.street): one line per community, the total first,
the unmet needs, a shortage, a provider's load. Long lists are cut (the Excel file has everything)."""

from __future__ import annotations

from bot.i18n import Translator
from core.needs_book import UNMATCHED
from core.provider_moves import ProviderSummary
from core.street_stats import CommunityFigures, StreetFigures
from core.supply_demand import Cell
from handlers.needs import category_label

MAX_LINES = 12  # per section: a Telegram message holds 4,096 characters, a community line ~150
MAX_SHORT = 3  # communities per provider in the list (ten providers a page)


def category_text(t: Translator, category: str | None) -> str:
    return category_label(t, category or UNMATCHED)


def _pct(t: Translator, value: float | None) -> str:
    return t.percent(value) if value is not None else t("stats.na")


def _num(t: Translator, value: float | None) -> str:
    return t.number(round(value, 1)) if value is not None else t("stats.na")


def community_line(t: Translator, f: CommunityFigures) -> str:
    return t(
        "street.line", name=f.name, filed=t.number(f.filed), resolved=t.number(f.resolved), unmet=t.number(f.unmet),
        offers=t.number(f.offers), response=_pct(t, f.response_rate), resolution=_pct(t, f.resolution_rate),
        satisfaction=_num(t, f.satisfaction), accept_median=_num(t, f.median_to_accept),
        accept_p90=_num(t, f.p90_to_accept), done_median=_num(t, f.median_to_done), done_p90=_num(t, f.p90_to_done),
    )  # fmt: skip


def _cut(t: Translator, lines: list[str], total: int) -> list[str]:
    if total > len(lines):
        return [*lines, t.plural("street.more_n", total - len(lines), n=t.number(total - len(lines)))]
    return lines


def figure_lines(t: Translator, figures: StreetFigures) -> list[str]:
    lines = [t("street.section_total"), community_line(t, figures.total), t("street.section_communities")]
    lines += _cut(t, [community_line(t, f) for f in figures.communities[:MAX_LINES]], len(figures.communities))
    lines.append(t("street.section_unmet"))
    unmet = [
        t("street.unmet_line", name=u.name, category=category_text(t, u.category), unmet=t.number(u.unmet),
          filed=t.number(u.filed))
        for u in figures.unmet[:MAX_LINES]
    ]  # fmt: skip
    lines += _cut(t, unmet, len(figures.unmet)) if unmet else [t("street.unmet_none")]
    return lines


def shortage_line(t: Translator, cell: Cell) -> str:
    if cell.category is None:
        return t("street.shortage_unmatched", name=cell.name, unmet=t.number(cell.unmet), filed=t.number(cell.filed))
    return t(
        "street.shortage_line", name=cell.name, category=category_text(t, cell.category), filed=t.number(cell.filed),
        unmet=t.number(cell.unmet), services=t.number(cell.services), providers=t.number(cell.providers),
    )  # fmt: skip


def provider_text(t: Translator, summary: ProviderSummary, short: bool) -> str:
    """A provider's load; at most MAX_SHORT (list) or MAX_LINES (view) communities, the rest counted."""
    name = t("street.provider_with_org", name=summary.name, organization=summary.organization) if summary.organization \
        else summary.name  # fmt: skip
    duty = "" if summary.on_duty else t("street.off_duty")
    shown = summary.communities[: MAX_SHORT if short else MAX_LINES]
    parts = [
        t("street.load_serves" if c.serves else "street.load_former", community=c.name,
          open=t.number(c.open_tasks), done=t.number(c.done_recently))
        for c in shown
    ]  # fmt: skip
    parts = _cut(t, parts, len(summary.communities))
    if short:
        return t("street.provider_short", name=name, duty=duty, loads=t("street.loads_separator").join(parts),
                 total=t.number(summary.open_total))  # fmt: skip
    return t("street.provider_long", name=name, duty=duty, loads="\n".join(f"• {p}" for p in parts),
             total=t.number(summary.open_total))  # fmt: skip
