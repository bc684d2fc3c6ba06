"""/needs for community staff: open needs by category, with how long the oldest has been waiting."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.i18n import Translator
from core.catalog.categories import category_by_code
from core.needs_book import OPEN, UNMATCHED, open_groups
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler

LOOK_BACK = timedelta(days=365)


def _age(t: Translator, wait: timedelta) -> str:
    hours = int(wait.total_seconds() // 3600)
    if hours >= 24:
        return t.plural("needs.age_days_n", hours // 24, n=hours // 24)
    return t("needs.age_hours", n=max(hours, 0))


def category_label(t: Translator, code: str) -> str:
    if code == UNMATCHED:
        return t("needs.unmatched")
    category = category_by_code(code)
    return category.zh if t.locale.startswith("zh") else category.en


@turn_handler
async def needs_command(update: Update, context: SansheContext, turn: Turn) -> None:
    t = turn.t
    community_id = await turn.tx.users.role_community(turn.user.telegram_id, "staff") if turn.user else None
    if community_id is None:
        turn.say(t("needs.not_allowed"))
        return
    community = await turn.tx.communities.get(community_id)
    # Stored times have whole seconds: reach one second past now so that a need filed this second counts.
    counts = await turn.tx.reports.need_counts(
        community_id, sorted(OPEN), turn.now - LOOK_BACK, turn.now + timedelta(seconds=1)
    )
    groups = open_groups(counts, turn.now)
    if not groups:
        turn.say(t("needs.none"))
        return
    lines = [t("needs.title", community=community.name if community else "", count=sum(g.count for g in groups))]
    lines += [
        t("needs.line", category=category_label(t, g.category), count=g.count, age=_age(t, g.oldest_wait))
        for g in groups
    ]
    lines.append(t("needs.export_hint"))
    turn.say("\n".join(lines))
