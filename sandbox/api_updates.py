"""Bot API methods about the bot itself and getting updates.

getMe, getUpdates (real long polling), setWebhook / deleteWebhook / getWebhookInfo,
set/get/deleteMyCommands (stored per scope + language_code), set/getMyDescription,
set/getMyShortDescription, set/getMyName, close, logOut.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox import webhook
from sandbox.errors import WEBHOOK_CONFLICT, bad_request
from sandbox.methods import Call, method
from sandbox.state import DEFAULT_UPDATE_TYPES, Webhook

_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_MAX_POLL_SECONDS = 50.0


@method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    return {
        **call.bot.user_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _set_allowed_updates(call: Call) -> None:
    allowed = call.params.get_json("allowed_updates")
    if allowed is not None:
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        # Telegram persists the choice; [] means "back to the default set".
        call.bot.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES


@method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    bot, params = call.bot, call.params
    if bot.webhook is not None:
        raise WEBHOOK_CONFLICT
    limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
    timeout = min(max(params.get_float("timeout", 0.0) or 0.0, 0.0), _MAX_POLL_SECONDS)
    _set_allowed_updates(call)
    bot.confirm(params.get_int("offset", 0) or 0)
    await bot.updates_changed.wait_for(lambda: bool(bot.pending) or bot.webhook is not None, timeout)
    if bot.webhook is not None:
        raise WEBHOOK_CONFLICT
    result = bot.pending[:limit]
    fresh = [u for u in result if u["update_id"] > bot.last_delivered_id]
    if fresh:
        call.world.stats.counters["updates_delivered"] += len(fresh)
        bot.last_delivered_id = fresh[-1]["update_id"]
    return result


@method("setWebhook")
async def set_webhook(call: Call) -> bool:
    params, bot = call.params, call.bot
    url = params.get_str("url", "") or ""
    if not url:
        await _remove_webhook(call)
        return True
    if not url.startswith(("http://", "https://")):
        # Telegram insists on HTTPS; the sandbox also allows plain HTTP for local bots.
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get_str("secret_token")
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    _set_allowed_updates(call)
    if params.get_bool("drop_pending_updates"):
        bot.pending.clear()
    bot.webhook = Webhook(url=url, secret_token=secret, max_connections=params.get_int("max_connections", 40) or 40)
    webhook.ensure_worker(call.world, bot)
    bot.updates_changed.notify()
    return True


async def _remove_webhook(call: Call) -> None:
    call.bot.webhook = None
    if call.params.get_bool("drop_pending_updates"):
        call.bot.pending.clear()
    call.bot.updates_changed.notify()
    await webhook.stop_worker(call.bot)


@method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    await _remove_webhook(call)
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    bot = call.bot
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.pending),
    }
    if bot.webhook is not None:
        info["url"] = bot.webhook.url
        info["max_connections"] = bot.webhook.max_connections
        if bot.allowed_updates != DEFAULT_UPDATE_TYPES:
            info["allowed_updates"] = sorted(bot.allowed_updates)
        if bot.webhook.last_error_date is not None:
            info["last_error_date"] = bot.webhook.last_error_date
            info["last_error_message"] = bot.webhook.last_error_message
    return info


def _command_key(call: Call) -> tuple[str, str]:
    scope = call.params.get_json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), call.params.get_str("language_code", "") or ""


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = call.params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    cleaned: list[dict[str, Any]] = []
    for entry in commands:
        if not isinstance(entry, dict) or not _COMMAND_RE.fullmatch(str(entry.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = str(entry.get("description", ""))
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": entry["command"], "description": description})
    key = _command_key(call)
    if cleaned:
        call.bot.commands[key] = cleaned
    else:
        call.bot.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, Any]]:
    return call.bot.commands.get(_command_key(call), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_command_key(call), None)
    return True


def _text_setting(call: Call, field: str, max_len: int) -> bool:
    value = call.params.get_str(field, "") or ""
    if len(value) > max_len:
        raise bad_request(f"{field} is too long")
    key = (field, call.params.get_str("language_code", "") or "")
    if value:
        call.bot.texts[key] = value
    else:
        call.bot.texts.pop(key, None)
    return True


@method("setMyDescription")
async def set_my_description(call: Call) -> bool:
    return _text_setting(call, "description", 512)


@method("setMyShortDescription")
async def set_my_short_description(call: Call) -> bool:
    return _text_setting(call, "short_description", 120)


@method("setMyName")
async def set_my_name(call: Call) -> bool:
    return _text_setting(call, "name", 64)


def _get_text(call: Call, field: str) -> dict[str, str]:
    lang = call.params.get_str("language_code", "") or ""
    value = call.bot.texts.get((field, lang), call.bot.texts.get((field, ""), ""))
    return {field: value}


@method("getMyDescription")
async def get_my_description(call: Call) -> dict[str, str]:
    return _get_text(call, "description")


@method("getMyShortDescription")
async def get_my_short_description(call: Call) -> dict[str, str]:
    return _get_text(call, "short_description")


@method("getMyName")
async def get_my_name(call: Call) -> dict[str, str]:
    value = _get_text(call, "name")
    return value if value["name"] else {"name": "Sanshe"}


@method("close", "logOut")
async def close_or_log_out(call: Call) -> bool:
    return True
