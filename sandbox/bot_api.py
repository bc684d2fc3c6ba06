"""HTTP side of the fake Bot API: ``/bot<token>/<method>`` and ``/file/bot<token>/<file_path>``.

Tokens look like ``<digits>:<anything>``; the digits are the bot id, anything else is 401.
Any method is reachable with GET or POST, any casing, and parameters in the query string,
a form (urlencoded or multipart) or a JSON body. Responses use Telegram's envelope:
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}``
(+ ``parameters.retry_after`` on 429); the HTTP status equals ``error_code``, which is what
python-telegram-bot maps to ``BadRequest`` / ``Forbidden`` / ``RetryAfter`` / ...

With ``World.latency_ms`` set, every request (errors included) takes that round trip longer: half
before the method runs (the request travelling to Telegram), half after (the answer travelling
back), as asyncio sleeps of that one request, so concurrent requests overlap as on a real network.
A long poll pays it once, not per wake-up: its wait for updates sits between the two halves.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import web

# Imported for their @method registrations.
from sandbox import api_messages, api_updates  # noqa: F401
from sandbox.errors import FILE_NOT_FOUND, METHOD_NOT_FOUND, UNAUTHORIZED, ApiError
from sandbox.methods import METHODS, Call
from sandbox.params import Params
from sandbox.state import BotState, World

log = logging.getLogger(__name__)
WORLD_KEY: web.AppKey[World] = web.AppKey("sandbox_world", World)
_TOKEN_RE = re.compile(r"(\d+):(.+)")


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _bot(world: World, token: str) -> BotState:
    match = _TOKEN_RE.fullmatch(token)
    if match is None:
        raise UNAUTHORIZED
    return world.bot_for_id(int(match.group(1)))


async def _one_way(world: World) -> None:
    """Half the configured round trip; read per request, so a change applies to the next request."""
    if world.latency_ms > 0:
        await asyncio.sleep(world.latency_ms / 2000)


def _error(world: World, error: ApiError) -> web.Response:
    world.stats.counters[f"http_{error.code}"] += 1
    return _json(error.envelope(), status=error.code)


async def handle_method(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    await _one_way(world)
    response = await _answer_method(world, request)
    await _one_way(world)
    return response


async def _answer_method(world: World, request: web.Request) -> web.Response:
    try:
        bot = _bot(world, request.match_info["token"])
        entry = METHODS.get(request.match_info["method"].lower())
        if entry is None:
            raise METHOD_NOT_FOUND
        name, implementation = entry
        world.stats.requests[name] += 1
        params = await Params.from_request(request)
        result = await implementation(Call(world, bot, params, name))
    except ApiError as error:
        return _error(world, error)
    except Exception as exc:
        # A sandbox bug: answer in Telegram's envelope so PTB surfaces it instead of hanging.
        log.exception("sandbox failed on %s", request.path)
        return _error(world, ApiError(500, f"Internal Server Error: sandbox bug: {exc!r}"))
    return _json({"ok": True, "result": result})


async def handle_file(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD_KEY]
    await _one_way(world)
    response = _answer_file(world, request)
    await _one_way(world)
    return response


def _answer_file(world: World, request: web.Request) -> web.StreamResponse:
    try:
        _bot(world, request.match_info["token"])
    except ApiError as error:
        return _error(world, error)
    stored = world.files.by_path(request.match_info["file_path"])
    if stored is None:
        return _error(world, FILE_NOT_FOUND)
    return web.Response(body=stored.data, content_type=stored.mime_type)


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", r"/bot{token}/{method}", handle_method)
    app.router.add_route("GET", r"/file/bot{token}/{file_path:.+}", handle_file)
