"""Webhook mode: Telegram POSTs each update to us; we store it, answer 200, and process it from the store.

The answer comes only after the update is in the database (`UpdateRunner.receive`), so an update Telegram
counts as delivered is never lost; an error before that answers 500 and Telegram delivers it again. Each
request must carry the secret token given to setWebhook (compared in constant time), so nobody else can
inject updates. Several worker processes can listen on one port (SO_REUSEPORT, the kernel spreads the
connections) or on ports of their own behind a reverse proxy; see bot/workers.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError

from bot.updates import UpdateRunner

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1 << 20  # Telegram's updates are small; a bigger body is not from Telegram


@dataclass(frozen=True)
class WebhookOptions:
    url: str  # the public HTTPS address Telegram posts to (the reverse proxy's)
    host: str = "127.0.0.1"
    port: int = 8443
    secret: str = ""  # empty: derived from the bot token, the same in every worker
    reuse_port: bool = False  # several workers on one port
    shared: bool = False  # other workers receive updates too: keep each chat's order across them
    max_connections: int = 40

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


def derived_secret(token: str) -> str:
    """A secret every worker computes alike from the token (Telegram allows A-Z, a-z, 0-9, _ and -)."""
    return hmac.new(token.encode(), b"sanshe-webhook", hashlib.sha256).hexdigest()


class WebhookServer:
    def __init__(self, bot: Any, runner: UpdateRunner, options: WebhookOptions, secret: str) -> None:
        self._bot = bot
        self._runner = runner
        self._options = options
        self._secret = secret.encode()
        self._site_runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(self._options.path, self._receive)
        self._site_runner = web.AppRunner(app, access_log=None)
        await self._site_runner.setup()
        site = web.TCPSite(
            self._site_runner, self._options.host, self._options.port, reuse_port=self._options.reuse_port or None
        )
        await site.start()
        await self.register()

    async def register(self) -> None:
        """Tell Telegram where to post; the same call from every worker, so doing it twice does no harm."""
        try:
            await self._bot.set_webhook(
                self._options.url,
                secret_token=self._secret.decode(),
                allowed_updates=Update.ALL_TYPES,
                max_connections=self._options.max_connections,
            )
        except TelegramError as exc:  # the updates wait at Telegram; the operator sees why
            log.error("setWebhook to %s failed: %s", self._options.url, exc)
            raise

    async def stop(self) -> None:
        """Stop accepting; the webhook stays set, so Telegram keeps the updates until a worker is back."""
        runner, self._site_runner = self._site_runner, None
        if runner is not None:
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request without the right secret from %s refused", request.remote)
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self._bot) if isinstance(data, dict) else None
        except Exception as exc:  # any body that is not an update; Telegram's never are
            log.warning("webhook body is not an update: %r", exc)
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        try:
            await self._runner.receive([update])
        except Exception:  # not stored: Telegram must deliver it again
            log.exception("could not store update %s", update.update_id)
            return web.Response(status=500)
        return web.Response(status=200)
