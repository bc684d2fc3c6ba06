"""Composition root: build the python-telegram-bot Application with our typed context and services."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

import handlers
from bot.broadcast_progress import BroadcastProgress
from bot.channel_bot import ChannelBot
from bot.config import Settings
from bot.i18n import I18n
from bot.outbox import OutboxSender
from bot.outbox.lease import new_owner
from bot.periodic import Pruner
from bot.polling import Polling
from bot.timers import TimerLoop
from bot.updates import UpdateRunner
from bot.webhook import WebhookOptions, WebhookServer, derived_secret
from channels.wechat.channel import WeChatChannel
from core.matching.encoder import preload_encoder
from core.timeouts import TimeLimits
from handlers import menus
from handlers.context import BotData, SansheContext, Services
from storage.db import Database
from storage.records import utc_now

log = logging.getLogger(__name__)
# Telegram keeps an unconfirmed update for at most 24 hours, so older update ids need not be remembered.
UPDATE_MEMORY = timedelta(days=2)
SansheApp = Application[Any, SansheContext, dict[Any, Any], dict[Any, Any], BotData, Any]


def load_i18n(settings: Settings) -> I18n:
    return I18n.load(settings.locales_dir, settings.default_locale, settings.tz)


def time_limits(settings: Settings) -> TimeLimits:
    return TimeLimits(
        accept=timedelta(minutes=settings.accept_timeout_minutes),
        urgent_accept=timedelta(minutes=settings.urgent_accept_timeout_minutes),
        by_category={k: timedelta(minutes=v) for k, v in settings.category_accept_minutes.items()},
        stall=timedelta(hours=settings.stall_hours),
        top_k=settings.dispatch_top_k,
    )


def build_application(settings: Settings, db: Database, i18n: I18n, token: str) -> SansheApp:
    context_types = ContextTypes(context=SansheContext, bot_data=BotData)
    # The bot of every channel (bot/channel_bot.py); its connection pools are PTB's defaults for an Application.
    bot = ChannelBot(
        token, base_url=settings.api_base_url, base_file_url=settings.file_base_url,
        request=HTTPXRequest(connection_pool_size=256), get_updates_request=HTTPXRequest(connection_pool_size=1),
    )  # fmt: skip
    app: SansheApp = (
        ApplicationBuilder()
        .bot(bot)
        .updater(None)  # bot.polling confirms an update only after its turn committed
        .context_types(context_types)
        .build()
    )
    app.bot_data.services = Services(
        db=db,
        i18n=i18n,
        admin_ids=frozenset(settings.admin_ids),
        max_message_chars=settings.max_message_chars,
        dispatch_top_k=settings.dispatch_top_k,
        accept_limit=timedelta(minutes=settings.accept_timeout_minutes),
        outbox_lease=timedelta(seconds=settings.outbox_lease_seconds),
    )
    handlers.register(app)
    return app


async def announce_commands(app: SansheApp) -> None:
    """The default command menu (the resident's commands) in each language Telegram may show; providers' and staff
    members' own menus are set by handlers.menus (`sync_all` at start-up, then after the turns that change them)."""
    services = app.bot_data.services
    assert services is not None
    await menus.announce_default(services, app.bot)


async def _sync_menus(services: Services, bot: Any) -> None:
    try:
        await menus.sync_all(services, bot)
    except Exception:  # cosmetic: each menu is compared again at the person's next /start or /help
        log.exception("could not bring the command menus up to date")


def open_wechat(settings: Settings, db: Database, i18n: I18n, *, reuse_port: bool = False) -> WeChatChannel | None:
    if not settings.wechat_enabled:
        return None
    missing = settings.wechat_missing()
    if missing:
        raise ValueError("the WeChat channel needs " + ", ".join(missing))
    return WeChatChannel(settings, db, i18n, utc_now, reuse_port=reuse_port)


def update_runner(app: SansheApp, db: Database, settings: Settings, *, shared: bool = False) -> UpdateRunner:
    def parse(payload: str) -> Update:
        update = Update.de_json(json.loads(payload), app.bot)
        assert update is not None
        return update

    lease = timedelta(seconds=settings.outbox_lease_seconds)
    return UpdateRunner(
        db, app.process_update, parse, utc_now, owner=new_owner(), lease=lease, limit=settings.concurrent_updates,
        shared=shared,
    )  # fmt: skip


@asynccontextmanager
async def running_bot(
    settings: Settings,
    db: Database,
    i18n: I18n,
    token: str,
    *,
    poll_timeout: int = 10,
    webhook: WebhookOptions | None = None,
) -> AsyncIterator[SansheApp]:
    """Start long polling (or the webhook server) inside the caller's event loop; stop cleanly on exit."""
    app = build_application(settings, db, i18n, token)
    # The sentence encoder takes a second or two to load: begin now, so the first resident does not wait.
    preload_encoder()
    async with app:
        # post_init only runs under run_polling(); we own the loop, so announce the menu ourselves.
        await announce_commands(app)
        async with db.transaction() as tx:
            await tx.outbox.forget_updates_before(utc_now() - UPDATE_MEMORY)
        await app.start()
        services = app.bot_data.services
        assert services is not None
        sender = OutboxSender(
            db, app.bot, per_second=settings.send_per_second, owner=services.outbox_owner,
            lease=services.outbox_lease, batch=max(100, int(settings.send_per_second)),
        )  # fmt: skip
        services.wake_outbox = sender.wake
        services.send_slot = sender.slot
        wechat = open_wechat(settings, db, i18n, reuse_port=webhook is not None and webhook.reuse_port)
        app.bot_data.wechat = wechat
        if wechat is not None:  # before anything is sent: a WeChat person's messages go through it
            assert isinstance(app.bot, ChannelBot)
            app.bot.use_wechat(wechat.outlet)
        await sender.start()
        menu_sync = asyncio.create_task(_sync_menus(services, app.bot))  # in the background: may be many chats
        timers = TimerLoop(db, services, app.bot, time_limits(settings), settings.timer_interval_seconds, utc_now)
        await timers.start()
        progress = BroadcastProgress(db, services, app.bot)
        await progress.start()
        pruner = Pruner(db, settings, utc_now)  # the outbox and the update ids, in small batches
        await pruner.start()
        shared = webhook is not None and webhook.shared
        services.cross_worker_order = shared
        runner = update_runner(app, db, settings, shared=shared)
        await runner.start()
        receiver: Polling | WebhookServer
        if webhook is None:
            receiver = Polling(app, runner, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
            await receiver.start()
        else:
            receiver = WebhookServer(app.bot, runner, webhook, webhook.secret or derived_secret(token))
            await receiver.start()
        if wechat is not None:
            assert isinstance(app.bot, ChannelBot)
            await wechat.serve(runner, app.bot)
        try:
            yield app
        finally:
            if wechat is not None:
                await wechat.stop_listening()  # WeChat calls again later; the messages wait there
            menu_sync.cancel()
            await asyncio.wait([menu_sync])  # it has let go of the database before the caller closes it
            await receiver.stop()
            await runner.stop()  # the turns already stored and started are finished
            await timers.stop()
            await progress.stop()
            await pruner.stop()
            await sender.stop()  # lets the sends in flight be recorded, starts none
            if wechat is not None:
                await wechat.close()
            await app.stop()
