"""Webhook delivery: POST each pending update as JSON to the bot's webhook URL.

Like Telegram, updates go out over several connections at once (up to the webhook's max_connections), each
chat's in order (its next update only once the previous one was accepted), with the header
``X-Telegram-Bot-Api-Secret-Token`` when a secret was set. A non-2xx answer or a connection
error is recorded (``last_error_date``/``last_error_message`` in getWebhookInfo) and retried
with a short, capped backoff; the update stays pending until delivered or the webhook is
removed (``deleteWebhook``), after which the worker ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp

from sandbox.state import BotState, World, now

log = logging.getLogger(__name__)

_BACKOFF = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)


def ensure_worker(world: World, bot: BotState) -> None:
    if bot.webhook_task is None or bot.webhook_task.done():
        bot.webhook_task = asyncio.get_running_loop().create_task(_deliver_forever(world, bot))


async def stop_worker(bot: BotState) -> None:
    task, bot.webhook_task = bot.webhook_task, None
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _chat_of(update: dict[str, Any]) -> object:
    """Whose updates must arrive in order: the chat (or the person) the update is about."""
    for kind, body in update.items():
        if not isinstance(body, dict):
            continue
        message = body.get("message") if kind == "callback_query" else body
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return message["chat"].get("id")
        if isinstance(body.get("from"), dict):
            return body["from"].get("id")
    return None


async def _deliver_forever(world: World, bot: BotState) -> None:
    """Like Telegram: up to `max_connections` deliveries at once, but a chat's next update only after its previous
    one was accepted, so each chat's updates arrive in order. A failed delivery is retried after a backoff."""
    failures = 0
    in_flight: dict[int, asyncio.Task[str | None]] = {}  # id(update) → its POST
    while bot.webhook is not None and not world.closed:
        webhook = bot.webhook
        held: set[object] = set()  # chats with an update in flight or an earlier one still waiting
        for update in list(bot.pending):
            chat = _chat_of(update)
            key = id(update)
            if key not in in_flight and chat not in held and len(in_flight) < webhook.max_connections:
                in_flight[key] = asyncio.create_task(_post(world, webhook.url, webhook.secret_token, update))
            if chat is not None:
                held.add(chat)
        if not in_flight:
            await bot.updates_changed.wait_for(lambda: bool(bot.pending) or bot.webhook is None, 3600)
            continue
        waiting = len(bot.pending)  # a new update may be startable at once (another chat's)
        change = asyncio.create_task(
            bot.updates_changed.wait_for(lambda: len(bot.pending) != waiting or bot.webhook is not webhook, 3600)  # noqa: B023
        )
        done, _ = await asyncio.wait([*in_flight.values(), change], return_when=asyncio.FIRST_COMPLETED)
        change.cancel()
        failed = False
        for key, task in list(in_flight.items()):
            if task not in done:
                continue
            del in_flight[key]
            error = task.result()
            if error is None:
                failures = 0
                bot.pending[:] = [u for u in bot.pending if id(u) != key]
                world.stats.counters["webhook_deliveries"] += 1
                world.stats.counters["updates_delivered"] += 1
            else:
                failed = True
                world.stats.counters["webhook_failures"] += 1
                webhook.last_error_date, webhook.last_error_message = now(), error
        if failed:
            await asyncio.sleep(_BACKOFF[min(failures, len(_BACKOFF) - 1)])
            failures += 1
    for task in in_flight.values():
        task.cancel()


async def _post(world: World, url: str, secret: str | None, update: dict[str, object]) -> str | None:
    """Deliver one update; returns an error text like Telegram's, or None on success."""
    assert world.session is not None, "server not started"
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        async with world.session.post(
            url, data=json.dumps(update), headers=headers, timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            await response.read()
            if 200 <= response.status < 300:
                return None
            return f"Wrong response from the webhook: {response.status} {response.reason}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.debug("webhook delivery to %s failed: %r", url, exc)
        return f"Connection failed: {exc.__class__.__name__}"
