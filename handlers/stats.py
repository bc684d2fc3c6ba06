"""/stats [days]: response, resolution and satisfaction — for staff, of their community (by organisation
and by provider); for a provider, their own. Anyone else is refused."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.i18n import Translator
from core import stats
from handlers import callback_data, street
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler

DEFAULT_DAYS = 30
MAX_DAYS = 366


def _line(t: Translator, f: stats.Figures) -> str:
    def pct(value: float | None) -> str:
        return t.percent(value) if value is not None else t("stats.na")

    def minutes(value: float | None) -> str:
        return t.number(round(value, 1)) if value is not None else t("stats.na")

    satisfaction = t.number(round(f.satisfaction, 1)) if f.satisfaction is not None else t("stats.na")
    return t(
        "stats.line", name=f.name, offers=f.offers, response=pct(f.response_rate), accepted=f.accepted,
        resolution=pct(f.resolution_rate), satisfaction=satisfaction,
        to_accept=minutes(f.median_minutes_to_accept), to_done=minutes(f.median_minutes_to_done),
    )  # fmt: skip


@turn_handler
async def stats_command(update: Update, context: SansheContext, turn: Turn) -> None:
    t, user = turn.t, turn.user
    args = context.args or []
    if len(args) > 1 or (args and (callback_data.ident(args[0]) or 0) not in range(1, MAX_DAYS + 1)):
        turn.say(t("stats.bad_days", max=MAX_DAYS))
        return
    days = int(args[0]) if args else DEFAULT_DAYS
    office = await street.office(turn)
    if office:  # a street office (街道/区): every community it steers, per community and in total …
        await street.stats_for_office(turn, office, days)
    # … and, when the same person is also staff or a provider, their own view as well (a second message).
    since, until = turn.now - timedelta(days=days), turn.now
    limit = turn.services.accept_limit
    community_id = await turn.tx.users.role_community(user.telegram_id, "staff") if user else None
    provider = await turn.tx.providers.get(user.telegram_id) if user else None
    if community_id is not None:
        community = await turn.tx.communities.get(community_id)
        facts = await turn.tx.providers.offer_facts(since, until, community_id)
        scope = community.name if community else ""
        sections = [
            t("stats.section_community"), *(_line(t, f) for f in stats.by_community(facts, limit)),
            t("stats.section_organizations"),
            *(_line(t, f) for f in stats.by_organization(facts, limit, t("stats.no_organization"))),
            t("stats.section_providers"), *(_line(t, f) for f in stats.by_provider(facts, limit)),
        ]  # fmt: skip
    elif provider is not None:
        facts = await turn.tx.providers.offer_facts(since, until, provider_id=provider.telegram_id)
        scope = provider.display_name
        sections = [_line(t, f) for f in stats.by_provider(facts, limit)]
    else:
        if not office:
            turn.say(t("stats.not_allowed"))
        return
    title = t.plural("stats.title_n", days, scope=scope, days=days, since=t.date(since), until=t.date(until))
    body = "\n".join(sections) if facts else t("stats.none")
    turn.say(f"{title}\n\n{body}\n\n{t('stats.legend')}")
