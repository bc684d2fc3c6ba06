"""Webhook mode: Telegram (the sandbox) posts updates to the bot's own HTTP server; the bot stores each one
before it answers, checks the secret token, and one or two workers on one database keep every chat in order."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx

from bot.app import load_i18n, running_bot
from bot.webhook import SECRET_HEADER, WebhookOptions, derived_secret
from sandbox import SandboxClient, SandboxServer
from storage.db import Database
from storage.records import QueuedUpdate, utc_now
from tests.conftest import BOT_TOKEN, make_settings
from tests.flows.test_onboarding_flow import onboard


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_resident_is_answered_through_the_webhook_and_forged_posts_are_refused(
    city: tuple[SandboxServer, SandboxClient, Path],
) -> None:
    server, client, db_path = city
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    settings = make_settings(server, db_path)
    db = await Database.open(settings.database_url)
    try:
        async with running_bot(settings, db, load_i18n(settings), BOT_TOKEN, webhook=WebhookOptions(url, port=port)):
            user = await client.user()
            await onboard(user)
            await user.send_text("家里老人需要送饭")
            (offer,) = await user.wait_for_messages()
            assert offer.text.startswith("这些服务可能适合您")

            forged = {"update_id": 10**9, "message": {"message_id": 1, "date": 0, "text": "/start",
                      "chat": {"id": user.id, "type": "private"},
                      "from": {"id": user.id, "is_bot": False, "first_name": "x"}}}  # fmt: skip
            async with httpx.AsyncClient() as http:
                no_secret = await http.post(url, json=forged)
                wrong = await http.post(url, json=forged, headers={SECRET_HEADER: "guess"})
                garbage = await http.post(url, content=b"{not json", headers={SECRET_HEADER: derived_secret(BOT_TOKEN)})
            assert (no_secret.status_code, wrong.status_code, garbage.status_code) == (403, 403, 400)
            await user.expect_silence(0.5)  # the forged /start did nothing
    finally:
        await db.close()


@asynccontextmanager
async def two_workers(city: tuple[SandboxServer, SandboxClient, Path], **overrides: object) -> AsyncIterator[Database]:
    """Two webhook workers of one bot on one port and one database, as `sanshe run --workers 2` starts them (here in
    one process); yields the first worker's database."""
    server, _, db_path = city
    port = _free_port()
    settings = make_settings(server, db_path, **overrides)
    options = WebhookOptions(f"http://127.0.0.1:{port}/telegram", port=port, reuse_port=True, shared=True)
    first, second = await Database.open(settings.database_url), await Database.open(settings.database_url)
    i18n = load_i18n(settings)
    try:
        async with (
            running_bot(settings, first, i18n, BOT_TOKEN, webhook=options),
            running_bot(settings, second, i18n, BOT_TOKEN, webhook=options),
        ):
            yield first
    finally:
        await first.close()
        await second.close()


async def test_two_workers_on_one_port_keep_each_chat_in_order(
    city: tuple[SandboxServer, SandboxClient, Path],
) -> None:
    client = city[1]
    async with two_workers(city):
        users = [await client.user() for _ in range(3)]
        for user in users:
            await onboard(user)
        for user in users:
            await user.send_text("家里老人需要送饭")
        for user in users:
            (offer,) = await user.wait_for_messages()
            assert offer.text.startswith("这些服务可能适合您")


async def test_a_chats_update_waits_for_an_earlier_one_a_dead_worker_left_behind(
    city: tuple[SandboxServer, SandboxClient, Path],
) -> None:
    server, client, _ = city
    async with two_workers(city, outbox_lease_seconds=1) as first:
        user = await client.user()
        await onboard(user)
        # A worker received "/help" from this person, stored it and died before its turn: its lease runs out
        # in a second. The person's next message, arriving meanwhile at a live worker, must wait for it.
        earlier = next(server.world.primary._update_ids)
        help_update = {"update_id": earlier, "message": {
            "message_id": 10**6, "date": 0, "text": "/help", "entities": [{"type": "bot_command", "offset": 0,
            "length": 5}], "chat": {"id": user.id, "type": "private"},
            "from": {"id": user.id, "is_bot": False, "first_name": "张三"}}}  # fmt: skip
        async with first.transaction() as tx:
            stored = QueuedUpdate(earlier, user.id, json.dumps(help_update))
            await tx.update_queue.keep([stored], utc_now(), "dead-worker", utc_now() + timedelta(seconds=1))
        await user.send_text("家里老人需要送饭")
        help_text, offer = await user.wait_for_messages(2, timeout=15)
        assert not help_text.text.startswith("这些服务可能适合您")
        assert offer.text.startswith("这些服务可能适合您")
