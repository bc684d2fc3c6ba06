"""Telegram handlers, one module per audience; `register` wires them in the order they must match."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import (
    announce,
    behalf_views,
    building,
    call_files,
    catalog_files,
    common,
    community,
    consent,
    export,
    family,
    hours,
    inbox,
    intake,
    my_requests,
    needs,
    on_behalf,
    poster,
    provider,
    registration,
    report,
    rounds,
    staff,
    stats,
    street,
    votes,
)
from handlers import intake_keyboards as ikb
from handlers import keyboards as kb
from handlers import provider_keyboards as pkb
from handlers import vote_views as views
from handlers.calls import calls_command, calls_pressed
from handlers.project_views import CL, PJ
from handlers.projects import pressed as projects_pressed
from handlers.projects import projects_command

COMMANDS = (
    "start",
    "help",
    "cancel",
    "language",
    "privacy",
    "mute",
    "duty",
    "stats",
    "invite",
    "announce",
    "needs",
    "report",
    "vote",
    "rounds",
    "building",
    "tasks",
    "export",
    "poster",
    "family",
    "behalf",
    "supply",
    "providers",
    "hours",
    "projects",
    "calls",
)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, inbox.in_group))
    app.add_handler(CommandHandler("start", common.start, filters=private))
    app.add_handler(CommandHandler("help", common.help_command, filters=private))
    app.add_handler(CommandHandler("cancel", common.cancel, filters=private))
    app.add_handler(CommandHandler("language", common.language, filters=private))
    app.add_handler(CommandHandler("privacy", consent.privacy, filters=private))
    app.add_handler(CommandHandler("duty", provider.duty, filters=private))
    app.add_handler(CommandHandler("tasks", provider.tasks_command, filters=private))
    app.add_handler(CommandHandler("stats", stats.stats_command, filters=private))
    app.add_handler(CommandHandler("invite", registration.invite_command, filters=private))
    app.add_handler(CommandHandler("announce", announce.announce_command, filters=private))
    app.add_handler(CommandHandler("mute", announce.mute_command, filters=private))
    app.add_handler(CommandHandler("building", building.building_command, filters=private))
    app.add_handler(CommandHandler("needs", needs.needs_command, filters=private))
    app.add_handler(CommandHandler("report", report.report_command, filters=private))
    app.add_handler(CommandHandler("vote", votes.vote_command, filters=private))
    app.add_handler(CommandHandler("rounds", rounds.rounds_command, filters=private))
    app.add_handler(CommandHandler("projects", projects_command, filters=private))
    app.add_handler(CommandHandler("calls", calls_command, filters=private))
    app.add_handler(CommandHandler("export", export.export_command, filters=private))
    app.add_handler(CommandHandler("poster", poster.poster_command, filters=private))
    app.add_handler(CommandHandler("family", family.family_command, filters=private))
    app.add_handler(CommandHandler("behalf", on_behalf.behalf_command, filters=private))
    app.add_handler(CommandHandler("supply", street.supply_command, filters=private))
    app.add_handler(CommandHandler("providers", street.providers_command, filters=private))
    app.add_handler(CommandHandler("hours", hours.hours_command, filters=private))
    app.add_handler(CallbackQueryHandler(common.language_chosen, pattern=rf"^{kb.LANG}:"))
    app.add_handler(CallbackQueryHandler(consent.consent_pressed, pattern=rf"^{kb.CONSENT}:"))
    app.add_handler(CallbackQueryHandler(consent.privacy_pressed, pattern=rf"^{kb.PRIVACY}:"))
    app.add_handler(CallbackQueryHandler(community.community_pressed, pattern=rf"^{kb.COMMUNITY}:"))
    app.add_handler(CallbackQueryHandler(intake.pressed, pattern=rf"^{ikb.INTAKE}:"))
    app.add_handler(CallbackQueryHandler(my_requests.request_pressed, pattern=rf"^{ikb.REQUEST}:"))
    app.add_handler(CallbackQueryHandler(my_requests.rating_pressed, pattern=rf"^{ikb.RATE}:"))
    app.add_handler(CallbackQueryHandler(staff.staff_pressed, pattern=r"^st:"))
    app.add_handler(CallbackQueryHandler(provider.task_pressed, pattern=rf"^{pkb.TASK}:"))
    app.add_handler(CallbackQueryHandler(registration.pressed, pattern=rf"^{registration.REG}:"))
    app.add_handler(CallbackQueryHandler(announce.pressed, pattern=rf"^{announce.ANNOUNCE}:"))
    app.add_handler(CallbackQueryHandler(report.pressed, pattern=rf"^{report.REPORT}:"))
    app.add_handler(CallbackQueryHandler(provider.supervise_pressed, pattern=rf"^{provider.SUPERVISE}:"))
    app.add_handler(CallbackQueryHandler(votes.vote_pressed, pattern=rf"^{views.VOTE}:"))
    app.add_handler(CallbackQueryHandler(rounds.round_pressed, pattern=rf"^{views.ROUND}:"))
    app.add_handler(CallbackQueryHandler(projects_pressed, pattern=rf"^{PJ}:"))
    app.add_handler(CallbackQueryHandler(calls_pressed, pattern=rf"^{CL}:"))
    app.add_handler(CallbackQueryHandler(export.pressed, pattern=rf"^{export.EXPORT}:"))
    app.add_handler(CallbackQueryHandler(catalog_files.pressed, pattern=rf"^{catalog_files.CATALOG}:"))
    app.add_handler(CallbackQueryHandler(street.pressed, pattern=rf"^{street.OFFICE}:"))
    app.add_handler(CallbackQueryHandler(hours.pressed, pattern=rf"^{hours.HOURS}:"))
    app.add_handler(CallbackQueryHandler(family.pressed, pattern=rf"^{behalf_views.FAMILY}:"))
    app.add_handler(CallbackQueryHandler(on_behalf.pressed, pattern=rf"^{behalf_views.BEHALF}:"))
    app.add_handler(CallbackQueryHandler(inbox.on_stale_button))
    app.add_handler(MessageHandler(private & filters.COMMAND, inbox.on_unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.UpdateType.EDITED, inbox.on_text))
    # A filled-in application form at the application step; any other file goes on to the catalogue import.
    app.add_handler(MessageHandler(catalog_files.FILES, call_files.document_received))
    app.add_handler(MessageHandler(private & ~filters.UpdateType.EDITED, inbox.on_other_message))
    app.add_error_handler(inbox.on_error)
