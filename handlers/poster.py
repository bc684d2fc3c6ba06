"""/poster for community staff: an A4 poster for the notice board (PNG and PDF) whose QR code opens the bot with
their community already chosen (core.joining), and the link itself to share. Only staff get their own community's
poster; anyone else is told it is for staff. The page is drawn after the commit, in a worker thread (bot.poster).
"""

from __future__ import annotations

from telegram import Update

from bot.poster import Poster, render_poster
from core import broadcast, joining
from core.exports import default_file_name
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler

# Printed for the community's residents: in the city's language, like the needs book and the service directory.
PRINT_LOCALE = "zh_CN"
LINES = ("poster.line_1", "poster.line_2", "poster.line_3")


@turn_handler
async def poster_command(update: Update, context: SansheContext, turn: Turn) -> None:
    t = turn.t
    try:
        community_id = await turn.staff_community()
    except broadcast.NotAllowed:
        turn.say(t("poster.not_allowed"))
        return
    community = await turn.tx.communities.get(community_id)
    assert community is not None  # a staff role's community is kept by the foreign key
    code = await joining.code_for(turn.tx, community.id, turn.now)
    link = joining.link(context.bot.username, code)
    words = turn.services.i18n.translator(PRINT_LOCALE)
    poster = Poster(
        community=community.name, title=words("poster.title"), subtitle=words("poster.subtitle"),
        lines=tuple(words(key) for key in LINES), scan_hint=words("poster.scan_hint"), link=link,
        footer=words("poster.footer"),
    )  # fmt: skip
    stem = (community.name, words("poster.file_name"))
    turn.document(lambda: render_poster(poster, "png"), default_file_name(*stem, fmt="png"),
                  t("poster.caption_png", community=community.name, link=link))  # fmt: skip
    turn.document(lambda: render_poster(poster, "pdf"), default_file_name(*stem, fmt="pdf"), t("poster.caption_pdf"))
