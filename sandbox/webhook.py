"""Webhook delivery: POST each pending update as JSON to the bot's webhook URL.

Like Telegram, updates are delivered one at a time in order, with the header
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


async def _deliver_forever(world: World, bot: BotState) -> None:
    failures = 0
    while bot.webhook is not None and not world.notifier.closed:
        if not bot.pending:
            await world.notifier.wait_for(lambda: bool(bot.pending) or bot.webhook is None, 3600)
            continue
        webhook, update = bot.webhook, bot.pending[0]
        error = await _post(world, webhook.url, webhook.secret_token, update)
        if bot.webhook is not webhook:
            continue  # reconfigured meanwhile; start over with the new settings
        if error is None:
            failures = 0
            if bot.pending and bot.pending[0] is update:
                bot.pending.pop(0)
            world.stats.counters["webhook_deliveries"] += 1
            world.stats.counters["updates_delivered"] += 1
            world.notifier.notify()
            continue
        world.stats.counters["webhook_failures"] += 1
        webhook.last_error_date, webhook.last_error_message = now(), error
        await asyncio.sleep(_BACKOFF[min(failures, len(_BACKOFF) - 1)])
        failures += 1


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
