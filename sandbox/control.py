"""Control API: JSON over HTTP under ``/sandbox`` to drive simulated users and inspect state.

All routes take an optional ``?bot_id=<id>`` (default: the primary bot, i.e. the first bot
token that called the Bot API). Errors are ``{"ok": false, "error": "<readable text>"}`` with
status 400 (bad input), 404 (unknown user/message/button) or 409 (state forbids it).

======  ==============================================  =============================================
GET     /sandbox                                        server info (bot, users, rate-limit switch,
                                                        latency)
GET     /sandbox/bot                                    bot id/username, commands, texts, webhook
POST    /sandbox/users                                  create or get a user: {id?, first_name,
                                                        last_name?, username?, language_code?,
                                                        phone_number?} -> user JSON
GET     /sandbox/users/{uid}                            user JSON + {blocked}
POST    /sandbox/users/{uid}/messages                   the user sends one of {text} / {contact:
                                                        {phone_number, own}} / {location: {latitude,
                                                        longitude}} / {photo: {caption?}} / {voice:
                                                        {duration}} / {sticker: {emoji}}
                                                        -> {message_id, update_id}
GET     /sandbox/users/{uid}/messages                   bot messages with id > ``after`` (default 0);
                                                        long-polls up to ``timeout`` s until at least
                                                        ``min_count`` exist -> {messages: [...]}
GET     /sandbox/users/{uid}/messages/{mid}             one bot message; long-polls up to ``timeout``
                                                        until ``edits >= min_edits`` -> {message,
                                                        timed_out}
POST    /sandbox/users/{uid}/callback-queries           press an inline button {button, message_id?,
                                                        timeout?=3} -> {callback_query_id, message_id,
                                                        data, answer: {text, show_alert, url} | null}
POST    /sandbox/users/{uid}/reply-keyboard-presses     tap a reply-keyboard button {text, latitude?,
                                                        longitude?} -> {message_id, update_id}
PUT     /sandbox/users/{uid}/blocked                    {blocked: bool} -> {blocked}
GET     /sandbox/users/{uid}/chat-actions               {actions: ["typing", ...]}
PUT     /sandbox/rate-limits                            {enforce: bool, limits?: {global_per_s,
                                                        per_chat_per_s, per_group_per_min,
                                                        per_chat_burst}}
PUT     /sandbox/latency                                {latency_ms: number} round trip added to
                                                        every Bot API request from now on
GET     /sandbox/stats                                  request counts per method, http_4xx, ...
======  ==============================================  =============================================
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.bot_api import WORLD_KEY
from sandbox.ratelimit import RateLimits
from sandbox.simulate import (
    ControlError,
    create_user,
    message_view,
    press_inline,
    press_reply,
    send,
    set_blocked,
)
from sandbox.state import BotState, SimUserRecord, World

_MAX_WAIT = 60.0
Route = Callable[[web.Request], Awaitable[dict[str, Any]]]


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        try:
            return web.json_response(await route(request))
        except ControlError as error:
            return web.json_response({"ok": False, "error": error.message}, status=error.status)
        except (KeyError, TypeError, ValueError) as error:
            return web.json_response({"ok": False, "error": f"bad request: {error!r}"}, status=400)

    return handler


def _world(request: web.Request) -> World:
    return request.app[WORLD_KEY]


def _bot(request: web.Request) -> BotState:
    world = _world(request)
    bot_id = request.query.get("bot_id")
    if bot_id is None:
        return world.primary
    if int(bot_id) not in world.bots:
        raise ControlError(404, f"no bot {bot_id} has called the Bot API")
    return world.bots[int(bot_id)]


def _user(request: web.Request) -> SimUserRecord:
    user = _world(request).users.get(int(request.match_info["uid"]))
    if user is None:
        raise ControlError(404, f"no simulated user {request.match_info['uid']}; POST /sandbox/users first")
    return user


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError as exc:
        raise ControlError(400, "body must be JSON") from exc
    if not isinstance(body, dict):
        raise ControlError(400, "body must be a JSON object")
    return body


def _timeout(request: web.Request, body: dict[str, Any] | None = None) -> float:
    raw = (body or {}).get("timeout", request.query.get("timeout", 0))
    return min(max(float(raw), 0.0), _MAX_WAIT)


async def info(request: web.Request) -> dict[str, Any]:
    world = _world(request)
    return {
        "ok": True,
        "bot_id": world.primary.bot_id,
        "bot_username": world.bot_username,
        "bots": sorted(world.bots),
        "users": len(world.users),
        "enforce_rate_limits": world.enforce_rate_limits,
        "latency_ms": world.latency_ms,
    }


async def bot_info(request: web.Request) -> dict[str, Any]:
    bot = _bot(request)
    commands = [
        {"scope": json.loads(scope), "language_code": lang, "commands": cmds}
        for (scope, lang), cmds in bot.commands.items()
    ]
    texts = [{"field": field, "language_code": lang, "value": value} for (field, lang), value in bot.texts.items()]
    return {
        "ok": True,
        "id": bot.bot_id,
        "username": _world(request).bot_username,
        "commands": commands,
        "texts": texts,
        "webhook_url": bot.webhook.url if bot.webhook else None,
        "pending_updates": len(bot.pending),
    }


async def post_user(request: web.Request) -> dict[str, Any]:
    user = create_user(_world(request), await _body(request))
    return {"ok": True, "user": user.user_json(), "phone_number": user.phone_number}


async def get_user(request: web.Request) -> dict[str, Any]:
    user = _user(request)
    chat = _bot(request).chats.get(user.id)
    return {
        "ok": True,
        "user": user.user_json(),
        "phone_number": user.phone_number,
        "blocked": bool(chat and chat.blocked),
    }


async def post_message(request: web.Request) -> dict[str, Any]:
    result = send(_world(request), _bot(request), _user(request), await _body(request))
    return {"ok": True, **result}


async def get_messages(request: web.Request) -> dict[str, Any]:
    bot, user = _bot(request), _user(request)
    after = int(request.query.get("after", 0))
    min_count = int(request.query.get("min_count", 0))

    def fresh() -> list[Any]:
        chat = bot.chats.get(user.id)
        return [m for m in chat.bot_messages() if m.message_id > after] if chat else []

    await bot.chat_notifier(user.id).wait_for(lambda: len(fresh()) >= min_count, _timeout(request))
    return {"ok": True, "messages": [message_view(m) for m in fresh()]}


async def get_message(request: web.Request) -> dict[str, Any]:
    bot, user = _bot(request), _user(request)
    chat = bot.chats.get(user.id)
    message = chat.messages.get(int(request.match_info["mid"])) if chat else None
    if message is None or not message.from_bot:
        raise ControlError(404, f"no bot message {request.match_info['mid']} in chat {user.id}")
    min_edits = int(request.query.get("min_edits", 0))
    done = await bot.chat_notifier(user.id).wait_for(lambda: message.edits >= min_edits, _timeout(request))
    return {"ok": True, "message": message_view(message), "timed_out": not done}


async def post_callback_query(request: web.Request) -> dict[str, Any]:
    body = await _body(request)
    message_id = body.get("message_id")
    bot = _bot(request)
    query_id, record = press_inline(
        bot,
        _user(request),
        str(body.get("button", "")),
        int(message_id) if message_id is not None else None,
        forged_data=str(body["forged_data"]) if body.get("forged_data") is not None else None,
    )
    timeout = _timeout(request, {"timeout": body.get("timeout", 3.0)})
    await bot.chat_notifier(record.chat_id).wait_for(lambda: record.answer is not None, timeout)
    return {
        "ok": True,
        "callback_query_id": query_id,
        "message_id": record.message_id,
        "answer": record.answer,
    }


async def post_reply_press(request: web.Request) -> dict[str, Any]:
    result = press_reply(_world(request), _bot(request), _user(request), await _body(request))
    return {"ok": True, **result}


async def put_blocked(request: web.Request) -> dict[str, Any]:
    blocked = bool((await _body(request)).get("blocked", True))
    set_blocked(_bot(request), _user(request), blocked)
    return {"ok": True, "blocked": blocked}


async def get_chat_actions(request: web.Request) -> dict[str, Any]:
    chat = _bot(request).chats.get(_user(request).id)
    return {"ok": True, "actions": list(chat.actions) if chat else []}


async def put_rate_limits(request: web.Request) -> dict[str, Any]:
    world, body = _world(request), await _body(request)
    world.enforce_rate_limits = bool(body.get("enforce", True))
    if body.get("limits"):
        world.set_limits(RateLimits(**body["limits"]))
    return {"ok": True, "enforce": world.enforce_rate_limits, "limits": world.limits.as_json()}


async def put_latency(request: web.Request) -> dict[str, Any]:
    world, body = _world(request), await _body(request)
    latency_ms = float(body["latency_ms"])
    if latency_ms < 0:
        raise ControlError(400, "latency_ms must not be negative")
    world.latency_ms = latency_ms
    return {"ok": True, "latency_ms": latency_ms}


async def get_stats(request: web.Request) -> dict[str, Any]:
    return {"ok": True, **_world(request).stats.as_json()}


def add_routes(app: web.Application) -> None:
    routes: list[tuple[str, str, Route]] = [
        ("GET", "/sandbox", info),
        ("GET", "/sandbox/bot", bot_info),
        ("POST", "/sandbox/users", post_user),
        ("GET", "/sandbox/users/{uid}", get_user),
        ("POST", "/sandbox/users/{uid}/messages", post_message),
        ("GET", "/sandbox/users/{uid}/messages", get_messages),
        ("GET", "/sandbox/users/{uid}/messages/{mid}", get_message),
        ("POST", "/sandbox/users/{uid}/callback-queries", post_callback_query),
        ("POST", "/sandbox/users/{uid}/reply-keyboard-presses", post_reply_press),
        ("PUT", "/sandbox/users/{uid}/blocked", put_blocked),
        ("GET", "/sandbox/users/{uid}/chat-actions", get_chat_actions),
        ("PUT", "/sandbox/rate-limits", put_rate_limits),
        ("PUT", "/sandbox/latency", put_latency),
        ("GET", "/sandbox/stats", get_stats),
    ]
    for verb, path, route in routes:
        app.router.add_route(verb, path, _wrap(route))
